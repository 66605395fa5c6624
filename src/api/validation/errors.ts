// field.Error equivalents: StatusCause builders whose messages match the server's ErrorBody(), with Go-style value rendering.
import type {LabelSelector} from '../selectors.js'
import type {StatusCause} from '../types.js'

/** A value pre-rendered the way Go's %#v prints it (maps, structs), so messages match byte for byte. */
export class GoValue {
  constructor(readonly text: string) {}
}

/** Renders a bad value as field.Error.ErrorBody does: %q for strings, %v for numbers/bools, "null" for nil. */
export function formatValue(v: unknown): string {
  if (v instanceof GoValue) return v.text
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return goQuote(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** Go's strconv.Quote for the common cases (JSON escaping differs only for rare control characters). */
export function goQuote(s: string): string {
  return JSON.stringify(s)
}

/** %#v of a map[string]string: sorted keys, `map[string]string{"a":"b", "c":"d"}`, or `(nil)` when absent. */
export function goStringMap(m: Record<string, string> | undefined | null): GoValue {
  if (m === undefined || m === null) return new GoValue('map[string]string(nil)')
  const body = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`)
    .join(', ')
  return new GoValue(`map[string]string{${body}}`)
}

function goStringSlice(v: string[] | undefined): string {
  if (!v) return '[]string(nil)'
  return `[]string{${v.map((s) => goQuote(s)).join(', ')}}`
}

/** %#v of a metav1.LabelSelector, as printed in "field is immutable" messages about spec.selector. */
export function goLabelSelector(sel: LabelSelector | undefined | null): GoValue {
  if (sel === undefined || sel === null) return new GoValue('null')
  const ml = goStringMap(sel.matchLabels).text
  let me = '[]v1.LabelSelectorRequirement(nil)'
  if (Array.isArray(sel.matchExpressions)) {
    me = `[]v1.LabelSelectorRequirement{${sel.matchExpressions
      .map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(e.key ?? '')}, Operator:${goQuote(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`)
      .join(', ')}}`
  }
  return new GoValue(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`)
}

export function required(field: string, detail = ''): StatusCause {
  return {reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value'}
}

export function invalid(field: string, value: unknown, detail = ''): StatusCause {
  return {reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}`}
}

export function notSupported(field: string, value: unknown, valid: string[]): StatusCause {
  const detail = valid.length > 0 ? `: supported values: ${valid.map((v) => goQuote(v)).join(', ')}` : ''
  return {reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${formatValue(value)}${detail}`}
}

export function duplicate(field: string, value: unknown): StatusCause {
  return {reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}`}
}

export function forbidden(field: string, detail: string): StatusCause {
  return {reason: 'FieldValueForbidden', field, message: detail ? `Forbidden: ${detail}` : 'Forbidden'}
}

export function notFound(field: string, value: unknown): StatusCause {
  return {reason: 'FieldValueNotFound', field, message: `Not found: ${formatValue(value)}`}
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  return {reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}`}
}

export function tooMany(field: string, actual: number, max: number): StatusCause {
  return {reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items`}
}

/**
 * The Status message of a 422: `<Kind>[.<group>] "<name>" is invalid: <field>: <msg>` for one cause,
 * `[...]` with ", " between several (duplicates dropped, as utilerrors.Aggregate does).
 * `kind` may already be qualified ("Deployment.apps"); otherwise pass `group`.
 */
export function formatInvalidMessage(kind: string, name: string, causes: StatusCause[], group = ''): string {
  const qualified = group && !kind.includes('.') ? `${kind}.${group}` : kind
  const head = `${qualified} ${goQuote(name)} is invalid`
  const msgs: string[] = []
  for (const c of causes) {
    const m = `${c.field ?? ''}: ${c.message}`
    if (!msgs.includes(m)) msgs.push(m)
  }
  if (msgs.length === 0) return head
  if (msgs.length === 1) return `${head}: ${msgs[0]}`
  return `${head}: [${msgs.join(', ')}]`
}
