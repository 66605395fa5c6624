// The pure modules the apiserver calls (patch, protobuf, and the generic kind hooks), behind one
// interface so tests can substitute any of them.
import type {KubeObject, StatusCause} from '../api/types.js'
import type {ResourceDef, TableColumnDefinition} from '../api/resources/def.js'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../api/resources/generic.js'
import {applyPatch} from './patch/index.js'
import {decodeProtobufObject, isProtobuf, ProtobufDecodeError} from './protobuf/index.js'

export type PatchContentType = 'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json' | 'application/apply-patch+yaml'
type Gvk = {group: string; version: string; kind: string}

/** The functions the apiserver calls into. */
export interface Deps {
  applyPatch(current: KubeObject, patch: unknown, contentType: PatchContentType, gvk: Gvk, opts?: {fieldManager?: string; force?: boolean}): KubeObject
  isProtobuf(buf: Buffer): boolean
  decodeProtobufObject(buf: Buffer): KubeObject
  tableColumns(def: ResourceDef): TableColumnDefinition[]
  tableRow(def: ResourceDef, obj: KubeObject, now: Date): unknown[]
  validateObject(def: ResourceDef, obj: KubeObject, old?: KubeObject): StatusCause[]
  applyDefaults(def: ResourceDef, obj: KubeObject): void
}

const defaultDeps: Deps = {
  applyPatch,
  isProtobuf,
  decodeProtobufObject(buf) {
    try {
      return decodeProtobufObject(buf)
    } catch (err) {
      // A kind the decoder has no schema for is an unsupported media type, not a malformed body.
      if (err instanceof ProtobufDecodeError && /unsupported|no schema|cannot decode kind/i.test(err.message)) throw Object.assign(err, {code: 415})
      throw err
    }
  },
  tableColumns,
  tableRow,
  validateObject,
  applyDefaults,
}

/** The real modules; async to keep the server's start-up signature stable. */
export async function loadDeps(): Promise<Deps> {
  return defaultDeps
}
