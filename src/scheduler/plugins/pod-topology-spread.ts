// Filter: DoNotSchedule topology spread constraints (maxSkew, minDomains, node inclusion policies); score: ScheduleAnyway constraints and the system defaults (k8s PodTopologySpread).
import {type LabelSelector, selectorMatches} from '../../api/selectors.js'
import type {KubeObject} from '../../api/types.js'
import {type CycleState, type FilterPlugin, MAX_NODE_SCORE, type NodeInfo, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status, unschedulable} from '../framework.js'
import {podMatchesNodeSelectorAndAffinity} from '../node-selector.js'
import {firstUntoleratedTaint} from '../taints.js'
import {controllerUid} from './owner-spread.js'

/** The reasons kube-scheduler reports. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`

export const LABEL_HOSTNAME = 'kubernetes.io/hostname'
export const LABEL_ZONE = 'topology.kubernetes.io/zone'

/** A v1.TopologySpreadConstraint. */
export interface TopologySpreadConstraint {
  maxSkew: number
  topologyKey: string
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' | string
  labelSelector?: LabelSelector | null
  minDomains?: number | null
  nodeAffinityPolicy?: 'Honor' | 'Ignore' | null
  nodeTaintsPolicy?: 'Honor' | 'Ignore' | null
  matchLabelKeys?: string[]
}

/** A constraint resolved for one pod: which pods it counts and which nodes take part. */
interface Constraint {
  maxSkew: number
  topologyKey: string
  minDomains: number
  /** Counts this existing pod (same namespace, selected); the incoming pod counts itself when it matches too. */
  selects(p: KubeObject): boolean
  honorAffinity: boolean
  honorTaints: boolean
}

/**
 * kube-scheduler's system default constraints (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) for pods without
 * constraints of their own. Upstream selects the pods of the Services and controllers selecting the pod; skiff's
 * scheduler watches no controllers, so the pods sharing its controlling owner stand in for them.
 */
const SYSTEM_DEFAULTS = [
  {topologyKey: LABEL_HOSTNAME, maxSkew: 3},
  {topologyKey: LABEL_ZONE, maxSkew: 5},
]

function resolve(pod: KubeObject, c: TopologySpreadConstraint): Constraint {
  const ns = pod.metadata.namespace
  const labels = pod.metadata.labels ?? {}
  let sel = c.labelSelector ?? undefined
  const extra = (c.matchLabelKeys ?? []).filter((k) => k in labels).map((key) => ({key, operator: 'In', values: [labels[key]]}))
  if (sel && extra.length > 0) sel = {...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...extra]}
  return {
    maxSkew: Number(c.maxSkew),
    topologyKey: c.topologyKey,
    minDomains: Number(c.minDomains ?? 1),
    selects: (p) => p.metadata.namespace === ns && selectorMatches(sel, p.metadata.labels ?? {}),
    // Defaults: the pod's node affinity decides which nodes count (Honor); taints do not (Ignore).
    honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorTaints: c.nodeTaintsPolicy === 'Honor',
  }
}

/** The pod's constraints with the given whenUnsatisfiable, resolved. */
export function podConstraints(pod: KubeObject, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const list: TopologySpreadConstraint[] = pod.spec?.topologySpreadConstraints ?? []
  return list.filter((c) => c.whenUnsatisfiable === when).map((c) => resolve(pod, c))
}

/** The system default constraints for pod, or none when it has constraints of its own or no controller. */
function systemDefaults(pod: KubeObject): Constraint[] {
  if ((pod.spec?.topologySpreadConstraints ?? []).length > 0) return []
  const uid = controllerUid(pod)
  if (!uid) return []
  const ns = pod.metadata.namespace
  const selects = (p: KubeObject) => p.metadata.namespace === ns && controllerUid(p) === uid
  return SYSTEM_DEFAULTS.map((d) => ({...d, minDomains: 1, selects, honorAffinity: true, honorTaints: false}))
}

/** Whether a node takes part in a constraint's counting under its node inclusion policies. */
function included(c: Constraint, pod: KubeObject, node: KubeObject): boolean {
  if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, node)) return false
  if (c.honorTaints && firstUntoleratedTaint(node.spec?.taints ?? [], pod.spec?.tolerations ?? [], ['NoSchedule', 'NoExecute'])) return false
  return true
}

/** Matching pods on one node; pods being deleted no longer count. */
function countOn(c: Constraint, ni: NodeInfo): number {
  let n = 0
  for (const p of ni.pods) if (!p.metadata.deletionTimestamp && c.selects(p)) n++
  return n
}

const hasKeys = (node: KubeObject, cs: readonly Constraint[]) => cs.every((c) => c.topologyKey in (node.metadata.labels ?? {}))

interface FilterState {
  constraints: Constraint[]
  /** Per constraint: matching pods per domain (every eligible domain present, even with 0). */
  counts: Map<string, number>[]
}

interface ScoreState {
  constraints: Constraint[]
  /** Per constraint: matching pods per domain among the feasible nodes' domains. */
  counts: Map<string, number>[]
  weights: number[]
  /** Nodes lacking a required topology key: scored 0. */
  ignored: Set<string>
}

