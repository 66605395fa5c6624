// Strategic merge patch: JSON merge patch plus per-field list strategies and the $-directives kubectl emits (compat F1).
import {PatchError} from './errors.js'
import {fieldOf, typeOf, type FieldDesc, type TypeDesc} from './schema.js'
import {clone, deepEqual, isObject, type Json, type JsonObject} from './util.js'

const DELETE = Symbol('delete')
const ORDER = '$setElementOrder/'
const DEL_PRIMITIVE = '$deleteFromPrimitiveList/'

/** Applies a strategic merge patch to `original` (not mutated) using the kind's root type description. */
export function strategicMergePatch(original: JsonObject, patch: JsonObject, root: TypeDesc | undefined): JsonObject {
  const out = mergeMap(original, patch, root, '')
  // A top-level {"$patch":"delete"} would delete the whole object, which PATCH cannot express.
  if (out === DELETE) throw new PatchError(400, 'a strategic merge patch cannot delete the whole object')
  return out
}

function mergeMap(orig: JsonObject | undefined, patch: JsonObject, desc: TypeDesc | undefined, path: string): JsonObject | typeof DELETE {
  const directive = patch.$patch
  if (directive === 'delete') return DELETE
  if (directive === 'replace') return cleanNew(withoutKey(patch, '$patch')) as JsonObject
  if (directive !== undefined && directive !== 'merge') throw new PatchError(400, `unknown $patch directive ${JSON.stringify(directive)} at ${path || '.'}`)

  const out: JsonObject = isObject(orig) ? {...orig} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DEL_PRIMITIVE)) continue
    const field = k.slice(DEL_PRIMITIVE.length)
    if (!Array.isArray(v)) throw new PatchError(400, `${k} must be a list`)
    const list = out[field]
    if (Array.isArray(list)) out[field] = list.filter((x) => !v.some((d) => deepEqual(d, x)))
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue
    const sub = path ? `${path}.${k}` : k
    if (v === null) {
      delete out[k]
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, fieldOf(desc, k), patch[ORDER + k], sub)
    } else if (isObject(v)) {
      const r = mergeMap(isObject(out[k]) ? (out[k] as JsonObject) : undefined, v, typeOf(fieldOf(desc, k)), sub)
      if (r === DELETE) delete out[k]
      else out[k] = r
    } else {
      out[k] = v
    }
  }
  // $setElementOrder can come without the list itself (only an order change, or only deletions elsewhere).
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(ORDER)) continue
    const field = k.slice(ORDER.length)
    if (!Array.isArray(v)) throw new PatchError(400, `${k} must be a list`)
    if (field in patch && Array.isArray(patch[field])) continue
    const list = out[field]
    if (Array.isArray(list)) out[field] = applyOrder(list, v, fieldOf(desc, field)?.key)
  }
  const retain = patch.$retainKeys
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError(400, `$retainKeys at ${path || '.'} must be a list`)
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k]
  }
  return out
}

function mergeList(orig: Json | undefined, patch: Json[], fd: FieldDesc | undefined, order: Json | undefined, path: string): Json[] {
  const strategy = fd?.list ?? 'atomic'
  const key = fd?.key
  if (order !== undefined && !Array.isArray(order)) throw new PatchError(400, `$setElementOrder/ for ${path} must be a list`)
  if (strategy === 'atomic') return patch.map(cleanNew)
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    const replaced = patch.filter((e) => !(isObject(e) && e.$patch === 'replace')).map(cleanNew)
    return order ? applyOrder(replaced, order, key) : replaced
  }
  let out: Json[] = Array.isArray(orig) ? [...orig] : []
  for (const el of patch) {
    if (!isObject(el) || strategy === 'set' || !key) {
      // Sets (finalizers) and primitive members of merge lists: union.
      if (!out.some((x) => deepEqual(x, el))) out.push(cleanNew(el))
      continue
    }
    if (!(key in el)) throw new PatchError(400, `${path}: element ${JSON.stringify(el)} does not contain declared merge key: ${key}`)
    const keyVal = el[key]
    const idx = out.findIndex((x) => isObject(x) && deepEqual(x[key], keyVal))
    if (el.$patch === 'delete') {
      out = out.filter((x) => !(isObject(x) && deepEqual(x[key], keyVal)))
      continue
    }
    const merged = mergeMap(idx >= 0 ? (out[idx] as JsonObject) : undefined, el, typeOf(fd), `${path}[${key}=${JSON.stringify(keyVal)}]`)
    if (merged === DELETE) out = out.filter((_, i) => i !== idx)
    else if (idx >= 0) out[idx] = merged
    else out.push(merged)
  }
  return order ? applyOrder(out, order, key) : out
}

/**
 * Orders `list` by `order`: elements named in the order list come first in that order; elements only the
 * server knows keep their relative order after them. Names in the order list that match nothing are ignored.
 */
function applyOrder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (x: Json) => JSON.stringify(key && isObject(x) ? x[key] : x)
  const ids = order.map(id)
  const placed = ids.flatMap((i) => list.filter((x) => id(x) === i))
  const rest = list.filter((x) => !ids.includes(id(x)))
  return [...placed, ...rest]
}

/** A value taken from the patch as new content: directives and nulls never reach storage. */
function cleanNew(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x.$patch === 'delete')).map(cleanNew)
  if (!isObject(v)) return clone(v)
  const out: JsonObject = {}
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || x === null) continue
    out[k] = cleanNew(x)
  }
  return out
}

function withoutKey(o: JsonObject, key: string): JsonObject {
  const {[key]: _drop, ...rest} = o
  void _drop
  return rest
}
