// Small validation rules many kinds share: non-negative numbers, immutable fields, label selectors.
import type {StatusCause} from '../../types.js'
import {forbidden, invalid, required} from '../../validation/errors.js'
import {validateLabels} from '../../validation/meta.js'
import {FIELD_IMMUTABLE_MSG, isQualifiedName, IS_NEGATIVE_MSG} from '../../validation/names.js'
import {semanticEqual} from './pod-spec-validation.js'

type Any = Record<string, any>

/** A number field that must be >= 0 (unset is fine). */
export const nonNegative = (v: unknown, field: string): StatusCause[] => (typeof v === 'number' && v < 0 ? [invalid(field, v, IS_NEGATIVE_MSG)] : [])

/** A field that may not change on update; `render` shapes the value the message quotes. */
export function immutable(n: unknown, o: unknown, field: string, render: (v: any) => unknown = (v) => v): StatusCause[] {
  return semanticEqual(n, o) ? [] : [invalid(field, render(n), FIELD_IMMUTABLE_MSG)]
}

/** ValidateLabelSelector: label keys and values, and operators with the values they allow. */
export function validateLabelSelector(sel: Any | undefined, path: string): StatusCause[] {
  if (!sel) return []
  const causes = validateLabels(sel.matchLabels, `${path}.matchLabels`)
  ;(sel.matchExpressions ?? []).forEach((e: Any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`
    const values: unknown[] = e.values ?? []
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"))
        break
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        break
      default:
        causes.push(invalid(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'))
    }
    for (const m of isQualifiedName(e.key ?? '')) causes.push(invalid(`${p}.key`, e.key ?? '', m))
  })
  return causes
}

/** Whether a metav1.LabelSelector matches a label set (an empty selector matches everything). */
export function selectorMatches(sel: Any | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  if (!sel) return false
  const l = labels ?? {}
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key)
    const vals: string[] = e.values ?? []
    if (e.operator === 'In' && !(has && vals.includes(l[e.key]))) return false
    if (e.operator === 'NotIn' && has && vals.includes(l[e.key])) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

/** A selector with neither matchLabels nor matchExpressions. */
export const selectorEmpty = (sel: Any | undefined): boolean => Object.keys(sel?.matchLabels ?? {}).length + (sel?.matchExpressions ?? []).length === 0
