// Field sets as server-side apply tracks them (FieldsV1): computing, converting, resolving and removing field paths.
import {genericRoot, rootFor, ssaKeysOf, typeOf, fieldOf, type TypeDesc} from './schema.js'
import {deepEqual, isObject, type Json, type JsonObject} from './util.js'

/** A path is a list of FieldsV1 elements: "f:<field>", "k:<json key object>", "v:<json value>" or "." (the list item itself). */
export type FieldPath = string[]
/** A set of paths, each stored as its JSON encoding so Set membership works. */
export type FieldSet = Set<string>

/**
 * Metadata that the server owns or that identifies the object; Kubernetes never records these in managedFields.
 */
const UNTRACKED_METADATA = new Set([
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink',
])

/** The root type description for an object's kind (generic for kinds without Go types). */
export function rootOf(obj: {apiVersion?: unknown; kind?: unknown}): TypeDesc {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : ''
  const slash = apiVersion.lastIndexOf('/')
  const group = slash < 0 ? '' : apiVersion.slice(0, slash)
  return rootFor({group, kind: typeof obj.kind === 'string' ? obj.kind : ''}) ?? genericRoot
}

/** Key fields of a list-map item; protocol defaults to TCP as the API defaults it before keys are computed. */
function keyObject(el: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {}
  for (const k of [...keys].sort()) {
    const v = el[k] ?? (k === 'protocol' ? 'TCP' : undefined)
    if (v !== undefined) out[k] = v
  }
  return out
}

function matchesKey(el: Json, key: JsonObject): boolean {
  if (!isObject(el)) return false
  return Object.entries(key).every(([k, v]) => deepEqual(el[k] ?? (k === 'protocol' ? 'TCP' : undefined), v))
}

/** Every leaf path of `obj` (plus "." for each keyed list item), as server-side apply would own them. */
export function fieldSetOf(obj: JsonObject, root: TypeDesc = rootOf(obj)): FieldSet {
  const set: FieldSet = new Set()
  const walk = (value: JsonObject, desc: TypeDesc | undefined, path: FieldPath) => {
    for (const [k, v] of Object.entries(value)) {
      if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue
      if (path.length === 1 && path[0] === 'f:metadata' && UNTRACKED_METADATA.has(k)) continue
      const p = [...path, `f:${k}`]
      const fd = fieldOf(desc, k)
      if (isObject(v) && Object.keys(v).length > 0) {
        walk(v, typeOf(fd), p)
      } else if (Array.isArray(v) && v.length > 0) {
        const keys = ssaKeysOf(fd)
        if (keys && v.every(isObject)) {
          for (const el of v as JsonObject[]) {
            const item = [...p, `k:${JSON.stringify(keyObject(el, keys))}`]
            set.add(JSON.stringify([...item, '.']))
            walk(el, typeOf(fd), item)
          }
        } else if (fd?.list === 'set') {
          for (const el of v) set.add(JSON.stringify([...p, `v:${JSON.stringify(el)}`]))
        } else {
          set.add(JSON.stringify(p))
        }
      } else {
        set.add(JSON.stringify(p))
      }
    }
  }
  walk(obj, root, [])
  // metadata with only untracked fields leaves nothing to own.
  return set
}

/** The FieldsV1 JSON tree of a set: nested objects keyed by path elements, leaves are {}. */
export function treeOf(set: FieldSet): JsonObject {
  const tree: JsonObject = {}
  for (const s of set) {
    let node = tree
    for (const el of JSON.parse(s) as FieldPath) node = (node[el] ??= {}) as JsonObject
  }
  return tree
}

/** The set of a FieldsV1 tree (inverse of treeOf). */
export function setOf(tree: unknown): FieldSet {
  const set: FieldSet = new Set()
  const walk = (node: JsonObject, path: FieldPath) => {
    for (const [k, v] of Object.entries(node)) {
      const p = [...path, k]
      if (isObject(v) && Object.keys(v).length > 0) walk(v, p)
      else set.add(JSON.stringify(p))
    }
  }
  if (isObject(tree)) walk(tree, [])
  return set
}

/** The value a path points at, or undefined. "." yields the list item itself. */
export function resolve(obj: Json | undefined, path: FieldPath): Json | undefined {
  let cur: Json | undefined = obj
  for (const el of path) {
    if (cur === undefined) return undefined
    if (el === '.') continue
    if (el.startsWith('f:')) cur = isObject(cur) ? cur[el.slice(2)] : undefined
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as JsonObject
      cur = Array.isArray(cur) ? cur.find((x) => matchesKey(x, key)) : undefined
    } else if (el.startsWith('v:')) {
      const v = JSON.parse(el.slice(2)) as Json
      cur = Array.isArray(cur) && cur.some((x) => deepEqual(x, v)) ? v : undefined
    } else return undefined
  }
  return cur
}

/** Removes the field a path points at (mutates `obj`); a trailing "." removes the whole list item. */
export function removePath(obj: JsonObject, path: FieldPath): void {
  if (path.length === 0) return
  if (path[path.length - 1] === '.') return removePath(obj, path.slice(0, -1))
  const parent = resolve(obj, path.slice(0, -1))
  const last = path[path.length - 1]
  if (last.startsWith('f:')) {
    if (isObject(parent)) delete parent[last.slice(2)]
  } else if (Array.isArray(parent)) {
    const keep = last.startsWith('k:')
      ? (x: Json) => !matchesKey(x, JSON.parse(last.slice(2)) as JsonObject)
      : (x: Json) => !deepEqual(x, JSON.parse(last.slice(2)) as Json)
    const kept = parent.filter(keep)
    parent.splice(0, parent.length, ...kept)
  }
}

/** Human-readable form of a path, as Kubernetes prints it in conflict messages (.spec.containers[name="a"].image). */
export function pathString(path: FieldPath): string {
  let s = ''
  for (const el of path) {
    if (el === '.') continue
    if (el.startsWith('f:')) s += `.${el.slice(2)}`
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as JsonObject
      s += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`
    } else s += `[=${el.slice(2)}]`
  }
  return s
}

/** Computes the FieldsV1 of an object: `f:` keys, `k:{"name":"x"}` for keyed list items, `v:` for set members. */
export function fieldsV1Of(obj: {apiVersion?: unknown; kind?: unknown; [k: string]: unknown}): JsonObject {
  return treeOf(fieldSetOf(obj as JsonObject, rootOf(obj)))
}

export {keyObject as _keyObjectForTests}
