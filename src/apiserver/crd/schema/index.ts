// Structural schemas of CustomResourceDefinitions: validation, defaulting, pruning and x-kubernetes-validations CEL rules.
import type {StatusCause} from '../../../api/types.js'
import {compileRule, evalRules, mapKeys, type Rule, rulesOf} from './cel.js'
import {child, isObj, props, type Schema, sub} from './props.js'
import {checkStructural} from './structural.js'
import {applyDefaults, prune} from './transform.js'
import {validateValue} from './validate.js'

/** An openAPIV3Schema of a CRD version (JSONSchemaProps), as stored in the CRD. */
export type JSONSchemaProps = Record<string, unknown>

/**
 * A compiled schema of one CRD version. The apiextensions apiserver's order on every write (create, update, patch):
 * prune, then applyDefaults (when the object is decoded), then validate with the stored object as `old` on updates.
 */
export interface CompiledSchema {
  /** Drops, in place, fields the schema does not specify (unless x-kubernetes-preserve-unknown-fields). */
  prune(obj: Record<string, unknown>): void
  /** Applies the schema's `default`s in place (idempotent). */
  applyDefaults(obj: Record<string, unknown>): void
  /** Field errors for an object (field paths like `spec.replicas`); `old` enables transition rules (oldSelf). */
  validate(obj: Record<string, unknown>, old?: Record<string, unknown>): StatusCause[]
}

function compileRules(s: Schema, into: Map<Schema, Rule[]>): void {
  const raw = rulesOf(s)
  if (raw.length) into.set(s, raw.map(compileRule))
  for (const p of Object.values(props(s))) compileRules(p, into)
  const items = sub(s, 'items')
  if (items) compileRules(items, into)
  const addl = sub(s, 'additionalProperties')
  if (addl) compileRules(addl, into)
}

/** Walks value and old value together, evaluating every node's rules (oldSelf only where an old value correlates). */
function walkRules(rules: Map<Schema, Rule[]>, s: Schema, v: unknown, old: unknown, hasOld: boolean, path: string, out: StatusCause[]): void {
  if (v === undefined || v === null) return
  const own = rules.get(s)
  if (own) evalRules(own, s, v, old, hasOld, path, out)
  if (Array.isArray(v)) {
    const items = sub(s, 'items')
    if (!items) return
    const keys = mapKeys(s)
    const oldList = hasOld && Array.isArray(old) ? old : []
    v.forEach((e, i) => {
      // Only list-map items correlate with their old versions (by key), as in Kubernetes.
      const match = keys.length && isObj(e) ? oldList.find((o) => isObj(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(e[k]))) : undefined
      walkRules(rules, items, e, match, match !== undefined, `${path}[${i}]`, out)
    })
    return
  }
  if (!isObj(v)) return
  const oldObj = hasOld && isObj(old) ? old : undefined
  const ps = props(s)
  const addl = sub(s, 'additionalProperties')
  for (const [k, e] of Object.entries(v)) {
    const p = ps[k] ?? addl
    if (!p) continue
    const f = ps[k] ? child(path, k) : `${path}[${k}]`
    walkRules(rules, p, e, oldObj?.[k], oldObj !== undefined && k in oldObj, f, out)
  }
}

const BLOCKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation'

/** Compiles a version's schema; throws on rules that do not compile (the CRD's own validation reports those first). */
export function compileSchema(schema: JSONSchemaProps): CompiledSchema {
  const rules = new Map<Schema, Rule[]>()
  compileRules(schema, rules)
  return {
    prune: (obj) => prune(schema, obj, true),
    applyDefaults: (obj) => applyDefaults(schema, obj),
    validate(obj, old) {
      const out: StatusCause[] = []
      // metadata is validated by the generic object checks, not the CRD's schema.
      const {metadata: _m, ...rest} = obj
      void _m
      validateValue(schema, rest, '', out)
      if (rules.size === 0) return out
      // As the apiextensions apiserver does: type and enum errors block the CEL rules (their input would be mistyped).
      if (out.some((c) => c.reason === 'FieldValueTypeInvalid' || c.reason === 'FieldValueNotSupported')) {
        out.push({reason: 'FieldValueInvalid', field: '<nil>', message: `Invalid value: "null": ${BLOCKED}`})
      } else {
        walkRules(rules, schema, obj, old, old !== undefined, '', out)
        // Rules at the root have no field path; Kubernetes prints the nil path as <nil>.
        for (const c of out) if (c.field === '') c.field = '<nil>'
      }
      return out
    },
  }
}

/**
 * Checks that a CRD's schema is structural and its CEL rules compile; causes carry field paths under `path`
 * (e.g. `spec.versions[0].schema.openAPIV3Schema`).
 */
export function validateSchema(schema: JSONSchemaProps, path: string): StatusCause[] {
  return checkStructural(schema, path)
}
