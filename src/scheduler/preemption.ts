// DefaultPreemption: when no node fits a pod, finds the node where evicting the fewest, least important lower-priority pods makes room.
import {selectorIsEmpty, selectorMatches} from '../api/selectors.js'
import type {KubeObject} from '../api/types.js'
import {CycleState, type NodeInfo, type PostFilterResult, type Profile, type Status, formatFitError, runFilters, runPreFilters} from './framework.js'

const NOT_HELPFUL = 'Preemption is not helpful for scheduling'
const NO_VICTIMS = 'No preemption victims found for incoming pod'

/** The reason of the DisruptionTarget condition set on victims (v1.PodReasonPreemptionByScheduler). */
export const PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler'

/** The cluster's PodDisruptionBudgets, read when preemption weighs victims. */
export type DisruptionBudgets = () => readonly KubeObject[]

/** A pod's priority (spec.priority, 0 when unset). */
export function podPriority(pod: KubeObject): number {
  return Number(pod.spec?.priority ?? 0)
}

function startTime(pod: KubeObject): number {
  const t = Date.parse(pod.status?.startTime ?? '')
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t
}

/** k8s MoreImportantPod: higher priority first, then the one that started earlier. */
function moreImportantFirst(a: KubeObject, b: KubeObject): number {
  return podPriority(b) - podPriority(a) || startTime(a) - startTime(b)
}

/** True for a pod the scheduler is already evicting (marked DisruptionTarget by preemption and being deleted). */
export function terminatingByPreemption(pod: KubeObject): boolean {
  if (!pod.metadata.deletionTimestamp) return false
  return (pod.status?.conditions ?? []).some((c: {type?: string; reason?: string}) => c?.type === 'DisruptionTarget' && c.reason === PREEMPTION_BY_SCHEDULER)
}

/**
 * Splits pods (most important first) into those whose eviction would break a PodDisruptionBudget and the others,
 * spending each budget's disruptionsAllowed in that order (pods the budget already counts as disrupted are free).
 */
export function splitByBudgetViolation(pods: readonly KubeObject[], budgets: readonly KubeObject[]): {violating: KubeObject[]; nonViolating: KubeObject[]} {
  const allowed = budgets.map((b) => Number(b.status?.disruptionsAllowed ?? 0))
  const violating: KubeObject[] = []
  const nonViolating: KubeObject[] = []
  for (const pod of pods) {
    let breaks = false
    budgets.forEach((b, i) => {
      if (b.metadata.namespace !== pod.metadata.namespace) return
      const sel = b.spec?.selector
      if (selectorIsEmpty(sel) || !selectorMatches(sel, pod.metadata.labels ?? {})) return
      if (pod.metadata.name && b.status?.disruptedPods?.[pod.metadata.name]) return
      if (--allowed[i] < 0) breaks = true
    })
    ;(breaks ? violating : nonViolating).push(pod)
  }
  return {violating, nonViolating}
}

/** The victims on one node that make room for pod, or the status saying why none do. */
interface Candidate {
  node: string
  victims: KubeObject[]
  violations: number
}

/** The cluster with one node replaced (the node as it would be with some pods evicted). */
function replaced(nodeInfos: readonly NodeInfo[], index: number, ni: NodeInfo): NodeInfo[] {
  const out = [...nodeInfos]
  out[index] = ni
  return out
}

/** Whether pod passes the filters on nodeInfos[index] with the cluster as given (pre-filters recomputed, as upstream's RemovePod/AddPod do). */
function fits(pod: KubeObject, nodeInfos: readonly NodeInfo[], index: number, profile: Profile): Status | undefined {
  const state = new CycleState()
  runPreFilters(pod, nodeInfos, profile, state)
  return runFilters(pod, nodeInfos[index], profile, state)
}

/**
 * k8s SelectVictimsOnNode: remove every lower-priority pod; if the pod still does not fit there is no candidate.
 * Otherwise add them back, most important first (those whose eviction breaks a budget before the others), keeping
 * each one the pod still fits beside; the rest are the victims.
 */
