// Node selector and node affinity matching (NodeSelectorTerms with matchExpressions and matchFields).
import type {KubeObject} from '../api/types.js'

/** One requirement of a node selector term. */
export interface NodeSelectorRequirement {
  key: string
  operator: string
  values?: string[]
}

/** A term: all of its requirements must hold; an empty term matches nothing. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[]
  matchFields?: NodeSelectorRequirement[]
}

const INTEGER = /^[+-]?\d+$/

/** True when a label set satisfies one requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
export function matchesRequirement(labels: Readonly<Record<string, string>>, r: NodeSelectorRequirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key)
  const value = labels[r.key]
  const values = r.values ?? []
  switch (r.operator) {
    case 'In':
      return has && values.includes(value)
    case 'NotIn':
      return !has || !values.includes(value)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt': {
      // Validation demands exactly one integer value; anything else can never match.
      if (!has || values.length !== 1 || !INTEGER.test(value) || !INTEGER.test(values[0])) return false
      const a = BigInt(value)
      const b = BigInt(values[0])
      return r.operator === 'Gt' ? a > b : a < b
    }
    default:
      return false
  }
}

/** True when node satisfies term; matchFields supports metadata.name, the only field Kubernetes allows. */
export function matchesTerm(node: KubeObject, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? []
  const fields = term.matchFields ?? []
  if (exprs.length === 0 && fields.length === 0) return false
  const labels = node.metadata.labels ?? {}
  if (!exprs.every((r) => matchesRequirement(labels, r))) return false
  const nodeFields = {'metadata.name': String(node.metadata.name)}
  return fields.every((r) => r.key === 'metadata.name' && matchesRequirement(nodeFields, r))
}

/** True when node satisfies at least one of terms (terms are ORed). */
export function matchesAnyTerm(node: KubeObject, terms: readonly NodeSelectorTerm[]): boolean {
  return terms.some((t) => matchesTerm(node, t))
}

/**
 * True when node satisfies the pod's spec.nodeSelector (every label equal) and its required node affinity
 * (requiredDuringSchedulingIgnoredDuringExecution), as the NodeAffinity filter checks both.
 */
export function podMatchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {}
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>)) {
    if (labels[k] !== v) return false
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  if (required) return matchesAnyTerm(node, required.nodeSelectorTerms ?? [])
  return true
}
