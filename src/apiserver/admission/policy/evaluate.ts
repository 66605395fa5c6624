// ValidatingAdmissionPolicy's CEL: the variables an expression sees, and one policy's validations run over them.
import {parse} from '@marcbachmann/cel-js'
import type {ValidatingAdmissionPolicySpec, Validation} from '../../../api/resources/admissionregistration/types.js'
import {toCel} from '../../crd/schema/cel.js'

type Program = ReturnType<typeof parse>

/** One failed (or failing to evaluate) validation. */
export interface Failure {
  message: string
  reason?: string
}

const programs = new Map<string, Program>()

/** Parsed once per expression text (policies are re-read on every request from the cache). */
function compile(expr: string): Program {
  let p = programs.get(expr)
  if (!p) {
    p = parse(expr)
    if (programs.size > 2000) programs.clear()
    programs.set(expr, p)
  }
  return p
}

/** JSON values as CEL sees them: integers as int. */
export const celValue = (v: unknown): unknown => (v === undefined ? null : toCel(undefined, v))

/**
 * Evaluates every validation of `spec` against `vars` (object, oldObject, request, params, namespaceObject).
 * `variables` are computed in order, each seeing the earlier ones. Errors of evaluation come back as failures
 * with `error` set, for the failure policy to decide.
 */
export function evaluatePolicy(spec: ValidatingAdmissionPolicySpec, vars: Record<string, unknown>): Array<Failure & {error?: boolean}> {
  const variables: Record<string, unknown> = {}
  const activation: Record<string, unknown> = {...vars, variables}
  const out: Array<Failure & {error?: boolean}> = []
  for (const v of spec.variables ?? []) {
    try {
      variables[v.name ?? ''] = compile(v.expression ?? '')(activation)
    } catch {
      // A failing variable only fails the validations that use it.
    }
  }
  for (const val of spec.validations ?? []) {
    const f = evaluateOne(val, activation)
    if (f) out.push(f)
  }
  return out
}

/** Whether every matchCondition holds (an error counts as a failure for the failure policy). */
export function conditionsHold(spec: ValidatingAdmissionPolicySpec, vars: Record<string, unknown>): boolean | Error {
  for (const c of spec.matchConditions ?? []) {
    try {
      if (compile(c.expression ?? '')(vars) !== true) return false
    } catch (e) {
      return e as Error
    }
  }
  return true
}

function evaluateOne(val: Validation, activation: Record<string, unknown>): (Failure & {error?: boolean}) | undefined {
  const expr = (val.expression ?? '').trim()
  let result: unknown
  try {
    result = compile(expr)(activation)
  } catch (e) {
    return {message: `expression '${expr}' resulted in error: ${(e as Error).message.split('\n')[0]}`, error: true}
  }
  if (result === true) return undefined
  if (typeof result !== 'boolean') return {message: `expression '${expr}' resulted in error: expected boolean, got ${typeof result}`, error: true}
  let message = val.message?.trim() || `failed expression: ${expr}`
  if (val.messageExpression) {
    try {
      const m = compile(val.messageExpression)(activation)
      // Empty, blank or multi-line results fall back to the static message, as Kubernetes does.
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) message = m.trim()
    } catch {
      // Kubernetes logs the messageExpression failure and uses the static message.
    }
  }
  return {message, reason: val.reason}
}