function selectVictims(pod: KubeObject, nodeInfos: readonly NodeInfo[], index: number, profile: Profile, budgets: readonly KubeObject[]): Candidate | Status {
  const ni = nodeInfos[index]
  const prio = podPriority(pod)
  const lower = ni.pods.filter((p) => podPriority(p) < prio).sort(moreImportantFirst)
  if (lower.length === 0) return {code: 'UnschedulableAndUnresolvable', reasons: [NO_VICTIMS]}
  const removed = new Set(lower)
  const blocked = fits(pod, replaced(nodeInfos, index, ni.without(removed)), index, profile)
  if (blocked) return blocked
  const {violating, nonViolating} = splitByBudgetViolation(lower, budgets)
  const victims: KubeObject[] = []
  let violations = 0
  const reprieve = (p: KubeObject): boolean => {
    removed.delete(p)
    if (!fits(pod, replaced(nodeInfos, index, ni.without(removed)), index, profile)) return true
    removed.add(p)
    victims.push(p)
    return false
  }
  for (const p of violating) if (!reprieve(p)) violations++
  for (const p of nonViolating) reprieve(p)
  victims.sort(moreImportantFirst)
  return {node: ni.name, victims, violations}
}

/** k8s pickOneNodeForPreemption: fewest budget violations, lowest top victim, lowest priority sum, fewest victims, latest start. */
export function pickCandidate(candidates: readonly Candidate[]): Candidate | undefined {
  const free = candidates.find((c) => c.victims.length === 0)
  if (free) return free
  // Offset so negative priorities add up correctly (as upstream adds MaxInt32+1 per victim).
  const sum = (c: Candidate) => c.victims.reduce((n, v) => n + podPriority(v) + 2 ** 31, 0)
  const top = (c: Candidate) => podPriority(c.victims[0])
  const earliestTopStart = (c: Candidate) => Math.min(...c.victims.filter((v) => podPriority(v) === top(c)).map(startTime))
  const criteria: ((c: Candidate) => number)[] = [(c) => c.violations, top, sum, (c) => c.victims.length, (c) => -earliestTopStart(c)]
  let left = [...candidates]
  for (const score of criteria) {
    if (left.length <= 1) break
    const best = Math.min(...left.map(score))
    left = left.filter((c) => score(c) === best)
  }
  return left[0]
}

/**
 * The DefaultPreemption post-filter. A pod with preemptionPolicy Never, or one whose earlier preemption is still
 * evicting pods on its nominated node, preempts nothing. Nodes rejected for unresolvable reasons are "not helpful";
 * on the others the victims are chosen as SelectVictimsOnNode does and the best node is nominated. When no node
 * qualifies, the message explains each node in kube-scheduler's words.
 */
export function defaultPreemption(pod: KubeObject, nodeInfos: readonly NodeInfo[], statuses: ReadonlyMap<string, Status>, profile: Profile, budgets: readonly KubeObject[] = []): PostFilterResult {
  if (pod.spec?.preemptionPolicy === 'Never') return {message: 'preemption: not eligible due to preemptionPolicy=Never.'}
  const nominated = pod.status?.nominatedNodeName
  if (nominated && statuses.get(nominated)?.code !== 'UnschedulableAndUnresolvable') {
    const ni = nodeInfos.find((n) => n.name === nominated)
    if (ni?.pods.some((p) => podPriority(p) < podPriority(pod) && terminatingByPreemption(p))) {
      return {message: 'preemption: not eligible due to a terminating pod on the nominated node.'}
    }
  }
  const results: Status[] = []
  const candidates: Candidate[] = []
  nodeInfos.forEach((ni, i) => {
    const s = statuses.get(ni.name)
    if (!s || s.code === 'UnschedulableAndUnresolvable') {
      results.push({code: 'UnschedulableAndUnresolvable', reasons: [NOT_HELPFUL]})
      return
    }
    const r = selectVictims(pod, nodeInfos, i, profile, budgets)
    if ('victims' in r) candidates.push(r)
    else results.push(r)
  })
  const best = pickCandidate(candidates)
  if (best) return {nominated: {node: best.node, victims: best.victims}}
  return {message: `preemption: ${formatFitError(nodeInfos.length, results)}`, clearNomination: true}
}

/** The "preemption: ..." message alone, for callers that only explain (kept for the message tests). */
export function preemptionMessage(pod: KubeObject, nodeInfos: readonly NodeInfo[], statuses: ReadonlyMap<string, Status>, profile: Profile): string | undefined {
  const r = defaultPreemption(pod, nodeInfos, statuses, profile)
  return r.message
}

