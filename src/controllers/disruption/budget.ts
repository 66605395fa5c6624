// The disruption controller's arithmetic: expected pods from the pods' controllers, healthy pods, disrupted-pod expiry, the status.
import type {BudgetCondition, PodDisruptionBudget, PodDisruptionBudgetStatus} from '../../api/resources/policy/poddisruptionbudget.js'
import type {OwnerReference} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {Lister} from '../types.js'
import {scaledValue} from '../util/intstr.js'
import {controllerRef, isPodReady, kubeTime} from '../util/pods.js'

/** How long an eviction may take to show up as a deleted pod before the budget counts the pod again (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000

/** The caches of the controllers whose scale counts as the number of pods a budget expects. */
export interface ScaleListers {
  replicaSets: Lister
  deployments: Lister
  statefulSets: Lister
  replicationControllers: Lister
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '')
const isKind = (ref: OwnerReference, kind: string, groups: string[]) => ref.kind === kind && groups.includes(groupOf(ref.apiVersion))
const APPS = ['apps', 'extensions']

/** The object a reference points to, when the cache has it with that uid. */
function resolve(lister: Lister, namespace: string | undefined, ref: OwnerReference) {
  const obj = lister.get(`${namespace}/${ref.name}`)
  return obj?.metadata.uid === ref.uid ? obj : undefined
}

const replicas = (spec: {replicas?: number} | undefined) => spec?.replicas ?? 1

type Finder = (ref: OwnerReference, namespace: string | undefined) => {uid: string; scale: number} | undefined

/** Kubernetes' finders, in order: a ReplicaSet not owned by a Deployment, the Deployment of a ReplicaSet, an RC, a StatefulSet. */
function finders(l: ScaleListers): Finder[] {
  const replicaSet: Finder = (ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', APPS)) return undefined
    const rs = resolve(l.replicaSets, ns, ref)
    if (!rs || controllerRef(rs)?.kind === 'Deployment') return undefined
    return {uid: rs.metadata.uid!, scale: replicas(rs.spec)}
  }
  const deployment: Finder = (ref, ns) => {
    if (!isKind(ref, 'ReplicaSet', APPS)) return undefined
    const rs = resolve(l.replicaSets, ns, ref)
    const owner = rs && controllerRef(rs)
    if (!owner || !isKind(owner, 'Deployment', APPS)) return undefined
    const d = resolve(l.deployments, ns, owner)
    return d && {uid: d.metadata.uid!, scale: replicas(d.spec)}
  }
  const simple = (kind: string, groups: string[], lister: Lister): Finder => (ref, ns) => {
    if (!isKind(ref, kind, groups)) return undefined
    const o = resolve(lister, ns, ref)
    return o && {uid: o.metadata.uid!, scale: replicas(o.spec)}
  }
  return [replicaSet, deployment, simple('ReplicationController', [''], l.replicationControllers), simple('StatefulSet', ['apps'], l.statefulSets)]
}

/**
 * The sum of the scales of the controllers of the pods (getExpectedScale); pods without a controller are listed as
 * unmanaged, and a pod whose controller none of the finders knows is an error.
 */
export function expectedScale(pods: Pod[], l: ScaleListers): {expected: number; unmanaged: string[]} {
  const scales = new Map<string, number>()
  const unmanaged: string[] = []
  const find = finders(l)
  for (const pod of pods) {
    const ref = controllerRef(pod)
    if (!ref) {
      unmanaged.push(pod.metadata.name!)
      continue
    }
    if (scales.has(ref.uid)) continue
    let found = false
    for (const f of find) {
      const hit = f(ref, pod.metadata.namespace)
      if (hit) {
        scales.set(hit.uid, hit.scale)
        found = true
        break
      }
    }
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`)
  }
  return {expected: [...scales.values()].reduce((a, b) => a + b, 0), unmanaged}
}

/** expectedPods and desiredHealthy of a budget (getExpectedPodCount): an integer minAvailable needs no controllers. */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[], l: ScaleListers): {expected: number; desired: number; unmanaged: string[]} {
  const spec = pdb.spec ?? {}
  if (spec.maxUnavailable != null) {
    const {expected, unmanaged} = expectedScale(pods, l)
    return {expected, desired: Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true)), unmanaged}
  }
  if (typeof spec.minAvailable === 'number') return {expected: pods.length, desired: spec.minAvailable, unmanaged: []}
  if (typeof spec.minAvailable === 'string') {
    const {expected, unmanaged} = expectedScale(pods, l)
    return {expected, desired: scaledValue(spec.minAvailable, expected, true), unmanaged}
  }
  return {expected: 0, desired: 0, unmanaged: []}
}

/**
 * The disruptedPods entries still pending (buildDisruptedPodMap): pods not yet terminating whose eviction is under
 * DELETION_TIMEOUT old; expired ones are reported so the caller can warn, and the earliest expiry is returned for a recheck.
 */
export function pendingDisruptions(pods: Pod[], recorded: Record<string, string> | undefined, nowMs: number): {pending: Record<string, string>; expired: Pod[]; recheckAt?: number} {
  const pending: Record<string, string> = {}
  const expired: Pod[] = []
  let recheckAt: number | undefined
  if (!recorded) return {pending, expired}
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    const at = recorded[pod.metadata.name!]
    if (at === undefined) continue
    const deadline = Date.parse(at) + DELETION_TIMEOUT_MS
    if (deadline < nowMs) expired.push(pod)
    else {
      pending[pod.metadata.name!] = at
      recheckAt = recheckAt === undefined ? deadline : Math.min(recheckAt, deadline)
    }
  }
  return {pending, expired, recheckAt}
}

/** Ready pods that are neither terminating nor recently evicted (countHealthyPods). */
export function countHealthy(pods: Pod[], pending: Record<string, string>, nowMs: number): number {
  return pods.filter((p) => {
    if (p.metadata.deletionTimestamp) return false
    const at = pending[p.metadata.name!]
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > nowMs) return false
    return isPodReady(p)
  }).length
}

/** Sets the DisruptionAllowed condition (SetStatusCondition semantics: the transition time moves only with the status). */
export function withDisruptionCondition(conditions: BudgetCondition[] | undefined, status: 'True' | 'False', reason: string, message: string, observedGeneration: number, nowMs: number): BudgetCondition[] {
  const old = (conditions ?? []).find((c) => c.type === 'DisruptionAllowed')
  const cond: BudgetCondition = {type: 'DisruptionAllowed', status, observedGeneration, lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : kubeTime(nowMs), reason, message}
  return [...(conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'), cond]
}

/** The status a budget should have (updatePdbStatus): nothing is allowed while it expects no pods. */
export function budgetStatus(pdb: PodDisruptionBudget, healthy: number, desired: number, expected: number, pending: Record<string, string>, nowMs: number): PodDisruptionBudgetStatus {
  let allowed = healthy - desired
  if (expected <= 0 || allowed <= 0) allowed = 0
  const generation = pdb.metadata.generation ?? 0
  const sufficient = allowed > 0
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    ...(Object.keys(pending).length ? {disruptedPods: pending} : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
  }
  status.conditions = withDisruptionCondition(pdb.status?.conditions, sufficient ? 'True' : 'False', sufficient ? 'SufficientPods' : 'InsufficientPods', '', generation, nowMs)
  return status
}
