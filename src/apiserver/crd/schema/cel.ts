// x-kubernetes-validations: CEL rules compiled once per schema and evaluated with self (and oldSelf for transition rules).
import {parse} from '@marcbachmann/cel-js'
import type {StatusCause} from '../../../api/types.js'
import {child, isObj, jsonType, props, type Schema, strs, sub} from './props.js'

type Program = ReturnType<typeof parse>

export interface Rule {
  rule: string
  program: Program
  message?: string
  messageProgram?: Program
  fieldPath?: string
  reason?: string
  /** A transition rule (refers to oldSelf): only evaluated on updates where an old value exists. */
  transition: boolean
}

export interface RawRule {
  rule?: unknown
  message?: unknown
  messageExpression?: unknown
  fieldPath?: unknown
  reason?: unknown
}

/** Compiles one rule; throws the parser's error when the rule or its messageExpression is not valid CEL. */
export function compileRule(r: RawRule): Rule {
  const rule = typeof r.rule === 'string' ? r.rule : ''
  const out: Rule = {rule, program: parse(rule), transition: /\boldSelf\b/.test(rule)}
  if (typeof r.message === 'string') out.message = r.message
  if (typeof r.messageExpression === 'string') out.messageProgram = parse(r.messageExpression)
  if (typeof r.fieldPath === 'string') out.fieldPath = r.fieldPath
  if (typeof r.reason === 'string') out.reason = r.reason
  return out
}

export function rulesOf(s: Schema): RawRule[] {
  const v = s['x-kubernetes-validations']
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** Converts a JSON value for CEL: integers become int (bigint) so arithmetic and comparisons with int literals type-check. */
export function toCel(s: Schema | undefined, v: unknown): unknown {
  if (typeof v === 'number') {
    const t = s?.type
    if (Number.isInteger(v) && (t === 'integer' || s?.['x-kubernetes-int-or-string'] === true || t === undefined)) return BigInt(v)
    return v
  }
  if (Array.isArray(v)) return v.map((e) => toCel(s ? sub(s, 'items') : undefined, e))
  if (isObj(v)) {
    const ps = s ? props(s) : {}
    const addl = s ? sub(s, 'additionalProperties') : undefined
    const out: Record<string, unknown> = {}
    for (const [k, e] of Object.entries(v)) out[k] = toCel(ps[k] ?? addl, e)
    return out
  }
  return v
}

const PREFIX: Record<string, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueForbidden: 'Forbidden',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
}

/** Evaluates the rules of one schema node against a value; appends causes worded as Kubernetes words them. */
export function evalRules(rules: Rule[], s: Schema, v: unknown, old: unknown, hasOld: boolean, path: string, out: StatusCause[]): void {
  const self = toCel(s, v)
  const oldSelf = hasOld ? toCel(s, old) : undefined
  for (const r of rules) {
    if (r.transition && !hasOld) continue
    const ctx: Record<string, unknown> = {self}
    if (hasOld) ctx.oldSelf = oldSelf
    const field = r.fieldPath ? child(path, r.fieldPath.replace(/^\./, '')) : path
    let result: unknown
    try {
      result = r.program(ctx)
    } catch (e) {
      out.push({reason: 'FieldValueInvalid', field, message: `Invalid value: "${jsonType(v)}": ${(e as Error).message.split('\n')[0]} evaluating rule: ${r.rule}`})
      continue
    }
    if (result === true) continue
    let msg = r.message ?? `failed rule: ${r.rule}`
    if (r.messageProgram) {
      try {
        const m = r.messageProgram(ctx)
        if (typeof m === 'string' && m.trim() !== '') msg = m
      } catch {
        // Kubernetes falls back to the static message (or the rule) when messageExpression fails.
      }
    }
    const t = typeof s.type === 'string' ? s.type : jsonType(v)
    const reason = r.reason && PREFIX[r.reason] ? r.reason : 'FieldValueInvalid'
    const prefix = PREFIX[reason]
    const message = reason === 'FieldValueInvalid' ? `${prefix}: "${t}": ${msg}` : `${prefix}: ${msg}`
    out.push({reason, field, message})
  }
}

/** The list-map keys of an array schema, for correlating old and new items of transition rules. */
export function mapKeys(s: Schema): string[] {
  return s['x-kubernetes-list-type'] === 'map' ? strs(s, 'x-kubernetes-list-map-keys') : []
}
