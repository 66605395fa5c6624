// The server's resource types from discovery (aggregated v2, else per group-version), cached on disk as kubectl caches it.
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {KubeClient} from './client.js'
import type {ResourceInfo} from './types.js'

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
/** kubectl keeps discovery for six hours; an unknown type refreshes it sooner. */
const TTL_MS = 6 * 3600_000

interface AggregatedResource {
  resource: string
  responseKind?: {kind?: string}
  scope?: string
  singularResource?: string
  verbs?: string[]
  shortNames?: string[]
  categories?: string[]
  subresources?: Array<{subresource: string}>
}
interface AggregatedList {
  kind?: string
  items?: Array<{metadata?: {name?: string}; versions?: Array<{version: string; resources?: AggregatedResource[]}>}>
}
interface LegacyResource {
  name: string
  singularName?: string
  namespaced: boolean
  kind: string
  verbs?: string[]
  shortNames?: string[]
  categories?: string[]
}

/** Where discovery is cached: $SKIFF_KUBE_CACHE_DIR, else ~/.kube/cache/skiff/discovery. */
function cacheFile(server: URL): string {
  const dir = process.env.SKIFF_KUBE_CACHE_DIR ?? join(homedir(), '.kube', 'cache', 'skiff', 'discovery')
  return join(dir, `${server.hostname}_${server.port || (server.protocol === 'http:' ? '80' : '443')}.json`)
}

/** Resource types of the server, from the cache when it is fresh unless `refresh`. */
export async function discover(client: KubeClient, opts: {refresh?: boolean} = {}): Promise<ResourceInfo[]> {
  const file = cacheFile(client.server)
  if (!opts.refresh) {
    try {
      const cached = JSON.parse(await readFile(file, 'utf8')) as {at: number; resources: ResourceInfo[]}
      if (Date.now() - cached.at < TTL_MS) return cached.resources
    } catch {
      // no cache or an unreadable one: ask the server
    }
  }
  const [core, groups] = await Promise.all([fetchRoot(client, '/api'), fetchRoot(client, '/apis')])
  const resources = [...core, ...groups]
  try {
    await mkdir(join(file, '..'), {recursive: true})
    await writeFile(`${file}.tmp`, JSON.stringify({at: Date.now(), resources}))
    await rename(`${file}.tmp`, file)
  } catch {
    // a read-only home only costs the next command a round trip
  }
  return resources
}

async function fetchRoot(client: KubeClient, root: '/api' | '/apis'): Promise<ResourceInfo[]> {
  const body = await client.get<AggregatedList & {versions?: string[]; groups?: Array<{name: string; preferredVersion?: {version: string}; versions: Array<{version: string}>}>}>(root, {accept: AGGREGATED_ACCEPT})
  if (body.kind === 'APIGroupDiscoveryList') return fromAggregated(body)
  // Legacy discovery: one request per group's preferred version.
  const gvs: Array<[string, string]> = root === '/api'
    ? (body.versions ?? ['v1']).slice(0, 1).map((v) => ['', v])
    : (body.groups ?? []).map((g) => [g.name, g.preferredVersion?.version ?? g.versions[0].version])
  const lists = await Promise.all(gvs.map(async ([g, v]) => {
    const path = g ? `/apis/${g}/${v}` : `/api/${v}`
    const list = await client.get<{resources?: LegacyResource[]}>(path).catch(() => ({resources: []}))
    return fromLegacy(g, v, list.resources ?? [])
  }))
  return lists.flat()
}

/** Flattens aggregated discovery, keeping each group's first (preferred) version. */
export function fromAggregated(list: AggregatedList): ResourceInfo[] {
  const out: ResourceInfo[] = []
  for (const g of list.items ?? []) {
    const v = g.versions?.[0]
    if (!v) continue
    for (const r of v.resources ?? []) {
      out.push({
        group: g.metadata?.name ?? '',
        version: v.version,
        resource: r.resource,
        singular: r.singularResource || (r.responseKind?.kind ?? '').toLowerCase(),
        kind: r.responseKind?.kind ?? '',
        namespaced: r.scope === 'Namespaced',
        shortNames: r.shortNames ?? [],
        categories: r.categories ?? [],
        verbs: r.verbs ?? [],
        subresources: (r.subresources ?? []).map((s) => s.subresource),
      })
    }
  }
  return out
}

/** Turns one group-version's APIResourceList into resources, folding `x/scale` entries into x's subresources. */
export function fromLegacy(group: string, version: string, list: LegacyResource[]): ResourceInfo[] {
  const main = list.filter((r) => !r.name.includes('/'))
  return main.map((r) => ({
    group,
    version,
    resource: r.name,
    singular: r.singularName || r.kind.toLowerCase(),
    kind: r.kind,
    namespaced: r.namespaced,
    shortNames: r.shortNames ?? [],
    categories: r.categories ?? [],
    verbs: r.verbs ?? [],
    subresources: list.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.slice(r.name.length + 1)),
  }))
}
