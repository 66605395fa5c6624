// The pure modules the apiserver calls (patch, protobuf, tables, validation, defaults), behind one
// interface so tests can substitute any of them.
import type {KubeObject, StatusCause} from '../api/types.js'
import {applyDefaults} from '../api/defaults/index.js'
import {tableColumns, tableRow} from '../api/tables/index.js'
import {validateObject} from '../api/validation/index.js'
import {applyPatch} from './patch/index.js'
import {decodeProtobufObject, isProtobuf, ProtobufDecodeError} from './protobuf/index.js'

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
  tableColumns: (r) => tableColumns(r as never),
  tableRow: (r, obj, now) => tableRow(r as never, obj, now),
  validateObject: (r, obj, old) => validateObject(r as never, obj, old),
  applyDefaults: (r, obj) => applyDefaults(r as never, obj),
}

/** The real modules; async to keep the server's start-up signature stable. */
export async function loadDeps(): Promise<Deps> {
  return defaultDeps
}
