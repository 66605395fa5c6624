// Test helpers: hand-built protobuf wire bytes, and an encoder that writes JSON-shaped objects with the served field tables.
import {fieldName, lookupType, messages} from '../../../../src/apiserver/protobuf/root.js'

/** Encodes a varint. */
export function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return Buffer.from(out)
}
const tag = (no: number, wt: number) => varint((no << 3) | wt)
/** A length-delimited field (string, bytes or sub-message). */
export const ld = (no: number, ...body: (Buffer | string)[]) => {
  const b = Buffer.concat(body.map((x) => (typeof x === 'string' ? Buffer.from(x) : x)))
  return Buffer.concat([tag(no, 2), varint(b.length), b])
}
/** A varint field (ints and bools). */
export const vi = (no: number, n: number | bigint) => Buffer.concat([tag(no, 0), varint(n)])
/** One entry of a map<string,string> field. */
export const entry = (no: number, k: string, v: string) => ld(no, ld(1, k), ld(2, v))

type Json = Record<string, unknown>

/** The protobufjs object for a JSON value of a table type: the inverse of decode.ts's JSON rendering. */
function toProtoValue(type: string, v: unknown): unknown {
  switch (type) {
    case 'string':
    case 'int32':
    case 'int64':
    case 'bool':
    case 'double':
      return v
    case 'bytes':
      return Buffer.from(v as string, 'base64')
    case 'Time':
      return {seconds: Math.floor(Date.parse(v as string) / 1000), nanos: 0}
    case 'IntOrString':
      return typeof v === 'string' ? {type: 1, strVal: v} : {type: 0, intVal: v}
    case 'Quantity':
      return {string: v}
    case 'RawJSON':
      return {raw: Buffer.from(JSON.stringify(v))}
    default:
      return toProto(v as Json, type)
  }
}

function toProto(json: Json, name: string): Json {
  const schema = messages[name]
  if (!schema) throw new Error(`no table for ${name}`)
  const out: Json = {}
  for (const [no, [field, type, flags = '']] of Object.entries(schema)) {
    const key = fieldName(no, field)
    if (flags.includes('i')) {
      out[key] = toProto(json, type)
      continue
    }
    if (!(field in json)) continue
    const v = json[field]
    if (flags.includes('r')) out[key] = (v as unknown[]).map((x) => toProtoValue(type, x))
    else if (type.startsWith('map<')) {
      const valueType = type.slice(type.indexOf(',') + 1, -1)
      out[key] = Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, toProtoValue(valueType, x)]))
    } else out[key] = toProtoValue(type, v)
  }
  return out
}

/** Encodes a JSON-shaped object as message `name` with the served tables (what a protobuf client would send). */
export function encodeJson(json: Json, name: string): Uint8Array {
  const type = lookupType(name)
  if (!type) throw new Error(`no protobuf type ${name}`)
  return type.encode(type.fromObject(toProto(json, name))).finish()
}

/** A full request body: the k8s\0 prefix and the runtime.Unknown envelope around an encoded object. */
export function encodeObject(obj: Json & {apiVersion: string; kind: string}): Buffer {
  const {apiVersion, kind, ...rest} = obj
  const raw = encodeJson(rest, kind)
  const unknown = lookupType('Unknown')!
  const env = unknown.encode(unknown.fromObject({typeMeta: {apiVersion, kind}, raw, contentEncoding: '', contentType: ''})).finish()
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), env])
}
