// Server-side apply (compat F2) and managedFields bookkeeping for ordinary writes.
import type {KubeObject, StatusCause} from '../../api/types.js'
import {PatchError} from './errors.js'
import {fieldSetOf, pathString, removePath, resolve, rootOf, setOf, treeOf, type FieldPath, type FieldSet} from './fields.js'
import {fieldOf, ssaKeysOf, typeOf, type TypeDesc} from './schema.js'
import {clone, deepEqual, isObject, type Json, type JsonObject} from './util.js'

/** One metadata.managedFields entry with its field set decoded. */
interface Entry {
  manager: string
  operation: string
  apiVersion: string
  time?: string
  subresource?: string
  set: FieldSet
}

function parseEntries(managed: unknown): Entry[] {
  if (!Array.isArray(managed)) return []
  return managed.filter(isObject).map((m) => ({
    manager: String(m.manager ?? ''),
    operation: String(m.operation ?? ''),
    apiVersion: String(m.apiVersion ?? ''),
    time: typeof m.time === 'string' ? m.time : undefined,
    subresource: typeof m.subresource === 'string' && m.subresource ? m.subresource : undefined,
    set: setOf(m.fieldsV1),
  }))
}

function serializeEntries(entries: Entry[]): JsonObject[] {
  // Kubernetes drops entries that own nothing any more.
  return entries
    .filter((e) => e.set.size > 0)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.time ? {time: e.time} : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: treeOf(e.set),
      ...(e.subresource ? {subresource: e.subresource} : {}),
    }))
}

function timeString(now: Date | string | undefined): string {
  const d = now === undefined ? new Date() : typeof now === 'string' ? new Date(now) : now
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const parse = (s: string) => JSON.parse(s) as FieldPath

/** True when `path` or anything below it (for a list item ".", anything inside the item) is in `set`. */
function ownsUnder(set: FieldSet, path: FieldPath): boolean {
  const base = path[path.length - 1] === '.' ? path.slice(0, -1) : path
  const prefix = JSON.stringify(base).slice(0, -1)
  for (const s of set) if (s === JSON.stringify(path) || s.startsWith(prefix + ',')) return true
  return false
}

/** Merges an applied configuration into the live object: keyed lists by their SSA keys, sets by union, atomic lists replaced. */
function mergeApplied(cur: Json | undefined, applied: Json, desc: TypeDesc | undefined): Json {
  if (!isObject(applied)) return clone(applied)
  const out: JsonObject = isObject(cur) ? {...cur} : {}
  for (const [k, v] of Object.entries(applied)) {
    // null in an applied configuration means "I do not set this field"; ownership removal handles deletion.
    if (v === null) continue
    const fd = fieldOf(desc, k)
    if (Array.isArray(v)) {
      const keys = ssaKeysOf(fd)
      if (keys && v.every(isObject)) {
        const list = Array.isArray(out[k]) ? [...(out[k] as Json[])] : []
        for (const el of v as JsonObject[]) {
          const idx = list.findIndex((x) => isObject(x) && keys.every((key) => deepEqual(x[key] ?? (key === 'protocol' ? 'TCP' : undefined), el[key] ?? (key === 'protocol' ? 'TCP' : undefined))))
          if (idx >= 0) list[idx] = mergeApplied(list[idx], el, typeOf(fd))
          else list.push(mergeApplied(undefined, el, typeOf(fd)))
        }
        out[k] = list
      } else if (fd?.list === 'set') {
        const list = Array.isArray(out[k]) ? [...(out[k] as Json[])] : []
        for (const el of v) if (!list.some((x) => deepEqual(x, el))) list.push(clone(el))
        out[k] = list
      } else {
        out[k] = clone(v)
      }
    } else {
      out[k] = isObject(v) ? mergeApplied(out[k], v, typeOf(fd)) : v
    }
  }
  return out
}

export interface ApplyOptions {
  fieldManager?: string
  force?: boolean
  /** Clock for managedFields timestamps (tests). */
  now?: Date | string
}

/**
 * Server-side apply of `applied` onto `current`. Creating an absent object is the caller's job: it should
 * call this with `current = {apiVersion, kind, metadata: {name, namespace}}` and then persist the result as a create.
 */
export function serverSideApply(current: KubeObject, applied: unknown, gvk: {group: string; version: string; kind: string}, opts: ApplyOptions = {}): KubeObject {
  const manager = opts.fieldManager
  if (!manager) throw new PatchError(400, 'PATCH requests with application/apply-patch+yaml require the fieldManager query parameter')
  if (!isObject(applied)) throw new PatchError(400, 'the applied configuration must be an object')
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version
  if (applied.kind !== undefined && applied.kind !== gvk.kind) {
    throw new PatchError(400, `the applied configuration's kind "${String(applied.kind)}" does not match the resource's kind "${gvk.kind}"`)
  }
  if (applied.apiVersion !== undefined && applied.apiVersion !== apiVersion) {
    throw new PatchError(400, `the applied configuration's apiVersion "${String(applied.apiVersion)}" does not match "${apiVersion}"`)
  }
  const config = clone(applied)
  if (isObject(config.metadata)) {
    const meta = config.metadata
    if (Array.isArray(meta.managedFields) && meta.managedFields.length > 0) throw new PatchError(400, 'metadata.managedFields must be empty in an applied configuration')
    delete meta.managedFields
  }
  const root = rootOf({apiVersion, kind: gvk.kind})
  const now = timeString(opts.now)

  const entries = parseEntries(current.metadata?.managedFields)
  const isMine = (e: Entry) => e.manager === manager && e.operation === 'Apply' && !e.subresource
  const newSet = fieldSetOf(config, root)
  const cur = current as unknown as JsonObject

  // Conflicts: fields another manager owns whose live value differs from the applied one.
  const conflicts: {entry: Entry; path: string}[] = []
  for (const e of entries) {
    if (isMine(e) || e.subresource) continue
    for (const p of newSet) {
      if (!e.set.has(p)) continue
      const path = parse(p)
      if (path[path.length - 1] === '.') continue
      const live = resolve(cur, path)
      if (live !== undefined && !deepEqual(live, resolve(config, path))) conflicts.push({entry: e, path: p})
    }
  }
  if (conflicts.length > 0) {
    if (!opts.force) {
      const causes: StatusCause[] = conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        field: pathString(parse(c.path)),
        message: `conflict with "${c.entry.manager}" using ${c.entry.apiVersion}`,
      }))
      const lines = causes.map((c) => `${c.message}: ${c.field}`)
      const message = lines.length === 1
        ? `Apply failed with 1 conflict: ${lines[0]}`
        : `Apply failed with ${lines.length} conflicts: ${lines.join('\n')}`
      throw new PatchError(409, message, causes)
    }
    // Forcing takes the conflicting fields away from their previous owners.
    for (const c of conflicts) c.entry.set.delete(c.path)
  }

  const merged = mergeApplied(cur, config, root) as JsonObject

  // Fields this manager applied before but omits now go away, unless someone else still owns them.
  const mine = entries.find(isMine)
  const others = entries.filter((e) => e !== mine)
  if (mine) {
    const dropped = [...mine.set].filter((p) => !newSet.has(p)).map(parse)
    dropped.sort((a, b) => b.length - a.length)
    for (const path of dropped) {
      if (others.some((e) => ownsUnder(e.set, path))) continue
      // Keep anything the new configuration still sets below a dropped item path.
      if (path[path.length - 1] === '.' && ownsUnder(newSet, path)) continue
      removePath(merged, path)
    }
  }

  const updated: Entry = {manager, operation: 'Apply', apiVersion, time: now, set: newSet}
  const nextEntries = mine ? entries.map((e) => (e === mine ? updated : e)) : [...entries, updated]
  const metadata = isObject(merged.metadata) ? merged.metadata : {}
  merged.metadata = {...metadata, managedFields: serializeEntries(nextEntries)}
  return merged as unknown as KubeObject
}

