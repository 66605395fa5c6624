// The structural-schema check of a CRD version's openAPIV3Schema: a type at every level, only supported keys, rules that compile.
import type {StatusCause} from '../../../api/types.js'
import {forbidden, invalid, notSupported, required} from '../../../api/validation/errors.js'
import {compileRule, rulesOf} from './cel.js'
import {child, isObj, props, type Schema, sub} from './props.js'
import {validateValue} from './validate.js'

const TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object']
const ALLOWED = new Set([
  'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties',
  'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties',
  'nullable', 'example', 'externalDocs', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
])

type Level = 'root' | 'item' | 'field'

const EMPTY_TYPE: Record<Level, string> = {
  root: 'must not be empty at the root',
  item: 'must not be empty for specified array items',
  field: 'must not be empty for specified object fields',
}

function check(s: Schema, path: string, out: StatusCause[], lvl: Level): void {
  for (const k of Object.keys(s)) {
    if (ALLOWED.has(k)) continue
    out.push(forbidden(child(path, k), k === '$ref' ? '$ref is not supported' : 'not allowed in a structural schema'))
  }
  const type = s.type
  const intOrString = s['x-kubernetes-int-or-string'] === true
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true
  const embedded = s['x-kubernetes-embedded-resource'] === true
  if (type !== undefined && (typeof type !== 'string' || (type !== '' && !TYPES.includes(type)))) {
    out.push(notSupported(child(path, 'type'), type, [...TYPES].sort()))
  }
  if (embedded && type !== 'object') {
    if (!type) out.push(required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'))
    else out.push(invalid(child(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'))
  } else if (!type && !intOrString && !preserve) {
    out.push(required(child(path, 'type'), EMPTY_TYPE[lvl]))
  }
  if (embedded && s.additionalProperties !== undefined) out.push(forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'))
  if (lvl === 'root' && type && type !== 'object') out.push(invalid(child(path, 'type'), type, 'must be object at the root'))
  if (lvl === 'root' && s.additionalProperties !== undefined) out.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'))
  if (intOrString && preserve) out.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'))
  if (intOrString && embedded) out.push(invalid(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'))
  if (embedded && !preserve && Object.keys(props(s)).length === 0) {
    out.push(required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'))
  }
  if (typeof s.pattern === 'string') {
    try {
      new RegExp(s.pattern, 'u')
    } catch (e) {
      out.push(invalid(child(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`))
    }
  }
  if (lvl === 'root') {
    const meta = props(s).metadata
    // Only name and generateName may be specified for the root metadata; the rest is the apiserver's.
    if (meta) {
      const keys = Object.keys(props(meta))
      const extra = Object.keys(meta).filter((k) => !['type', 'properties'].includes(k))
      if (keys.some((k) => k !== 'name' && k !== 'generateName') || extra.length) {
        out.push(forbidden(`${child(path, 'properties')}[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'))
      }
    }
  }
  if (s.default !== undefined && s.default !== null) {
    // A default must itself be valid against its schema; errors are named relative to the default, as Kubernetes names them.
    const errs: StatusCause[] = []
    validateValue(s, s.default, '', errs)
    const at = child(path, 'default')
    for (const e of errs) out.push({...e, field: e.field ? `${at}.${e.field}` : at})
  }
  if (s.uniqueItems === true) out.push(forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'))
  if (isObj(s.additionalProperties) && isObj(s.properties)) {
    out.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'))
  }
  if (type === 'array' && !sub(s, 'items')) out.push(required(child(path, 'items'), 'must be specified'))
  const lt = s['x-kubernetes-list-type']
  if (lt !== undefined && !['atomic', 'set', 'map'].includes(String(lt))) out.push(notSupported(child(path, 'x-kubernetes-list-type'), lt, ['atomic', 'set', 'map']))
  if (lt === 'map') {
    const keys = s['x-kubernetes-list-map-keys']
    if (!Array.isArray(keys) || keys.length === 0) out.push(required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'))
  }
  rulesOf(s).forEach((r, i) => {
    const f = `${child(path, 'x-kubernetes-validations')}[${i}]`
    if (typeof r.rule !== 'string' || r.rule === '') {
      out.push(required(child(f, 'rule'), ''))
      return
    }
    try {
      compileRule(r)
    } catch (e) {
      out.push(invalid(child(f, 'rule'), r.rule, `compilation failed: ${(e as Error).message.split('\n')[0]}`))
    }
  })
  for (const [k, p] of Object.entries(props(s))) check(p, `${child(path, 'properties')}[${k}]`, out, 'field')
  const items = sub(s, 'items')
  if (items) check(items, child(path, 'items'), out, 'item')
  const addl = sub(s, 'additionalProperties')
  if (addl) check(addl, child(path, 'additionalProperties'), out, 'field')
}

export function checkStructural(s: Schema, path: string): StatusCause[] {
  const out: StatusCause[] = []
  check(s, path, out, 'root')
  return out
}
