// The structural-schema check of a CRD version's openAPIV3Schema: a type at every level, only supported keys, rules that compile.
import type {StatusCause} from '../../../api/types.js'
import {forbidden, invalid, notSupported, required} from '../../../api/validation/errors.js'
import {compileRule, rulesOf} from './cel.js'
import {child, isObj, props, type Schema, sub} from './props.js'

const TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'object']
const ALLOWED = new Set([
  'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties',
  'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties',
  'nullable', 'example', 'externalDocs', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
])

function check(s: Schema, path: string, out: StatusCause[], root: boolean): void {
  for (const k of Object.keys(s)) if (!ALLOWED.has(k)) out.push(forbidden(child(path, k), 'not allowed in a structural schema'))
  const type = s.type
  const intOrString = s['x-kubernetes-int-or-string'] === true
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true
  if (type === undefined || type === '') {
    if (!intOrString && !preserve) out.push(required(child(path, 'type'), 'must not be empty for specified object fields'))
  } else if (typeof type !== 'string' || !TYPES.includes(type)) {
    out.push(notSupported(child(path, 'type'), type, TYPES))
  }
  if (root && type !== undefined && type !== 'object') out.push(invalid(child(path, 'type'), type, 'must be object at the root'))
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
  for (const [k, p] of Object.entries(props(s))) check(p, `${child(path, 'properties')}[${k}]`, out, false)
  const items = sub(s, 'items')
  if (items) check(items, child(path, 'items'), out, false)
  const addl = sub(s, 'additionalProperties')
  if (addl) check(addl, child(path, 'additionalProperties'), out, false)
}

export function checkStructural(s: Schema, path: string): StatusCause[] {
  const out: StatusCause[] = []
  check(s, path, out, true)
  return out
}
