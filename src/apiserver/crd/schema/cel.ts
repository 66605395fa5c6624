// x-kubernetes-validations: CEL rules compiled once per schema and evaluated with self (and oldSelf for transition rules).
import {parse} from '@marcbachmann/cel-js'
import type {StatusCause} from '../../../api/types.js'
import {formatValue, invalid} from '../../../api/validation/errors.js'
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

/**
 * Converts a JSON value for CEL: integers become int (bigint) so arithmetic and comparisons with int literals
 * type-check; date and date-time strings become timestamps.
 */
export function toCel(s: Schema | undefined, v: unknown): unknown {
  if (typeof v === 'number') {
    const t = s?.type
    if (Number.isInteger(v) && (t === 'integer' || s?.['x-kubernetes-int-or-string'] === true || t === undefined)) return BigInt(v)
    return v
  }
  // Strings of format date and date-time are timestamps in Kubernetes' CEL environment.
  if (typeof v === 'string' && (s?.format === 'date-time' || s?.format === 'date')) {
    const d = new Date(v)
    return Number.isNaN(d.getTime()) ? v : d
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

/** The message of a rule that failed or could not be evaluated: its message, else the rule itself. */
function ruleErrorString(r: Rule): string {
  return (r.message ?? '').trim() || r.rule.trim()
}

/** The error for a rule that evaluated to false, by its reason (field errors' wording; objects and arrays omit the value). */
function failure(r: Rule, field: string, type: string, v: unknown, detail: string): StatusCause {
  const omit = type === 'object' || type === 'array'
  const shown = omit ? '' : `${formatValue(v)}`
  switch (r.reason) {
    case 'FieldValueForbidden':
      return {reason: r.reason, field, message: `Forbidden: ${detail}`}
    case 'FieldValueRequired':
      return {reason: r.reason, field, message: `Required value: ${detail}`}
    case 'FieldValueDuplicate':
      return {reason: r.reason, field, message: omit ? 'Duplicate value' : `Duplicate value: ${shown}`}
    default:
      return {reason: 'FieldValueInvalid', field, message: omit ? `Invalid value: ${detail}` : `Invalid value: ${shown}: ${detail}`}
  }
}

/** Evaluates the rules of one schema node against a value; appends causes worded as the apiextensions apiserver words them. */
export function evalRules(rules: Rule[], s: Schema, v: unknown, old: unknown, hasOld: boolean, path: string, out: StatusCause[]): void {
  const self = toCel(s, v)
  const oldSelf = hasOld ? toCel(s, old) : undefined
  const type = typeof s.type === 'string' ? s.type : jsonType(v)
  for (const r of rules) {
    // Transition rules only apply to updates where an old value correlates.
    if (r.transition && !hasOld) continue
    const ctx: Record<string, unknown> = {self}
    if (hasOld) ctx.oldSelf = oldSelf
    let result: unknown
    try {
      result = r.program(ctx)
    } catch (e) {
      // Runtime errors (no such key, division by zero, ...) are reported at the rule's own path with the schema type.
      const err = lowerFirst((e as Error).message.split('\n')[0])
      out.push(invalid(path, type, `${err} evaluating rule: ${ruleErrorString(r)}`))
      continue
    }
    if (result === true) continue
    let detail = r.message?.trim() || `failed rule: ${r.rule.trim()}`
    if (r.messageProgram) {
      try {
        const m = r.messageProgram(ctx)
        // A messageExpression must give a non-empty single-line string; otherwise the static message is used.
        if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m.trim()
      } catch {
        // Kubernetes logs the failure and falls back to the static message.
      }
    }
    const field = r.fieldPath ? child(path, r.fieldPath.replace(/^\./, '')) : path
    out.push(failure(r, field, type, v, detail))
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1)
}

/** The list-map keys of an array schema, for correlating old and new items of transition rules. */
export function mapKeys(s: Schema): string[] {
  return s['x-kubernetes-list-type'] === 'map' ? strs(s, 'x-kubernetes-list-map-keys') : []
}
