// Decodes Kubernetes protobuf request bodies (kubectl's typed writes) with protobufjs into the JSON-shaped objects the apiserver stores.
import {gunzipSync} from 'node:zlib'
import protobuf from 'protobufjs'

import {builtinResources} from '../../api/resources/index.js'
import type {KubeObject} from '../../api/types.js'
import {fieldName, lookupType, messages} from './root.js'

/** The 4-byte prefix every Kubernetes protobuf body starts with ("k8s" + NUL). */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

/** The media type kubectl sends protobuf bodies with. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf'

/** Thrown for bodies we cannot turn into an object; the apiserver maps it to 415 UnsupportedMediaType. */
export class ProtobufDecodeError extends Error {}

export function isProtobuf(buf: Buffer): boolean {
  return buf.length >= 4 && buf.subarray(0, 4).equals(MAGIC)
}

/** The runtime.Unknown envelope wrapped around every typed message. */
export interface UnknownEnvelope {
  apiVersion: string
  kind: string
  raw: Buffer
  contentEncoding: string
  contentType: string
}

/** A decoded protobufjs message: its fields by name, present only when they were on the wire. */
type Decoded = Record<string, unknown>

function decode(buf: Uint8Array, name: string): Decoded {
  const type = lookupType(name)
  if (!type) throw new ProtobufDecodeError(`no protobuf schema for message ${name}`)
  return type.decode(buf) as unknown as Decoded
}

/**
 * Whether a field was on the wire. protobufjs sets what it reads as own properties, but also starts every
 * repeated field and map empty; neither can be sent empty, so empty means absent.
 */
function has(m: Decoded, field: string): boolean {
  if (!Object.prototype.hasOwnProperty.call(m, field)) return false
  const v = m[field]
  if (Array.isArray(v)) return v.length > 0
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length > 0
  return true
}
const text = (v: unknown): string => (typeof v === 'string' ? v : '')

export function decodeEnvelope(buf: Buffer): UnknownEnvelope {
  if (!isProtobuf(buf)) throw new ProtobufDecodeError('body is not Kubernetes protobuf (missing k8s\\0 prefix)')
  const m = decode(buf.subarray(4), 'Unknown')
  const typeMeta = (m.typeMeta ?? {}) as Decoded
  return {
    apiVersion: text(typeMeta.apiVersion),
    kind: text(typeMeta.kind),
    raw: has(m, 'raw') ? Buffer.from(m.raw as Uint8Array) : Buffer.alloc(0),
    contentEncoding: text(m.contentEncoding),
    contentType: text(m.contentType),
  }
}

/**
 * The message a body of `group`/`kind` decodes with: a served kind's own, or the kind one of its subresources
 * speaks (TokenRequest, Eviction), named after the kind in that definition's schemas.
 */
function topLevelMessage(group: string, kind: string): string | undefined {
  for (const d of builtinResources) {
    if (!d.protobuf?.[kind]) continue
    if (d.group === group && d.kind === kind) return kind
    if (d.subresources.some((s) => s.responseKind?.group === group && s.responseKind.kind === kind)) return kind
  }
  return undefined
}

/** Decodes a full protobuf request body into a KubeObject (apiVersion and kind from the envelope). */
export function decodeProtobufObject(buf: Buffer): KubeObject {
  const env = decodeEnvelope(buf)
  let raw = env.raw
  if (env.contentEncoding === 'gzip') raw = gunzipSync(raw)
  else if (env.contentEncoding !== '') throw new ProtobufDecodeError(`unsupported protobuf content encoding "${env.contentEncoding}"`)
  const slash = env.apiVersion.lastIndexOf('/')
  const group = slash < 0 ? '' : env.apiVersion.slice(0, slash)
  const message = topLevelMessage(group, env.kind)
  if (!message) {
    throw new ProtobufDecodeError(`protobuf decoding of ${env.kind || '<no kind>'} (${env.apiVersion || '<no apiVersion>'}) is not supported; send application/json`)
  }
  const body = decodeMessage(raw, message)
  // Go's JSON encoding prints kind then apiVersion first; keep that order for readable stored objects.
  return {kind: env.kind, apiVersion: env.apiVersion, ...body, metadata: (body.metadata as KubeObject['metadata']) ?? {}}
}

/** Decodes one message by name into its JSON shape. */
export function decodeMessage(buf: Uint8Array, name: string): Record<string, unknown> {
  return toJson(decode(buf, name), name)
}

const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double'])
const SKIP = Symbol('skip')

/** The JSON form of a decoded message, as Go's encoding/json prints the Go struct it came from. */
function toJson(m: Decoded, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [no, [field, type, flags = '']] of Object.entries(messages[name])) {
    const key = fieldName(no, field)
    if (!has(m, key)) continue
    const v = m[key]
    if (flags.includes('i')) {
      // A Go embedded struct: its fields appear directly in the parent's JSON.
      Object.assign(out, toJson(v as Decoded, type))
    } else if (flags.includes('r')) {
      out[field] = (v as unknown[]).map((x) => value(type, x)).filter((x) => x !== SKIP)
    } else if (type.startsWith('map<')) {
      const valueType = type.slice(type.indexOf(',') + 1, -1)
      const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, x === null && valueType === 'Quantity' ? '' : value(valueType, x)])
      out[field] = Object.fromEntries(entries.filter(([, x]) => x !== SKIP))
    } else {
      const x = value(type, v)
      if (x !== SKIP) out[field] = x
    }
    // Zero values the JSON encoding omits (omitempty on non-pointer fields) go; 'k' marks those it keeps.
    if (flags.includes('k') || flags.includes('r') || !(field in out)) continue
    const x = out[field]
    if (type.startsWith('map<') ? Object.keys(x as object).length === 0 : SCALARS.has(type) && (x === '' || x === 0 || x === false)) delete out[field]
  }
  return out
}

function int64(v: unknown): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v as protobuf.Long).toNumber()
}

function value(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return SKIP
  switch (type) {
    case 'string':
    case 'int32':
    case 'bool':
    case 'double':
      return v
    case 'int64':
      return int64(v)
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64')
    case 'Time': {
      const t = v as Decoded
      const seconds = int64(t.seconds ?? 0)
      // A zero Time is Go's "unset" (JSON null); leave it out.
      if (seconds === 0 && !t.nanos) return SKIP
      return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
    case 'IntOrString': {
      const i = v as Decoded
      return int64(i.type ?? 0) === 1 ? text(i.strVal) : ((i.intVal as number | undefined) ?? 0)
    }
    case 'Quantity':
      return text((v as Decoded).string)
    case 'RawJSON': {
      const raw = (v as Decoded).raw as Uint8Array | undefined
      if (!raw || raw.length === 0) return SKIP
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8'))
      } catch {
        throw new ProtobufDecodeError('embedded raw JSON is not valid JSON')
      }
    }
    default:
      return toJson(v as Decoded, type)
  }
}

/** Exposed for tests: lets a spec assert that a field table exists. */
export function hasSchema(name: string): boolean {
  return name in messages
}
