// Object metadata semantics: system fields on create, what an update may change, generation, managedFields.
import {randomBytes, randomUUID} from 'node:crypto'
import {isDeepStrictEqual} from 'node:util'
import type {ResourceDef} from '../api/registry.js'
import {apiVersionOf} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {errors} from './errors.js'
import {checkMetaTypes} from './metatypes.js'
import {recordUpdateManagedFields} from './patch/index.js'

/** Timestamps in the API have second precision. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Whether writes to the main resource must leave `.status` alone (it has a status subresource). */
export function hasStatus(def: ResourceDef): boolean {
  return def.subresources.some(s => s.name === 'status')
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789'

/** The random suffix Kubernetes appends to generateName (5 characters without vowels). */
export function nameSuffix(): string {
  const bytes = randomBytes(5)
  return [...bytes].map(b => alphabet[b % alphabet.length]).join('')
}

/**
 * Records an Update (create, update, non-apply patch, subresource write) in managedFields: the writer owns the fields
 * it changed and other managers lose them, so an applier's fields can change hands. The writer is the request's
 * fieldManager, or for an object that already tracks owners the client's user agent; an untracked object written
 * without a fieldManager stays untracked (no cost on the writes controllers make all the time).
 */
export function recordUpdate(next: KubeObject, old: KubeObject | undefined, def: ResourceDef, manager: string | null, userAgent: string | undefined, now: Date, subresource?: string): void {
  const tracked = (old?.metadata.managedFields ?? []).length > 0
  const writer = manager ?? (tracked ? (userAgent ?? '').split('/')[0] || 'unknown' : null)
  if (!writer) return
  // A client echoing managedFields back keeps them; recordUpdateManagedFields reads them from `next` when present.
  const recorded = recordUpdateManagedFields(old, next, writer, apiVersionOf(def), timestamp(now), subresource)
  if (recorded.metadata.managedFields) next.metadata.managedFields = recorded.metadata.managedFields
  else delete next.metadata.managedFields
}

/** Appends or refreshes this manager's managedFields entry. */
export function recordManager(obj: KubeObject, def: ResourceDef, manager: string | null, operation: 'Update' | 'Apply', now: Date, subresource?: string): void {
  if (!manager) return
  const entries = (Array.isArray(obj.metadata.managedFields) ? obj.metadata.managedFields : []) as Array<Record<string, unknown>>
  const kept = entries.filter(e => !(e.manager === manager && e.operation === operation && (e.subresource ?? undefined) === subresource))
  const prior = entries.find(e => e.manager === manager && e.operation === operation && (e.subresource ?? undefined) === subresource)
  kept.push({
    manager, operation, apiVersion: apiVersionOf(def), time: timestamp(now), fieldsType: 'FieldsV1',
    fieldsV1: prior?.fieldsV1 ?? {}, ...(subresource ? {subresource} : {}),
  })
  obj.metadata.managedFields = kept
}

// Where the desired state lives: `.spec`, or for kinds without one everything but metadata and status.
function desiredState(obj: KubeObject): unknown {
  if ('spec' in obj) return obj.spec
  const {metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest} = obj
  return rest
}

/** Fills system metadata for a new object. */
export function prepareCreate(def: ResourceDef, obj: KubeObject, now: Date): void {
  const md = obj.metadata
  if (!md.name && md.generateName) md.name = md.generateName + nameSuffix()
  md.uid = randomUUID()
  md.creationTimestamp = timestamp(now)
  md.generation = 1
  delete md.resourceVersion
  delete md.deletionTimestamp
  delete md.deletionGracePeriodSeconds
  delete md.selfLink
  // Status is the controllers' to write: a kind resets what a create may not set, by default the whole status.
  if (def.strategy?.prepareForCreate) def.strategy.prepareForCreate(obj)
  else if (hasStatus(def)) delete obj.status
}

/**
 * Carries over what an update may not change and bumps generation when the desired state changed.
 * `part` says which part of the object the write targets.
 */
export function prepareUpdate(def: ResourceDef, obj: KubeObject, old: KubeObject, part: 'main' | 'status'): KubeObject {
  let next: KubeObject
  if (part === 'status') {
    // Status writes change only status (and metadata the way Kubernetes allows: none of it here).
    next = {...old, status: obj.status, metadata: {...old.metadata, managedFields: obj.metadata.managedFields ?? old.metadata.managedFields}}
    if (obj.status === undefined) delete next.status
  } else {
    next = {...obj}
    if (hasStatus(def)) {
      if (old.status === undefined) delete next.status
      else next.status = old.status
    }
  }
  const md = {...next.metadata}
  md.uid = old.metadata.uid
  md.creationTimestamp = old.metadata.creationTimestamp
  md.namespace = old.metadata.namespace
  md.name = old.metadata.name
  if (old.metadata.deletionTimestamp) {
    md.deletionTimestamp = old.metadata.deletionTimestamp
    md.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds
  } else {
    delete md.deletionTimestamp
    delete md.deletionGracePeriodSeconds
  }
  delete md.selfLink
  const gen = old.metadata.generation ?? 1
  md.generation = isDeepStrictEqual(desiredState(next), desiredState(old)) ? gen : gen + 1
  next.metadata = md
  if (part === 'main') def.strategy?.prepareForUpdate?.(next, old)
  return next
}

/**
 * True when two objects differ in nothing but resourceVersion and managedFields timestamps. A change of ownership
 * alone (a second manager applying the same value becomes a co-owner) is a change and is written.
 */
export function unchanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const {resourceVersion: _r, managedFields, ...md} = o.metadata
    const owners = (managedFields ?? []).map((e) => {
      const {time: _t, ...rest} = e as unknown as Record<string, unknown>
      return rest
    })
    return {...o, metadata: {...md, managedFields: owners}}
  }
  return isDeepStrictEqual(strip(a), strip(b))
}

/** Checks apiVersion/kind against the endpoint and fills them when missing. */
export function checkTypeMeta(def: ResourceDef, obj: KubeObject, allowed: {apiVersion: string; kind: string} = {apiVersion: apiVersionOf(def), kind: def.kind}): void {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw errors.badRequest('the request body must be an object')
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {}
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw errors.badRequest('metadata must be an object')
  checkMetaTypes(def, obj)
  if (obj.kind && obj.kind !== allowed.kind) {
    throw errors.badRequest(`the body of the request was of kind ${JSON.stringify(obj.kind)}, expected ${JSON.stringify(allowed.kind)}`)
  }
  if (obj.apiVersion && obj.apiVersion !== allowed.apiVersion) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${allowed.apiVersion})`)
  }
  obj.apiVersion = allowed.apiVersion
  obj.kind = allowed.kind
}
