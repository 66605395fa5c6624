// The registry of served resources: one definition per resource, from which routing, discovery and OpenAPI derive.

/** A subresource of a resource, e.g. status or scale. */
export interface SubresourceDef {
  name: string
  /** The kind the subresource speaks, when not the parent's (Scale, Binding). */
  responseKind?: {group: string; version: string; kind: string}
  verbs: string[]
}

/** Everything the apiserver needs to serve one resource generically. */
export interface ResourceDef {
  group: string
  version: string
  kind: string
  /** Plural, lower case: the URL segment. */
  resource: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  verbs: string[]
  subresources: SubresourceDef[]
  listKind: string
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
const rw = ['get', 'patch', 'update']
const status: SubresourceDef = {name: 'status', verbs: rw}
const scale: SubresourceDef = {name: 'scale', responseKind: {group: 'autoscaling', version: 'v1', kind: 'Scale'}, verbs: rw}

function def(group: string, version: string, kind: string, opts: {
  resource?: string; namespaced?: boolean; shortNames?: string[]; categories?: string[]; verbs?: string[]; subresources?: SubresourceDef[]
} = {}): ResourceDef {
  const resource = opts.resource ?? `${kind.toLowerCase()}s`
  return {
    group, version, kind, resource,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: opts.verbs ?? allVerbs,
    subresources: opts.subresources ?? [],
    listKind: `${kind}List`,
  }
}

/** The built-in resources, in discovery order (kubectl `get all` follows it). */
export const builtinResources: ResourceDef[] = [
  def('', 'v1', 'Namespace', {namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: [status, {name: 'finalize', verbs: ['update']}]}),
  def('', 'v1', 'Node', {namespaced: false, shortNames: ['no'], subresources: [status, {name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update']}]}),
  def('', 'v1', 'Pod', {shortNames: ['po'], categories: ['all'], subresources: [
    status,
    {name: 'binding', responseKind: {group: '', version: 'v1', kind: 'Binding'}, verbs: ['create']},
    {name: 'log', verbs: ['get']},
    {name: 'exec', responseKind: {group: '', version: 'v1', kind: 'PodExecOptions'}, verbs: ['create', 'get']},
    {name: 'attach', responseKind: {group: '', version: 'v1', kind: 'PodAttachOptions'}, verbs: ['create', 'get']},
    {name: 'portforward', responseKind: {group: '', version: 'v1', kind: 'PodPortForwardOptions'}, verbs: ['create', 'get']},
    {name: 'eviction', responseKind: {group: 'policy', version: 'v1', kind: 'Eviction'}, verbs: ['create']},
  ]}),
  def('', 'v1', 'Binding', {verbs: ['create']}),
  def('', 'v1', 'Service', {shortNames: ['svc'], categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], subresources: [status]}),
  def('', 'v1', 'Endpoints', {resource: 'endpoints', shortNames: ['ep']}),
  def('', 'v1', 'ConfigMap', {shortNames: ['cm']}),
  def('', 'v1', 'Secret'),
  def('', 'v1', 'ServiceAccount', {shortNames: ['sa'], subresources: [{name: 'token', responseKind: {group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest'}, verbs: ['create']}]}),
  def('', 'v1', 'Event', {shortNames: ['ev']}),
  def('coordination.k8s.io', 'v1', 'Lease'),
  def('apps', 'v1', 'Deployment', {shortNames: ['deploy'], categories: ['all'], subresources: [scale, status]}),
  def('apps', 'v1', 'ReplicaSet', {shortNames: ['rs'], categories: ['all'], subresources: [scale, status]}),
  def('apps', 'v1', 'StatefulSet', {shortNames: ['sts'], categories: ['all'], subresources: [scale, status]}),
  def('apps', 'v1', 'DaemonSet', {shortNames: ['ds'], categories: ['all'], subresources: [status]}),
  def('batch', 'v1', 'Job', {categories: ['all'], subresources: [status]}),
  def('batch', 'v1', 'CronJob', {shortNames: ['cj'], categories: ['all'], subresources: [status]}),
  def('discovery.k8s.io', 'v1', 'EndpointSlice'),
  def('events.k8s.io', 'v1', 'Event', {shortNames: ['ev']}),
]

/**
 * A mutable set of resource definitions. Built-ins are registered at construction; a
 * CustomResourceDefinition controller can `add`/`remove` later, and listeners drop cached discovery.
 */
export class ResourceRegistry {
  private readonly defs: ResourceDef[] = []
  private readonly byPath = new Map<string, ResourceDef>()
  private readonly listeners = new Set<() => void>()

  constructor(defs: ResourceDef[] = builtinResources) {
    for (const d of defs) this.add(d)
  }

  /** Registers (or replaces) a definition. */
  add(d: ResourceDef): void {
    const key = pathKey(d.group, d.version, d.resource)
    const existing = this.byPath.get(key)
    if (existing) this.defs.splice(this.defs.indexOf(existing), 1, d)
    else this.defs.push(d)
    this.byPath.set(key, d)
    for (const l of this.listeners) l()
  }

  remove(group: string, version: string, resource: string): void {
    const key = pathKey(group, version, resource)
    const existing = this.byPath.get(key)
    if (!existing) return
    this.defs.splice(this.defs.indexOf(existing), 1)
    this.byPath.delete(key)
    for (const l of this.listeners) l()
  }

  /** The definition served at /api(s)/<group>/<version>/<resource>. */
  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.byPath.get(pathKey(group, version, resource))
  }

  /** Finds the definition for an apiVersion + kind (first match in discovery order). */
  byKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.defs.find(d => d.group === group && d.version === version && d.kind === kind)
  }

  all(): readonly ResourceDef[] {
    return this.defs
  }

  /** Group names in discovery order, the legacy core group ("") first. */
  groups(): string[] {
    return [...new Set(this.defs.map(d => d.group))]
  }

  /** Versions of a group, in preference order. */
  versions(group: string): string[] {
    return [...new Set(this.defs.filter(d => d.group === group).map(d => d.version))]
  }

  /** Calls `fn` whenever the set of definitions changes; returns an unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
}

function pathKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`
}

/** Splits an apiVersion ("apps/v1" or "v1") into group and version. */
export function parseApiVersion(apiVersion: string): {group: string; version: string} {
  const i = apiVersion.indexOf('/')
  return i < 0 ? {group: '', version: apiVersion} : {group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1)}
}

/** The apiVersion string of a definition. */
export function apiVersionOf(d: {group: string; version: string}): string {
  return d.group ? `${d.group}/${d.version}` : d.version
}
