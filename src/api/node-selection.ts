// Node selector and node affinity matching (NodeSelectorTerms with matchExpressions and matchFields), shared by the scheduler
// and the DaemonSet controller; what differs from label selectors lives here: Gt/Lt, matchFields, ORed terms and "an empty term matches nothing".
import {matchesLabelRequirement, selectorMatches, type LabelSelectorRequirement} from './selectors.js'
import type {KubeObject} from './types.js'

/** One requirement of a node selector term: a label-selector requirement that may also use Gt and Lt. */
export type NodeSelectorRequirement = LabelSelectorRequirement

/** A term: all of its requirements must hold; an empty term matches nothing. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[]
  matchFields?: NodeSelectorRequirement[]
}

const INTEGER = /^[+-]?\d+$/

/** True when a label set satisfies one requirement: the label-selector operators, plus Gt and Lt for nodes. */
export function matchesRequirement(labels: Readonly<Record<string, string>>, r: NodeSelectorRequirement): boolean {
  if (r.operator !== 'Gt' && r.operator !== 'Lt') return matchesLabelRequirement(labels, r)
  const value = labels[r.key]
  const values = r.values ?? []
  // Validation demands exactly one integer value; anything else can never match.
  if (!Object.prototype.hasOwnProperty.call(labels, r.key) || values.length !== 1 || !INTEGER.test(value) || !INTEGER.test(values[0])) return false
  const a = BigInt(value)
  const b = BigInt(values[0])
  return r.operator === 'Gt' ? a > b : a < b
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
  if (!selectorMatches({matchLabels: pod.spec?.nodeSelector ?? {}}, node.metadata.labels)) return false
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  if (required) return matchesAnyTerm(node, required.nodeSelectorTerms ?? [])
  return true
}
