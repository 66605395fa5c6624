// API discovery over the wire (legacy /api and /apis documents): which resources exist, their kinds, scope and verbs.
import type {ControllerClient} from '../types.js'

/** One served resource, as discovery reports it. */
export interface ApiResource {
  group: string
  version: string
  resource: string
  kind: string
  namespaced: boolean
  verbs: string[]
}

/** The parts of discovery documents read here (APIVersions, APIGroupList, APIResourceList). */
interface APIVersions {
  versions?: string[]
}
interface APIGroupList {
  groups?: {name?: string; preferredVersion?: {version?: string}; versions?: {version?: string}[]}[]
}
interface APIResourceList {
  resources?: {name?: unknown; kind?: string; namespaced?: boolean; verbs?: string[]}[]
}

/** Resources served under one group version (subresources left out). */
async function resourcesOf(client: ControllerClient, group: string, version: string): Promise<ApiResource[]> {
  const path = group ? `/apis/${group}/${version}` : `/api/${version}`
  // Discovery documents are not objects (no metadata): read them as the shapes they are.
  const list = (await client.get(path)) as unknown as APIResourceList
  return (list?.resources ?? [])
    .filter((r): r is typeof r & {name: string} => typeof r?.name === 'string' && !r.name.includes('/'))
    .map((r) => ({group, version, resource: r.name, kind: r.kind ?? '', namespaced: !!r.namespaced, verbs: r.verbs ?? []}))
}

/**
 * Every resource of the preferred version of every group. Controllers learn the API this way, not from the
 * apiserver's registry, so CustomResourceDefinitions count too and the controller manager can run elsewhere.
 */
export async function discoverResources(client: ControllerClient): Promise<ApiResource[]> {
  const core = (await client.get('/api')) as unknown as APIVersions
  const groups = (await client.get('/apis')) as unknown as APIGroupList
  const versions: {group: string; version: string}[] = (core?.versions ?? ['v1']).map((v: string) => ({group: '', version: v}))
  for (const g of groups?.groups ?? []) {
    const version = g?.preferredVersion?.version ?? g?.versions?.[0]?.version
    if (g?.name && version) versions.push({group: g.name, version})
  }
  const lists = await Promise.all(versions.map(({group, version}) => resourcesOf(client, group, version)))
  return lists.flat()
}

/** True when the resource supports every verb. */
export const supports = (r: ApiResource, ...verbs: string[]): boolean => verbs.every((v) => r.verbs.includes(v))
