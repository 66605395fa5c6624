// Pod affinity terms as the scheduler evaluates them: namespaces, namespace selector, label selector with matchLabelKeys merged in.
import {type LabelSelector, type LabelSelectorRequirement, selectorMatches} from '../api/selectors.js'
import type {KubeObject} from '../api/types.js'

/** A v1.PodAffinityTerm. */
export interface PodAffinityTerm {
  labelSelector?: LabelSelector | null
  namespaces?: string[]
  namespaceSelector?: LabelSelector | null
  topologyKey: string
  matchLabelKeys?: string[]
  mismatchLabelKeys?: string[]
}

/** A v1.WeightedPodAffinityTerm. */
export interface WeightedPodAffinityTerm {
  weight: number
  podAffinityTerm: PodAffinityTerm
}

/** Looks up a namespace's labels (undefined when the namespace is unknown). */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined

/** A term resolved against the pod that carries it. */
export interface AffinityTerm {
  namespaces: ReadonlySet<string>
  /** Undefined: matches no namespace by labels (a nil namespaceSelector); {} matches every namespace. */
  namespaceSelector?: LabelSelector
  selector?: LabelSelector
  topologyKey: string
}

/** A resolved term with its weight (preferred terms; negative for anti-affinity when scoring). */
export interface WeightedTerm extends AffinityTerm {
  weight: number
}

/**
 * Resolves a term of `owner`: no namespaces and no namespace selector mean the owner's namespace; matchLabelKeys
 * add `key in (owner's value)` and mismatchLabelKeys `key notin (owner's value)` to the selector, for keys the owner
 * has (as kube-apiserver merges them at pod creation).
 */
export function resolveTerm(owner: KubeObject, term: PodAffinityTerm): AffinityTerm {
  const ns = new Set(term.namespaces ?? [])
  if (ns.size === 0 && !term.namespaceSelector) ns.add(String(owner.metadata.namespace ?? 'default'))
  let selector = term.labelSelector ?? undefined
  const labels = owner.metadata.labels ?? {}
  const extra: LabelSelectorRequirement[] = []
  for (const key of term.matchLabelKeys ?? []) if (key in labels) extra.push({key, operator: 'In', values: [labels[key]]})
  for (const key of term.mismatchLabelKeys ?? []) if (key in labels) extra.push({key, operator: 'NotIn', values: [labels[key]]})
  if (selector && extra.length > 0) selector = {...selector, matchExpressions: [...(selector.matchExpressions ?? []), ...extra]}
  return {namespaces: ns, namespaceSelector: term.namespaceSelector ?? undefined, selector, topologyKey: term.topologyKey}
}

/** True when pod falls under term: in one of its namespaces (by name or by labels) and selected by its label selector. */
export function termMatches(term: AffinityTerm, pod: KubeObject, nsLabels: NamespaceLabels): boolean {
  const ns = String(pod.metadata.namespace ?? 'default')
  if (!term.namespaces.has(ns) && !(term.namespaceSelector && selectorMatches(term.namespaceSelector, nsLabels(ns) ?? {}))) return false
  return selectorMatches(term.selector, pod.metadata.labels ?? {})
}

type AffinityKind = 'podAffinity' | 'podAntiAffinity'

/** The required terms of a pod's podAffinity or podAntiAffinity, resolved. */
export function requiredTerms(pod: KubeObject, kind: AffinityKind): AffinityTerm[] {
  const terms: PodAffinityTerm[] = pod.spec?.affinity?.[kind]?.requiredDuringSchedulingIgnoredDuringExecution ?? []
  return terms.map((t) => resolveTerm(pod, t))
}

/** The preferred terms of a pod's podAffinity or podAntiAffinity, resolved, with their weights. */
export function preferredTerms(pod: KubeObject, kind: AffinityKind): WeightedTerm[] {
  const terms: WeightedPodAffinityTerm[] = pod.spec?.affinity?.[kind]?.preferredDuringSchedulingIgnoredDuringExecution ?? []
  return terms.filter((t) => t?.podAffinityTerm).map((t) => ({...resolveTerm(pod, t.podAffinityTerm), weight: Number(t.weight ?? 0)}))
}
