// Client-side apply's three-way patch: what the file changed since it was last applied, against what the server holds now.

type Json = null | boolean | number | string | Json[] | {[k: string]: Json}
type JsonObject = {[k: string]: Json}

/** The annotation where client-side apply keeps the configuration it last applied. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]))
  return v
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Structural equality of two JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return false
}

/** True when everything `want` says holds in `have` (the server may have added defaults beside it). */
export function covers(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((x, i) => covers(x, have[i]))
  if (isObject(want)) return isObject(have) && Object.keys(want).every((k) => covers(want[k], have[k]))
  return want === have
}

/**
 * A JSON merge patch (RFC 7386) taking `current` to `modified`: fields the file sets that the server does not hold,
 * and nulls for fields the last applied configuration (`original`) set but the file no longer does. Lists are replaced
 * whole when the file's list changed or the server's differs from it; fields the server defaulted inside them
 * are not a difference. An empty object means there is nothing to change ("unchanged").
 */
export function threeWayPatch(original: unknown, modified: unknown, current: unknown): JsonObject {
  const patch: JsonObject = {}
  const o = isObject(original) ? original : {}
  const m = isObject(modified) ? modified : {}
  const c = isObject(current) ? current : {}
  for (const [k, mv] of Object.entries(m)) {
    const cv = c[k]
    if (isObject(mv) && isObject(cv)) {
      const sub = threeWayPatch(o[k], mv, cv)
      if (Object.keys(sub).length) patch[k] = sub
    } else if (Array.isArray(mv)) {
      if (!covers(mv, cv) || (k in o && !deepEqual(o[k], mv))) patch[k] = mv
    } else if (!covers(mv, cv)) {
      patch[k] = mv
    }
  }
  for (const k of Object.keys(o)) {
    if (!(k in m) && k in c && m[k] === undefined) patch[k] = null
  }
  return patch
}

/** The configuration to record in the annotation: the object as the file gives it, without the annotation itself. */
export function lastAppliedOf(obj: object): string {
  const copy = JSON.parse(JSON.stringify(obj)) as JsonObject
  const meta = copy.metadata
  // An empty annotations map stays, as in kubectl's record (it adds the map to hold the annotation, then takes the annotation out).
  if (isObject(meta)) meta.annotations = isObject(meta.annotations) ? meta.annotations : {}
  if (isObject(meta) && isObject(meta.annotations)) delete meta.annotations[LAST_APPLIED]
  // Keys sorted as Go writes maps, so the text is the one kubectl would record and the two tools agree on "unchanged".
  return JSON.stringify(sortKeys(copy)) + '\n'
}

/** The object as it is sent to the server: the file's object carrying the last-applied annotation. */
export function withLastApplied<T extends object>(obj: T): T {
  const copy = JSON.parse(JSON.stringify(obj)) as JsonObject
  const meta = (isObject(copy.metadata) ? copy.metadata : (copy.metadata = {})) as JsonObject
  const annotations = (isObject(meta.annotations) ? meta.annotations : (meta.annotations = {})) as JsonObject
  annotations[LAST_APPLIED] = lastAppliedOf(obj)
  return copy as T
}
