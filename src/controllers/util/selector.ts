// Label selectors as controllers use them: matching a metav1.LabelSelector object against labels, and rendering it for list calls.

/** A metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: {key: string; operator: string; values?: string[]}[]
}

/** True when the selector has no requirements (Kubernetes' "selects everything", which controllers refuse). */
export function selectorIsEmpty(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
}

/** True when labels satisfy every requirement of sel; an absent or empty selector matches nothing (as metav1.LabelSelectorAsSelector with nil). */
export function matchesSelector(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false
  const l = labels ?? {}
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key)
    const values = e.values ?? []
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key])) return false
        break
      case 'NotIn':
        if (has && values.includes(l[e.key])) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        return false
    }
  }
  return true
}

/** The selector as a label-selector query string (for list calls). */
export {selectorString} from '../../api/selectors.js'
