// Decodes Kubernetes protobuf request bodies (kubectl 1.32 typed writes) into the JSON-shaped objects the apiserver stores.
import {gunzipSync} from 'node:zlib'

import {builtinResources} from '../../api/resources/index.js'
import {metaMessages, type MessageSchema} from '../../api/resources/shared/protobuf.js'
import type {KubeObject} from '../../api/types.js'
import {readFields, type WireField} from './wire.js'

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

export function decodeEnvelope(buf: Buffer): UnknownEnvelope {
  if (!isProtobuf(buf)) throw new ProtobufDecodeError('body is not Kubernetes protobuf (missing k8s\\0 prefix)')
  const env: UnknownEnvelope = {apiVersion: '', kind: '', raw: Buffer.alloc(0), contentEncoding: '', contentType: ''}
  for (const f of readFields(buf.subarray(4))) {
    if (!Buffer.isBuffer(f.value)) continue
    if (f.no === 1) {
      for (const t of readFields(f.value)) {
        if (!Buffer.isBuffer(t.value)) continue
        if (t.no === 1) env.apiVersion = t.value.toString('utf8')
        else if (t.no === 2) env.kind = t.value.toString('utf8')
      }
    } else if (f.no === 2) env.raw = f.value
    else if (f.no === 3) env.contentEncoding = f.value.toString('utf8')
    else if (f.no === 4) env.contentType = f.value.toString('utf8')
  }
  return env
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

/** Every message schema the served kinds carry, by name (names are unique across kinds, shared ones identical). */
const messages: Record<string, MessageSchema> = Object.assign({}, metaMessages, ...builtinResources.map((d) => d.protobuf ?? {}))

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

const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'double'])

/** Decodes one message by its schema table; fields the table does not know are skipped. */
export function decodeMessage(buf: Buffer, name: string): Record<string, unknown> {
  const schema = messages[name]
  if (!schema) throw new ProtobufDecodeError(`no protobuf schema for message ${name}`)
  const out: Record<string, unknown> = {}
  for (const f of readFields(buf)) {
    const spec = schema[f.no]
    if (!spec) continue
    const [field, type, flags = ''] = spec
    const repeated = flags.includes('r')
    if (flags.includes('i')) {
      if (Buffer.isBuffer(f.value)) Object.assign(out, decodeMessage(f.value, type))
      continue
    }
    if (repeated && f.wireType === 2 && isPackable(type)) {
      // proto2 allows packed encoding of repeated numerics; accept it.
      const list = (out[field] ??= []) as unknown[]
      for (const v of unpackVarints(f.value as Buffer)) list.push(scalar(type, {no: f.no, wireType: 0, value: v}))
      continue
    }
    const value = decodeValue(type, f)
    if (value === SKIP) continue
    if (repeated) ((out[field] ??= []) as unknown[]).push(value)
    else if (type.startsWith('map<')) out[field] = {...(out[field] as object | undefined), ...(value as object)}
    else out[field] = value
  }
  // Drop zero values that the JSON encoding would omit (omitempty on non-pointer fields).
  for (const [no, [field, type, flags = '']] of Object.entries(schema)) {
    void no
    if (!(field in out) || flags.includes('k') || flags.includes('r')) continue
    const v = out[field]
    if (type.startsWith('map<') && Object.keys(v as object).length === 0) delete out[field]
    else if (SCALARS.has(type) && (v === '' || v === 0 || v === false)) delete out[field]
  }
  return out
}

const SKIP = Symbol('skip')

function decodeValue(type: string, f: WireField): unknown {
  if (SCALARS.has(type)) return scalar(type, f)
  // Everything else is length-delimited; a mismatched wire type means a field we misunderstand, so ignore it.
  if (!Buffer.isBuffer(f.value) || f.wireType !== 2) return SKIP
  const buf = f.value
  if (type.startsWith('map<')) {
    const valueType = type.slice(type.indexOf(',') + 1, -1)
    let key = ''
    let value: unknown = valueType === 'string' || valueType === 'bytes' || valueType === 'Quantity' ? '' : undefined
    for (const e of readFields(buf)) {
      if (e.no === 1 && Buffer.isBuffer(e.value)) key = e.value.toString('utf8')
      else if (e.no === 2) {
        const v = decodeValue(valueType, e)
        if (v !== SKIP) value = v
      }
    }
    return {[key]: value}
  }
  switch (type) {
    case 'Time': {
      let seconds = 0n
      let nanos = 0n
      for (const t of readFields(buf)) {
        if (typeof t.value !== 'bigint') continue
        if (t.no === 1) seconds = BigInt.asIntN(64, t.value)
        else if (t.no === 2) nanos = BigInt.asIntN(32, t.value)
      }
      // A zero Time is Go's "unset" (JSON null); leave it out.
      if (seconds === 0n && nanos === 0n) return SKIP
      return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
    case 'IntOrString': {
      let kind = 0n
      let intVal = 0
      let strVal = ''
      for (const t of readFields(buf)) {
        if (t.no === 1 && typeof t.value === 'bigint') kind = t.value
        else if (t.no === 2 && typeof t.value === 'bigint') intVal = Number(BigInt.asIntN(32, t.value))
        else if (t.no === 3 && Buffer.isBuffer(t.value)) strVal = t.value.toString('utf8')
      }
      return kind === 1n ? strVal : intVal
    }
    case 'Quantity': {
      let s = ''
      for (const t of readFields(buf)) if (t.no === 1 && Buffer.isBuffer(t.value)) s = t.value.toString('utf8')
      return s
    }
    case 'RawJSON': {
      let raw: Buffer | undefined
      for (const t of readFields(buf)) if (t.no === 1 && Buffer.isBuffer(t.value)) raw = t.value
      if (!raw || raw.length === 0) return SKIP
      try {
        return JSON.parse(raw.toString('utf8'))
      } catch {
        throw new ProtobufDecodeError('embedded raw JSON is not valid JSON')
      }
    }
    default:
      return decodeMessage(buf, type)
  }
}

function isPackable(type: string): boolean {
  return type === 'int32' || type === 'int64' || type === 'bool'
}

function unpackVarints(buf: Buffer): bigint[] {
  const out: bigint[] = []
  let pos = 0
  while (pos < buf.length) {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) break
      shift += 7n
      if (pos >= buf.length) throw new ProtobufDecodeError('truncated packed varint')
    }
    out.push(result)
  }
  return out
}

function scalar(type: string, f: WireField): unknown {
  const v = f.value
  switch (type) {
    case 'string':
      return Buffer.isBuffer(v) && f.wireType === 2 ? v.toString('utf8') : SKIP
    case 'bytes':
      return Buffer.isBuffer(v) && f.wireType === 2 ? v.toString('base64') : SKIP
    case 'int32':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : SKIP
    case 'int64':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : SKIP
    case 'bool':
      return typeof v === 'bigint' ? v !== 0n : SKIP
    case 'double':
      return Buffer.isBuffer(v) && f.wireType === 1 ? v.readDoubleLE(0) : SKIP
    default:
      return SKIP
  }
}

/** Exposed for tests: lets a spec assert that a field table exists. */
export function hasSchema(name: string): boolean {
  return name in messages
}

