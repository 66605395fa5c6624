// Loads the pure modules other parts of skiff provide (patch, protobuf, tables, validation, defaults).
// TEMPORARY: while a module has not landed, a minimal fallback here stands in; delete each fallback when
// its module exists and switch to a static import.
import jsonpatch from 'fast-json-patch'
import type {KubeObject, StatusCause} from '../api/types.js'

export type PatchContentType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json' | 'application/apply-patch+yaml'
type Gvk = {group: string; version: string; kind: string}
type ResourceRef = {group: string; resource: string; kind: string; namespaced: boolean}

/** The functions the apiserver calls into. */
export interface Deps {
  applyPatch(current: KubeObject, patch: unknown, contentType: PatchContentType, gvk: Gvk, opts?: {fieldManager?: string; force?: boolean}): KubeObject
  isProtobuf(buf: Buffer): boolean
  decodeProtobufObject(buf: Buffer): KubeObject
  tableColumns(resource: {group: string; resource: string}): TableColumn[]
  tableRow(resource: {group: string; resource: string}, obj: KubeObject, now: Date): unknown[]
  validateObject(resource: ResourceRef, obj: KubeObject, old?: KubeObject): StatusCause[]
  applyDefaults(resource: {group: string; resource: string; kind: string}, obj: KubeObject): void
}

export interface TableColumn {
  name: string
  type: string
  format: string
  description: string
  priority: number
}

/** A patch failure carrying the HTTP code to answer with (mirrors the patch module's PatchError). */
export class FallbackPatchError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? {...target as object} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

const fallback: Deps = {
  applyPatch(current, patch, contentType) {
    if (contentType === 'application/json-patch+json') {
      try {
        return jsonpatch.applyPatch(structuredClone(current), patch as jsonpatch.Operation[], true, false).newDocument
      } catch (err) {
        throw new FallbackPatchError(422, String((err as Error).message))
      }
    }
    // Strategic and apply patches degrade to a JSON merge patch until the patch module lands.
    return mergePatch(current, patch) as KubeObject
  },
  isProtobuf: buf => buf.length >= 4 && buf.subarray(0, 4).equals(Buffer.from('k8s\0', 'binary')),
  decodeProtobufObject() {
    throw new FallbackPatchError(415, 'protobuf request bodies are not supported yet')
  },
  tableColumns: () => [
    {name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0},
    {name: 'Age', type: 'string', format: '', description: 'Time since creation.', priority: 0},
  ],
  tableRow: (_r, obj, now) => [obj.metadata.name, age(obj.metadata.creationTimestamp, now)],
  validateObject: () => [],
  applyDefaults: () => {},
}

function age(ts: string | undefined, now: Date): string {
  if (!ts) return '<unknown>'
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(ts)) / 1000))
  if (s < 120) return `${s}s`
  if (s < 7200) return `${Math.floor(s / 60)}m`
  if (s < 172800) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

async function tryImport(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await import(path) as Record<string, unknown>
  } catch {
    return undefined
  }
}

let loaded: Promise<Deps> | undefined

/** Resolves the dependency functions once, preferring the real modules over the fallbacks. */
export function loadDeps(): Promise<Deps> {
  loaded ??= (async () => {
    const [patch, protobuf, tables, validation, defaults] = await Promise.all([
      tryImport('./patch/index.js'), tryImport('./protobuf/index.js'), tryImport('../api/tables/index.js'),
      tryImport('../api/validation/index.js'), tryImport('../api/defaults/index.js'),
    ])
    const pick = <K extends keyof Deps>(mod: Record<string, unknown> | undefined, name: K): Deps[K] =>
      (typeof mod?.[name] === 'function' ? mod[name] : fallback[name]) as Deps[K]
    return {
      applyPatch: pick(patch, 'applyPatch'),
      isProtobuf: pick(protobuf, 'isProtobuf'),
      decodeProtobufObject: pick(protobuf, 'decodeProtobufObject'),
      tableColumns: pick(tables, 'tableColumns'),
      tableRow: pick(tables, 'tableRow'),
      // Validation presumes defaulted objects: until the defaults module exists, validating would reject
      // every manifest that leaves defaulted fields out.
      validateObject: typeof defaults?.applyDefaults === 'function' ? pick(validation, 'validateObject') : fallback.validateObject,
      applyDefaults: pick(defaults, 'applyDefaults'),
    }
  })()
  return loaded
}
