// Small validation rules many kinds share: non-negative numbers, immutable fields, label selectors.
import type {StatusCause} from '../../types.js'
import {forbidden, invalid, required} from '../../validation/errors.js'
import {validateLabels} from '../../validation/meta.js'
import {FIELD_IMMUTABLE_MSG, isQualifiedName, IS_NEGATIVE_MSG} from '../../validation/names.js'
import {labelGetter, requirementsMatch, selectorRequirements, type LabelSelector, type Requirement} from '../../selectors.js'
import {semanticEqual} from './pod-spec-validation.js'

/** A number field that must be >= 0 (unset is fine). */
export const nonNegative = (v: unknown, field: string): StatusCause[] => (typeof v === 'number' && v < 0 ? [invalid(field, v, IS_NEGATIVE_MSG)] : [])

/** ValidatePositiveIntOrPercent: a non-negative integer or a percent string such as "25%". */
export function validateIntOrPercent(v: unknown, field: string): StatusCause[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'number') return nonNegative(v, field)
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) return [invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
    return []
  }
  return [invalid(field, v, 'must be an integer or percentage (e.g \'5%\')')]
}

/** IsNotMoreThan100Percent: a percent string may not exceed 100%. */
export function notMoreThan100Percent(v: unknown, field: string): StatusCause[] {
  const m = typeof v === 'string' ? /^([0-9]+)%$/.exec(v) : null
  return m && Number(m[1]) > 100 ? [invalid(field, v, 'must not be greater than 100%')] : []
}

/** A field that may not change on update; `render` shapes the value the message quotes. */
export function immutable<T>(n: T, o: T, field: string, render: (v: T) => unknown = (v) => v): StatusCause[] {
  return semanticEqual(n, o) ? [] : [invalid(field, render(n), FIELD_IMMUTABLE_MSG)]
}

/** ValidateLabelSelector: label keys and values, and operators with the values they allow. */
export function validateLabelSelector(sel: LabelSelector | undefined, path: string): StatusCause[] {
  if (!sel) return []
  const causes = validateLabels(sel.matchLabels, `${path}.matchLabels`)
  ;(sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`
    const values = e.values ?? []
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

/**
 * Whether labels fail a selector. A selector with an unknown operator is not matched at all: validateLabelSelector
 * reports it, and the real server skips the match check when the selector does not convert.
 */
export function selectorMismatch(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  let reqs: Requirement[]
  try {
    reqs = selectorRequirements(sel)
  } catch {
    return false
  }
  return !requirementsMatch(reqs, labelGetter(labels))
}

