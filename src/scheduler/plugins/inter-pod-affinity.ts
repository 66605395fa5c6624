// Filter: required pod affinity and anti-affinity (the pod's own and existing pods' anti-affinity); score: preferred terms by weight (k8s InterPodAffinity).
import type {KubeObject} from '../../api/types.js'
import {type AffinityTerm, type NamespaceLabels, preferredTerms, requiredTerms, termMatches} from '../affinity-terms.js'
import {type CycleState, type FilterPlugin, MAX_NODE_SCORE, type NodeInfo, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status, unschedulable} from '../framework.js'

/** The reasons kube-scheduler reports. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"

/** kube-scheduler's default hardPodAffinityWeight: what an existing pod's required affinity term adds to its topology. */
const HARD_POD_AFFINITY_WEIGHT = 1
const FILTER_KEY = 'InterPodAffinity/filter'
const SCORE_KEY = 'InterPodAffinity/score'

/** Counts per topology pair, keyed "key\0value". */
type Counts = Map<string, number>
const pair = (key: string, value: string) => `${key}\0${value}`
const add = (m: Counts, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n)

interface FilterState {
  affinity: AffinityTerm[]
  antiAffinity: AffinityTerm[]
  /** Pods matching all of the pod's affinity terms, per term topology. */
  affinityCounts: Counts
  /** Pods matching one of the pod's anti-affinity terms, per term topology. */
  antiAffinityCounts: Counts
  /** Existing pods whose required anti-affinity selects the incoming pod, per their term's topology. */
  existingAntiAffinityCounts: Counts
  /** The pod is selected by all its own affinity terms (the first pod of a group that attracts itself). */
  matchesOwnAffinity: boolean
}

interface ScoreState {
  /** Summed weights per topology pair; empty when no term applies. */
  scores: Counts
  keys: Set<string>
}

