// Label selectors, once for every component: the metav1.LabelSelector type, matching it against labels, parsing the
// string form (?labelSelector=a=b,c in (d)), and rendering it as Kubernetes prints it (tables, Scale status, lists).

/** One matchExpressions entry of a metav1.LabelSelector. */
export interface LabelSelectorRequirement {
  key: string
  operator: string
  values?: string[]
}

/** A metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: LabelSelectorRequirement[]
}

/** One requirement of a parsed selector, in the string form's operators. */
export interface Requirement {
  key: string
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists'
  values: string[]
}

/** Thrown for a selector string or a LabelSelector operator that cannot be understood. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SelectorError'
  }
}

/** Splits a selector string on the commas that are not inside parentheses; empty terms are dropped. */
export function splitSelectorTerms(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out.map((t) => t.trim()).filter(Boolean)
}

/** Parses a label selector string (=, ==, !=, in, notin, key, !key); throws SelectorError on bad syntax. */
export function parseSelector(s: string): Requirement[] {
  return splitSelectorTerms(s).map((term) => {
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term)
    if (m) return {key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean)}
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term)
    if (m) return {key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]]}
    m = /^!\s*([^=!\s]+)$/.exec(term)
    if (m) return {key: m[1], op: '!exists', values: []}
    if (/^[^=!\s()]+$/.test(term)) return {key: term, op: 'exists', values: []}
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`)
  })
}

const OPERATORS: Record<string, Requirement['op']> = {In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!exists'}

/** The requirements of a LabelSelector (as metav1.LabelSelectorAsSelector); throws SelectorError on an unknown operator. */
export function selectorRequirements(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({key, op: '=', values: [v]}))
  for (const e of sel.matchExpressions ?? []) {
    const op = OPERATORS[e.operator]
    if (!op) throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`)
    reqs.push({key: e.key, op, values: e.values ?? []})
  }
  return reqs
}

/** True when every requirement holds for the values `get` reads (labels, or fields for field selectors). */
export function requirementsMatch(reqs: readonly Requirement[], get: (key: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = get(r.key)
    switch (r.op) {
      case '=':
        return v === r.values[0]
      case '!=':
        return v !== r.values[0]
      case 'in':
        return v !== undefined && r.values.includes(v)
      case 'notin':
        return v === undefined || !r.values.includes(v)
      case 'exists':
        return v !== undefined
      case '!exists':
        return v === undefined
    }
  })
}

/** Reads a label as selectors see it: present only when the key is the object's own. */
export function labelGetter(labels: Readonly<Record<string, string>> | undefined | null): (key: string) => string | undefined {
  const l = labels ?? {}
  return (key) => (Object.prototype.hasOwnProperty.call(l, key) ? l[key] : undefined)
}

/** True when labels satisfy one matchExpressions entry (In, NotIn, Exists, DoesNotExist); other operators never match. */
export function matchesLabelRequirement(labels: Readonly<Record<string, string>>, r: LabelSelectorRequirement): boolean {
  const op = OPERATORS[r.operator]
  return op !== undefined && requirementsMatch([{key: r.key, op, values: r.values ?? []}], labelGetter(labels))
}

/**
 * True when labels satisfy every requirement of sel. An absent selector, or one with an unknown operator, matches
 * nothing (as metav1.LabelSelectorAsSelector, whose error controllers read as "no match"); an empty one matches all.
 */
export function selectorMatches(sel: LabelSelector | undefined | null, labels: Readonly<Record<string, string>> | undefined | null): boolean {
  if (!sel) return false
  let reqs: Requirement[]
  try {
    reqs = selectorRequirements(sel)
  } catch {
    return false
  }
  return requirementsMatch(reqs, labelGetter(labels))
}

/** True when the selector has no requirements (Kubernetes' "selects everything", which controllers refuse). */
export function selectorIsEmpty(sel: LabelSelector | undefined | null): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
}

/**
 * The String() of a metav1.LabelSelector converted to a labels.Selector: requirements sorted by key,
 * set values sorted. Returns "" for an empty selector (callers decide whether that is "<none>").
 */
export function selectorString(sel: LabelSelector | undefined | null): string {
  if (!sel) return ''
  const reqs: {key: string; text: string}[] = []
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({key: k, text: `${k}=${v}`})
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort()
    switch (e.operator) {
      case 'In':
        reqs.push({key: e.key, text: `${e.key} in (${values.join(',')})`})
        break
      case 'NotIn':
        reqs.push({key: e.key, text: `${e.key} notin (${values.join(',')})`})
        break
      case 'Exists':
        reqs.push({key: e.key, text: e.key})
        break
      case 'DoesNotExist':
        reqs.push({key: e.key, text: `!${e.key}`})
        break
      default:
        reqs.push({key: e.key, text: `${e.key} ${e.operator} (${values.join(',')})`})
    }
  }
  // The Go selector sorts requirements by key; a stable sort keeps matchLabels before expressions on ties.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return reqs.map((r) => r.text).join(',')
}

/** metav1.FormatLabelSelector: the selector string, or "<none>" when it selects by nothing. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = selectorString(sel)
  return s === '' ? '<none>' : s
}