/**
 * Records an operation:"Update" managedFields entry for an ordinary write (create, update, non-apply patch):
 * `manager` takes ownership of every field whose value changed, other managers lose those fields, and
 * fields that disappeared are forgotten. `old` is undefined for a create. Returns a new object.
 */
export function recordUpdateManagedFields(old: KubeObject | undefined, updated: KubeObject, manager: string, apiVersion: string, now?: Date | string, subresource?: string): KubeObject {
  const root = rootOf(updated)
  const oldObj = old as unknown as JsonObject | undefined
  const newObj = updated as unknown as JsonObject
  const oldSet = oldObj ? fieldSetOf(oldObj, root) : new Set<string>()
  const newSet = fieldSetOf(newObj, root)
  const changed = [...newSet].filter((p) => !oldSet.has(p) || !deepEqual(resolve(oldObj, parse(p)), resolve(newObj, parse(p))))
  const gone = [...oldSet].filter((p) => !newSet.has(p))

  // A client that echoes managedFields back (kubectl edit/replace) keeps them; otherwise keep the stored ones.
  const source = Array.isArray(updated.metadata?.managedFields) && updated.metadata.managedFields.length > 0 ? updated.metadata.managedFields : old?.metadata?.managedFields
  const entries = parseEntries(source)
  const name = manager || 'unknown'
  let mine = entries.find((e) => e.manager === name && e.operation === 'Update' && e.subresource === subresource)
  for (const e of entries) {
    if (e === mine) continue
    for (const p of changed) e.set.delete(p)
    for (const p of gone) e.set.delete(p)
  }
  if (changed.length > 0 && !mine) {
    mine = {manager: name, operation: 'Update', apiVersion, set: new Set(), ...(subresource ? {subresource} : {})}
    entries.push(mine)
  }
  if (mine) {
    for (const p of changed) mine.set.add(p)
    for (const p of gone) mine.set.delete(p)
    if (changed.length > 0) {
      mine.time = timeString(now)
      mine.apiVersion = apiVersion
    }
  }
  const out = clone(updated)
  const managed = serializeEntries(entries)
  if (managed.length > 0) out.metadata = {...out.metadata, managedFields: managed}
  else if (out.metadata) delete out.metadata.managedFields
  return out
}
