// Defaulting and pruning of custom objects, walking the structural schema as the apiextensions apiserver does.
import {isObj, props, type Schema, sub} from './props.js'

/** Fields every object keeps at the root and in embedded resources, whatever the schema says. */
const META_KEYS = ['apiVersion', 'kind', 'metadata']

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T)
}

/** Fills absent properties (and nulls of non-nullable ones) that have a `default`, then descends (defaults of defaults apply too). */
export function applyDefaults(s: Schema, v: unknown): void {
  if (Array.isArray(v)) {
    const items = sub(s, 'items')
    if (items) for (const e of v) applyDefaults(items, e)
    return
  }
  if (!isObj(v)) return
  const ps = props(s)
  for (const [k, p] of Object.entries(ps)) {
    const unset = !(k in v) || (v[k] === null && p.nullable !== true)
    if (unset && p.default !== undefined) v[k] = clone(p.default)
    if (k in v) applyDefaults(p, v[k])
  }
  const addl = sub(s, 'additionalProperties')
  if (addl) for (const [k, val] of Object.entries(v)) if (!(k in ps)) applyDefaults(addl, val)
}

/** Deletes fields the schema does not specify, unless x-kubernetes-preserve-unknown-fields keeps them. */
export function prune(s: Schema, v: unknown, isRoot: boolean): void {
  if (Array.isArray(v)) {
    const items = sub(s, 'items')
    if (items) for (const e of v) prune(items, e, false)
    return
  }
  if (!isObj(v)) return
  const keepMeta = isRoot || s['x-kubernetes-embedded-resource'] === true
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true
  const ps = props(s)
  const addl = s.additionalProperties
  for (const k of Object.keys(v)) {
    if (keepMeta && META_KEYS.includes(k) && !(k in ps)) continue
    const p = ps[k]
    if (p) prune(p, v[k], false)
    else if (isObj(addl)) prune(addl, v[k], false)
    else if (addl === true || preserve) continue
    else delete v[k]
  }
}