const FILTER_KEY = 'PodTopologySpread/filter'
const SCORE_KEY = 'PodTopologySpread/score'

/** The PodTopologySpread plugin. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = 'PodTopologySpread'

  preFilter(pod: KubeObject, nodeInfos: readonly NodeInfo[], state: CycleState): void {
    const constraints = podConstraints(pod, 'DoNotSchedule')
    if (constraints.length === 0) return state.write(FILTER_KEY, undefined)
    const counts = constraints.map(() => new Map<string, number>())
    for (const ni of nodeInfos) {
      // A node missing any of the keys takes part in no constraint (upstream nodeLabelsMatchSpreadConstraints).
      if (!hasKeys(ni.node, constraints)) continue
      constraints.forEach((c, i) => {
        if (!included(c, pod, ni.node)) return
        const v = ni.node.metadata.labels![c.topologyKey]
        counts[i].set(v, (counts[i].get(v) ?? 0) + countOn(c, ni))
      })
    }
    state.write(FILTER_KEY, {constraints, counts} satisfies FilterState)
  }

  filter(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): Status | undefined {
    const s = state.read<FilterState>(FILTER_KEY)
    if (!s) return undefined
    const labels = nodeInfo.node.metadata.labels ?? {}
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]
      if (!(c.topologyKey in labels)) return unschedulable('UnschedulableAndUnresolvable', ERR_REASON_NODE_LABEL_NOT_MATCH)
      const domains = s.counts[i]
      // Fewer domains than minDomains: the global minimum is taken as 0, so pods cannot pile into the few there are.
      const min = domains.size < c.minDomains ? 0 : Math.min(...domains.values())
      const self = c.selects(pod) ? 1 : 0
      const skew = (domains.get(labels[c.topologyKey]) ?? 0) + self - (Number.isFinite(min) ? min : 0)
      if (skew > c.maxSkew) return unschedulable('Unschedulable', ERR_REASON_CONSTRAINTS_NOT_MATCH)
    }
    return undefined
  }

  preScore(pod: KubeObject, feasible: readonly NodeInfo[], all: readonly NodeInfo[], state: CycleState): void {
    const own = podConstraints(pod, 'ScheduleAnyway')
    const explicit = (pod.spec?.topologySpreadConstraints ?? []).length > 0
    const constraints = explicit ? own : systemDefaults(pod)
    if (constraints.length === 0) return state.write(SCORE_KEY, undefined)
    // Explicit constraints need every key on a node; the system defaults skip the keys a node lacks.
    const ignored = new Set<string>()
    const counts = constraints.map(() => new Map<string, number>())
    const sizes = constraints.map(() => 0)
    for (const ni of feasible) {
      if (explicit && !hasKeys(ni.node, constraints)) {
        ignored.add(ni.name)
        continue
      }
      constraints.forEach((c, i) => {
        const v = ni.node.metadata.labels?.[c.topologyKey]
        if (v === undefined) return
        if (!counts[i].has(v)) sizes[i]++
        counts[i].set(v, 0)
      })
    }
    // Hostname domains are single nodes: score() counts their pods directly, so only other keys are summed here.
    const summed = constraints.map((c, i) => i).filter((i) => constraints[i].topologyKey !== LABEL_HOSTNAME && counts[i].size > 0)
    for (const ni of summed.length > 0 ? all : []) {
      if (explicit && !hasKeys(ni.node, constraints)) continue
      summed.forEach((i) => {
        const c = constraints[i]
        const v = ni.node.metadata.labels?.[c.topologyKey]
        if (v === undefined || !counts[i].has(v) || !included(c, pod, ni.node)) return
        counts[i].set(v, counts[i].get(v)! + countOn(c, ni))
      })
    }
    // A hostname constraint has a domain per feasible node it scores; log(size+2) keeps big topologies from dominating.
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - ignored.size : sizes[i]) + 2))
    state.write(SCORE_KEY, {constraints, counts, weights, ignored} satisfies ScoreState)
  }

  score(_pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number {
    const s = state.read<ScoreState>(SCORE_KEY)
    if (!s) return 0
    if (s.ignored.has(nodeInfo.name)) return -1
    const labels = nodeInfo.node.metadata.labels ?? {}
    let score = 0
    s.constraints.forEach((c, i) => {
      const v = labels[c.topologyKey]
      if (v === undefined) return
      const count = c.topologyKey === LABEL_HOSTNAME ? countOn(c, nodeInfo) : (s.counts[i].get(v) ?? 0)
      score += count * s.weights[i] + (c.maxSkew - 1)
    })
    return Math.round(score)
  }

  /** Fewer matching pods is better: MAX * (max + min - score) / max; ignored nodes (-1) get 0. */
  normalize(_pod: KubeObject, scores: number[], state: CycleState): void {
    const s = state.read<ScoreState>(SCORE_KEY)
    if (!s) return
    let min = Infinity
    let max = 0
    for (const v of scores) {
      if (v < 0) continue
      min = Math.min(min, v)
      max = Math.max(max, v)
    }
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0) scores[i] = 0
      else if (max === 0) scores[i] = MAX_NODE_SCORE
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max)
    }
  }
}
