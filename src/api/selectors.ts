// Label selectors rendered as strings, exactly as Kubernetes prints them (tables, Scale status, list queries).

/** One matchExpressions entry of a metav1.LabelSelector. */
export interface LabelSelectorRequirement {
  key: string
  operator: string
  values?: string[]
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: LabelSelectorRequirement[]
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
