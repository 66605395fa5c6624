// OpenAPI v3 value validation of custom objects against a structural schema, worded as kube-openapi's validator words it.
import type {StatusCause} from '../../../api/types.js'
import {duplicate, formatValue, GoValue, invalid, notSupported, required, tooLong, tooMany} from '../../../api/validation/errors.js'
import {child, isObj, jsonType, num, props, type Schema, strs, sub} from './props.js'

const DATE = /^\d{4}-\d{2}-\d{2}$/
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const HOSTNAME = /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/

/** Returns false when a string does not satisfy a known format; unknown formats pass, as in Kubernetes. */
function formatOk(format: string, v: string): boolean {
  switch (format) {
    case 'date':
      return DATE.test(v) && !Number.isNaN(Date.parse(v))
    case 'date-time':
      return DATETIME.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T')))
    case 'uuid':
      return UUID.test(v)
    case 'email':
      return EMAIL.test(v)
    case 'ipv4':
      return IPV4.test(v)
    case 'hostname':
      return HOSTNAME.test(v) && v.length <= 255
    case 'byte':
      return /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0
    case 'int-or-string':
      return true
    default:
      return true
  }
}

function typeErr(path: string, want: string, v: unknown): StatusCause {
  const got = jsonType(v)
  // field.TypeInvalid: the reason differs from Invalid, the message reads the same.
  return {...invalid(path, got, `${path} in body must be of type ${want}: ${formatValue(got)}`), reason: 'FieldValueTypeInvalid'}
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string'
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v)
    case 'number':
      return typeof v === 'number'
    case 'boolean':
      return typeof v === 'boolean'
    case 'array':
      return Array.isArray(v)
    case 'object':
      return isObj(v)
    default:
      return true
  }
}

/** Validates a value at `path`; appends causes to `out`. */
export function validateValue(s: Schema, v: unknown, path: string, out: StatusCause[]): void {
  if (v === null) {
    if (s.nullable === true || s['x-kubernetes-preserve-unknown-fields'] === true && !s.type) return
    if (typeof s.type === 'string') out.push(typeErr(path, s.type, v))
    return
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) out.push(typeErr(path, 'integer,string', v))
    return
  }
  const type = typeof s.type === 'string' ? s.type : ''
  if (type && !typeMatches(type, v)) {
    out.push(typeErr(path, type, v))
    return
  }
  const en = s.enum
  if (Array.isArray(en) && !en.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push(notSupported(path, v, en.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))))
  }
  if (typeof v === 'string') validateString(s, v, path, out)
  else if (typeof v === 'number') validateNumber(s, v, path, out)
  else if (Array.isArray(v)) validateArray(s, v, path, out)
  else if (isObj(v)) validateObject(s, v, path, out)
}

function validateString(s: Schema, v: string, path: string, out: StatusCause[]): void {
  const len = [...v].length
  const max = num(s, 'maxLength')
  const min = num(s, 'minLength')
  if (max !== undefined && len > max) out.push(tooLong(path, max))
  if (min !== undefined && len < min) out.push(invalid(path, v, `${path} in body should be at least ${min} chars long`))
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(invalid(path, v, `${path} in body should match '${s.pattern}'`))
  if (typeof s.format === 'string' && !formatOk(s.format, v)) out.push(invalid(path, v, `${path} in body must be of type ${s.format}: ${formatValue(v)}`))
}

function validateNumber(s: Schema, v: number, path: string, out: StatusCause[]): void {
  const max = num(s, 'maximum')
  const min = num(s, 'minimum')
  if (max !== undefined) {
    if (s.exclusiveMaximum === true ? v >= max : v > max) out.push(invalid(path, v, `${path} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${max}`))
  }
  if (min !== undefined) {
    if (s.exclusiveMinimum === true ? v <= min : v < min) out.push(invalid(path, v, `${path} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${min}`))
  }
  const mult = num(s, 'multipleOf')
  if (mult !== undefined && mult > 0 && !Number.isInteger(v / mult)) out.push(invalid(path, v, `${path} in body should be a multiple of ${mult}`))
  if (s.format === 'int32' && (v < -2147483648 || v > 2147483647)) out.push(invalid(path, v, `${path} in body must be of type int32: ${formatValue(v)}`))
}

function validateArray(s: Schema, v: unknown[], path: string, out: StatusCause[]): void {
  const max = num(s, 'maxItems')
  const min = num(s, 'minItems')
  if (max !== undefined && v.length > max) out.push(tooMany(path, v.length, max))
  if (min !== undefined && v.length < min) out.push(invalid(path, v.length, `${path} in body should have at least ${min} items`))
  const items = sub(s, 'items')
  if (items) v.forEach((e, i) => validateValue(items, e, `${path}[${i}]`, out))
  const listType = s['x-kubernetes-list-type']
  if (listType === 'set') {
    const seen = new Set<string>()
    v.forEach((e, i) => {
      const k = JSON.stringify(e)
      if (seen.has(k)) out.push(duplicate(`${path}[${i}]`, e))
      seen.add(k)
    })
  } else if (listType === 'map') {
    const keys = strs(s, 'x-kubernetes-list-map-keys')
    const seen = new Set<string>()
    v.forEach((e, i) => {
      if (!isObj(e)) return
      const key: Record<string, unknown> = {}
      for (const k of keys) key[k] = e[k] ?? defaultOf(items, k)
      const ks = JSON.stringify(key)
      if (seen.has(ks)) out.push(duplicate(`${path}[${i}]`, goKeyMap(key)))
      seen.add(ks)
    })
  }
}

/** %#v of the map of list-map keys Kubernetes reports for a duplicate: `map[string]interface {}{"name":"http"}`. */
function goKeyMap(key: Record<string, unknown>): GoValue {
  const body = Object.keys(key)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${typeof key[k] === 'string' ? JSON.stringify(key[k]) : String(key[k])}`)
    .join(', ')
  return new GoValue(`map[string]interface {}{${body}}`)
}

function defaultOf(items: Schema | undefined, key: string): unknown {
  return items ? props(items)[key]?.default : undefined
}

function validateObject(s: Schema, v: Record<string, unknown>, path: string, out: StatusCause[]): void {
  const n = Object.keys(v).length
  const max = num(s, 'maxProperties')
  const min = num(s, 'minProperties')
  // kube-openapi stops at a property-count error without looking inside the object.
  if (min !== undefined && n < min) return void out.push(invalid(path, n, `${path} in body should have at least ${min} properties`))
  if (max !== undefined && n > max) return void out.push(tooMany(path, n, max))
  const ps = props(s)
  const addl = s.additionalProperties
  for (const [k, val] of Object.entries(v)) {
    const p = ps[k]
    if (p) validateValue(p, val, child(path, k), out)
    // Values of additionalProperties are named with a dot, as kube-openapi names them (spec.labels.a).
    else if (isObj(addl)) validateValue(addl, val, child(path, k), out)
  }
  for (const r of strs(s, 'required')) if (!(r in v)) out.push(required(child(path, r)))
  if (s['x-kubernetes-embedded-resource'] === true) {
    if (typeof v.apiVersion !== 'string' || v.apiVersion === '') out.push(required(child(path, 'apiVersion'), 'must not be empty'))
    if (typeof v.kind !== 'string' || v.kind === '') out.push(required(child(path, 'kind'), 'must not be empty'))
  }
}