/** The InterPodAffinity plugin. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'InterPodAffinity'
  private readonly nsLabels: NamespaceLabels

  constructor(nsLabels?: NamespaceLabels) {
    this.nsLabels = nsLabels ?? (() => undefined)
  }

  preFilter(pod: KubeObject, nodeInfos: readonly NodeInfo[], state: CycleState): void {
    const s: FilterState = {
      affinity: requiredTerms(pod, 'podAffinity'),
      antiAffinity: requiredTerms(pod, 'podAntiAffinity'),
      affinityCounts: new Map(),
      antiAffinityCounts: new Map(),
      existingAntiAffinityCounts: new Map(),
      matchesOwnAffinity: false,
    }
    s.matchesOwnAffinity = s.affinity.length > 0 && s.affinity.every((t) => termMatches(t, pod, this.nsLabels))
    for (const ni of nodeInfos) {
      const labels = ni.node.metadata.labels ?? {}
      for (const existing of ni.podsWithRequiredAntiAffinity) {
        if (existing === pod) continue
        for (const t of requiredTerms(existing, 'podAntiAffinity')) {
          if (t.topologyKey in labels && termMatches(t, pod, this.nsLabels)) add(s.existingAntiAffinityCounts, pair(t.topologyKey, labels[t.topologyKey]), 1)
        }
      }
      if (s.affinity.length === 0 && s.antiAffinity.length === 0) continue
      for (const existing of ni.pods) {
        if (s.affinity.length > 0 && s.affinity.every((t) => termMatches(t, existing, this.nsLabels))) {
          for (const t of s.affinity) if (t.topologyKey in labels) add(s.affinityCounts, pair(t.topologyKey, labels[t.topologyKey]), 1)
        }
        for (const t of s.antiAffinity) {
          if (t.topologyKey in labels && termMatches(t, existing, this.nsLabels)) add(s.antiAffinityCounts, pair(t.topologyKey, labels[t.topologyKey]), 1)
        }
      }
    }
    state.write(FILTER_KEY, s)
  }

  filter(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): Status | undefined {
    const s = state.read<FilterState>(FILTER_KEY)
    if (!s) return undefined
    const labels = nodeInfo.node.metadata.labels ?? {}
    if (!this.satisfiesAffinity(s, labels)) return unschedulable('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY)
    for (const t of s.antiAffinity) {
      if (t.topologyKey in labels && (s.antiAffinityCounts.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) > 0) {
        return unschedulable('Unschedulable', ERR_REASON_ANTI_AFFINITY)
      }
    }
    if (s.existingAntiAffinityCounts.size > 0) {
      for (const [k, v] of Object.entries(labels)) {
        if ((s.existingAntiAffinityCounts.get(pair(k, v)) ?? 0) > 0) return unschedulable('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY)
      }
    }
    return undefined
  }

  /**
   * Every affinity term needs its topology key on the node and a matching pod in the node's domain; a pod no other pod
   * matches yet may still go anywhere with the keys when it matches its own terms, or the first of a group would wait forever.
   */
  private satisfiesAffinity(s: FilterState, labels: Record<string, string>): boolean {
    let podsExist = true
    for (const t of s.affinity) {
      if (!(t.topologyKey in labels)) return false
      if ((s.affinityCounts.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) <= 0) podsExist = false
    }
    return podsExist || (s.affinityCounts.size === 0 && s.matchesOwnAffinity)
  }

  preScore(pod: KubeObject, _feasible: readonly NodeInfo[], all: readonly NodeInfo[], state: CycleState): void {
    const preferred = [...preferredTerms(pod, 'podAffinity'), ...preferredTerms(pod, 'podAntiAffinity').map((t) => ({...t, weight: -t.weight}))]
    const s: ScoreState = {scores: new Map(), keys: new Set()}
    const bump = (labels: Record<string, string>, key: string, w: number) => {
      if (!(key in labels) || w === 0) return
      add(s.scores, pair(key, labels[key]), w)
      s.keys.add(key)
    }
    for (const ni of all) {
      const labels = ni.node.metadata.labels ?? {}
      // Without preferred terms of its own, only existing pods with affinity can move the pod's score.
      const existingPods = preferred.length > 0 ? ni.pods : ni.podsWithAffinity
      for (const existing of existingPods) {
        if (existing === pod) continue
        for (const t of preferred) if (termMatches(t, existing, this.nsLabels)) bump(labels, t.topologyKey, t.weight)
        if (!existing.spec?.affinity) continue
        for (const t of requiredTerms(existing, 'podAffinity')) if (termMatches(t, pod, this.nsLabels)) bump(labels, t.topologyKey, HARD_POD_AFFINITY_WEIGHT)
        for (const t of preferredTerms(existing, 'podAffinity')) if (termMatches(t, pod, this.nsLabels)) bump(labels, t.topologyKey, t.weight)
        for (const t of preferredTerms(existing, 'podAntiAffinity')) if (termMatches(t, pod, this.nsLabels)) bump(labels, t.topologyKey, -t.weight)
      }
    }
    state.write(SCORE_KEY, s)
  }

  score(_pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number {
    const s = state.read<ScoreState>(SCORE_KEY)
    if (!s || s.scores.size === 0) return 0
    const labels = nodeInfo.node.metadata.labels ?? {}
    let sum = 0
    for (const key of s.keys) if (key in labels) sum += s.scores.get(pair(key, labels[key])) ?? 0
    return sum
  }

  /** Scales scores linearly from the lowest (0) to the highest (MAX_NODE_SCORE); all equal gives 0. */
  normalize(_pod: KubeObject, scores: number[], state: CycleState): void {
    const s = state.read<ScoreState>(SCORE_KEY)
    if (!s || s.scores.size === 0) return
    let min = Infinity
    let max = -Infinity
    for (const v of scores) {
      min = Math.min(min, v)
      max = Math.max(max, v)
    }
    const diff = max - min
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0
  }
}
