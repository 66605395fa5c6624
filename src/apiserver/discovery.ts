// Discovery documents (aggregated v2 and legacy), built from the registry once and cached until it changes.
import {apiVersionOf, type ResourceDef, type ResourceRegistry} from '../api/registry.js'

export const aggregatedContentType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'

/** Whether the Accept header asks for aggregated discovery (v2 or v2beta1). */
export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && accept.includes('as=APIGroupDiscoveryList')
}

function aggregatedResource(d: ResourceDef) {
  return {
    resource: d.resource,
    responseKind: {group: d.group, version: d.version, kind: d.kind},
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    ...(d.shortNames.length ? {shortNames: d.shortNames} : {}),
    ...(d.categories.length ? {categories: d.categories} : {}),
    verbs: d.verbs,
    ...(d.subresources.length ? {subresources: d.subresources.map(s => ({
      subresource: s.name,
      responseKind: s.responseKind ?? {group: d.group, version: d.version, kind: d.kind},
      verbs: s.verbs,
    }))} : {}),
  }
}

/** Caches every discovery document; the registry's change listener clears it. */
export class DiscoveryCache {
  private cache = new Map<string, string>()

  constructor(private readonly registry: ResourceRegistry) {
    registry.onChange(() => this.cache.clear())
  }

  private memo(key: string, build: () => unknown): string {
    let doc = this.cache.get(key)
    if (doc === undefined) {
      doc = JSON.stringify(build())
      this.cache.set(key, doc)
    }
    return doc
  }

  /** Aggregated list for /api (legacy only) or /apis (named groups). */
  aggregated(legacy: boolean): string {
    return this.memo(`agg:${legacy}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: this.registry.groups().filter(g => (g === '') === legacy).map(group => ({
        metadata: {name: group},
        versions: this.registry.versions(group).map(version => ({
          version,
          freshness: 'Current',
          resources: this.registry.all().filter(d => d.group === group && d.version === version).map(aggregatedResource),
        })),
      })),
    }))
  }

  /** Legacy /api: APIVersions. */
  apiVersions(serverAddress: string): string {
    return this.memo(`versions:${serverAddress}`, () => ({
      kind: 'APIVersions', versions: this.registry.versions(''),
      serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress}],
    }))
  }

  private groupDoc(group: string) {
    const versions = this.registry.versions(group).map(version => ({groupVersion: `${group}/${version}`, version}))
    return {name: group, versions, preferredVersion: versions[0]}
  }

  /** Legacy /apis: APIGroupList. */
  groupList(): string {
    return this.memo('groups', () => ({
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: this.registry.groups().filter(g => g !== '').map(g => this.groupDoc(g)),
    }))
  }

  /** /apis/<group>: APIGroup, or undefined for an unknown group. */
  group(group: string): string | undefined {
    if (!this.registry.groups().includes(group) || group === '') return undefined
    return this.memo(`group:${group}`, () => ({kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group)}))
  }

  /** /api/v1 or /apis/<g>/<v>: APIResourceList with subresources as `name/sub` entries. */
  resourceList(group: string, version: string): string | undefined {
    const defs = this.registry.all().filter(d => d.group === group && d.version === version)
    if (defs.length === 0) return undefined
    return this.memo(`list:${group}/${version}`, () => ({
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({group, version}),
      resources: defs.flatMap(d => [
        {
          name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: d.verbs,
          ...(d.shortNames.length ? {shortNames: d.shortNames} : {}),
          ...(d.categories.length ? {categories: d.categories} : {}),
        },
        ...d.subresources.map(s => ({
          name: `${d.resource}/${s.name}`, singularName: '', namespaced: d.namespaced,
          ...(s.responseKind ? {group: s.responseKind.group, version: s.responseKind.version} : {}),
          kind: s.responseKind?.kind ?? d.kind, verbs: s.verbs,
        })),
      ]),
    }))
  }
}
