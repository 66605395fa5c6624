// The registry of served resources: one definition per resource, from which routing, discovery and OpenAPI derive.
import {builtinResources} from './resources/index.js'
import type {ResourceDef} from './resources/def.js'

export type {ResourceDef, SubresourceDef} from './resources/def.js'
export {builtinResources} from './resources/index.js'

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
