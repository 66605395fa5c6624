// What one StatefulSet sync should do, decided from the cache alone (updateStatefulSet): creations, deletions, identity fixes, and the status.
import type {StatefulSet, StatefulSetStatus} from '../../api/resources/apps/statefulset.js'
import type {Pod} from '../../api/types/workloads.js'
import {
  endOrdinal,
  identityMatches,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  parseOrdinal,
  podRevision,
  startOrdinal,
  storageMatches,
} from './identity.js'

/** One step of a sync. */
export type PodAction =
  | {type: 'create'; pod: Pod; ordinal: number}
  | {type: 'delete'; pod: Pod; why: 'failed' | 'succeeded' | 'condemned' | 'update'}
  /** A pending pod's claims may have been deleted under it: create the missing ones. */
  | {type: 'claims'; pod: Pod; ordinal: number}
  /** The pod lost its identity labels, or its claims' owner references do not follow the retention policy. */
  | {type: 'fix'; pod: Pod; ordinal: number}

/** The actions in the order they run: each phase runs only if the one before it succeeded. */
export interface SyncPlan {
  /** Creating, recreating and fixing the replicas in range. */
  replicas: PodAction[]
  /** Deleting pods whose ordinal is out of range (scale down), highest first. */
  condemned: PodAction[]
  /** Deleting pods of an old revision (RollingUpdate). */
  update: PodAction[]
  status: StatefulSetStatus
  /** Look again after this long: a pod becomes available minReadySeconds after it is ready, with no event. */
  requeueAfterMs?: number
}

/** The revisions of one sync: the set as each one would have it, and their names. */
export interface PlanRevisions {
  currentSet: StatefulSet
  updateSet: StatefulSet
  currentName: string
  updateName: string
  collisionCount: number
}

/** Whether pods are created and deleted one at a time, in ordinal order (OrderedReady), or all at once (Parallel). */
export const isMonotonic = (set: StatefulSet): boolean => set.spec?.podManagementPolicy !== 'Parallel'

/** The partition: ordinals below it keep the current revision during a RollingUpdate. */
function partitionOf(set: StatefulSet): number {
  return set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
}

/** maxUnavailable as a pod count (percentages of replicas round down, at least 1), undefined when unset. */
export function maxUnavailableOf(set: StatefulSet): number | undefined {
  const v = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable
  if (v === undefined) return undefined
  const replicas = set.spec?.replicas ?? 1
  const n = typeof v === 'number' ? v : Math.floor((replicas * Number.parseInt(v, 10)) / 100)
  return Math.max(1, n)
}

/** The counts and revisions the set reports for its pods (before this sync's actions). */
function baseStatus(set: StatefulSet, pods: Pod[], rev: PlanRevisions, nowMs: number): StatefulSetStatus {
  const minReady = set.spec?.minReadySeconds ?? 0
  const s = {replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0}
  for (const p of pods) {
    s.replicas++
    if (isRunningAndReady(p)) s.readyReplicas++
    if (isRunningAndAvailable(p, minReady, nowMs)) s.availableReplicas++
    if (isTerminating(p)) continue
    if (podRevision(p) === rev.currentName) s.currentReplicas++
    if (podRevision(p) === rev.updateName) s.updatedReplicas++
  }
  return {observedGeneration: set.metadata.generation ?? 1, ...s, currentRevision: rev.currentName, updateRevision: rev.updateName, collisionCount: rev.collisionCount}
}

/**
 * Decides one sync of a set over the pods it owns: replicas [start, start+replicas) created (from the current revision
 * below the partition, else the update revision) and failed ones replaced; pods outside the range deleted from the
 * highest ordinal; then the highest pod of an old revision at or above the partition deleted so it comes back updated.
 * OrderedReady stops at the first pod that is not Running and Ready (and available) and acts on one pod at a time.
 */
export function planSync(set: StatefulSet, pods: Pod[], rev: PlanRevisions, nowMs: number): SyncPlan {
  const status = baseStatus(set, pods, rev, nowMs)
  const plan: SyncPlan = {replicas: [], condemned: [], update: [], status}
  const minReady = set.spec?.minReadySeconds ?? 0
  const monotonic = isMonotonic(set)
  const start = startOrdinal(set)
  const end = endOrdinal(set)
  const rolling = set.spec?.updateStrategy?.type !== 'OnDelete'
  const partition = partitionOf(set)
  const slots: (Pod | undefined)[] = Array.from({length: end - start})
  const condemned: Pod[] = []
  for (const p of pods) {
    const {ordinal} = parseOrdinal(p.metadata.name)
    if (ordinal < 0) continue
    if (ordinal >= start && ordinal < end) slots[ordinal - start] = p
    else condemned.push(p)
  }
  condemned.sort((a, b) => parseOrdinal(b.metadata.name).ordinal - parseOrdinal(a.metadata.name).ordinal)
  const firstUnhealthy = [...slots, ...condemned].find((p) => p && !isHealthy(p))
  if (set.metadata.deletionTimestamp) return plan

  const needsAvailability = (p: Pod) => minReady > 0 && isRunningAndReady(p) && !isRunningAndAvailable(p, minReady, nowMs)
  const waitForAvailability = () => (plan.requeueAfterMs = minReady * 1000)
  // Replicas, in ordinal order: in OrderedReady, any pod not yet healthy blocks everything after it.
  for (let i = 0; i < slots.length; i++) {
    const ordinal = start + i
    const pod = slots[i]
    if (!pod) {
      // Ordinals below the partition of a rolling update keep the current revision.
      const useCurrent = rolling && ordinal - start < partition
      const template = useCurrent ? rev.currentSet : rev.updateSet
      const created = newStatefulSetPod(set, template, useCurrent ? rev.currentName : rev.updateName, ordinal)
      plan.replicas.push({type: 'create', pod: created, ordinal})
      status.replicas!++
      if (podRevision(created) === rev.currentName) status.currentReplicas!++
      if (podRevision(created) === rev.updateName) status.updatedReplicas!++
      if (monotonic) return plan
      continue
    }
    if (isFailed(pod) || isSucceeded(pod)) {
      // The pod is replaced only once it is gone from the API, so the new one gets the same name.
      if (!isTerminating(pod)) {
        plan.replicas.push({type: 'delete', pod, why: isFailed(pod) ? 'failed' : 'succeeded'})
        status.replicas!--
        if (podRevision(pod) === rev.currentName) status.currentReplicas!--
        if (podRevision(pod) === rev.updateName) status.updatedReplicas!--
      }
      if (monotonic) return plan
      continue
    }
    if (isPending(pod) && !isTerminating(pod) && set.spec?.volumeClaimTemplates?.length) plan.replicas.push({type: 'claims', pod, ordinal})
    if (isTerminating(pod) || !isRunningAndReady(pod)) {
      if (monotonic) return plan
      continue
    }
    if (needsAvailability(pod)) {
      waitForAvailability()
      if (monotonic) return plan
    }
    if (!identityMatches(set, pod) || !storageMatches(set, pod) || needsRetentionCheck(set)) plan.replicas.push({type: 'fix', pod, ordinal})
  }

  // Scale down, highest ordinal first; OrderedReady waits for each to terminate, and for unhealthy pods to recover,
  // except that the first unhealthy pod itself may go.
  // Claims of pods about to be scaled away get their owner (the pod, for whenScaled Delete) before the pod goes.
  if (needsRetentionCheck(set)) for (const pod of condemned) plan.condemned.push({type: 'fix', pod, ordinal: parseOrdinal(pod.metadata.name).ordinal})
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan
      continue
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, nowMs))) {
      if (needsAvailability(pod)) waitForAvailability()
      return plan
    }
    plan.condemned.push({type: 'delete', pod, why: 'condemned'})
    if (monotonic) return plan
  }

  if (!rolling) return plan
  planRollingUpdate(plan, slots, partition, maxUnavailableOf(set), rev.updateName)
  return plan
}

/**
 * Deletes pods of old revisions from the highest ordinal down to the partition. Without maxUnavailable, one at a time:
 * the highest old pod goes once every pod above it is healthy. With maxUnavailable, as many of the highest old pods
 * as keep at most that many replicas unhealthy (Kubernetes' MaxUnavailableStatefulSet behaviour).
 */
function planRollingUpdate(plan: SyncPlan, slots: (Pod | undefined)[], partition: number, maxUnavailable: number | undefined, updateName: string): void {
  const outdated = (p: Pod) => podRevision(p) !== updateName && !isTerminating(p)
  const remove = (pod: Pod) => {
    plan.update.push({type: 'delete', pod, why: 'update'})
    plan.status.currentReplicas!--
  }
  if (maxUnavailable === undefined) {
    for (let i = slots.length - 1; i >= partition; i--) {
      const pod = slots[i]
      if (!pod) return
      if (outdated(pod)) return remove(pod)
      if (!isHealthy(pod)) return
    }
    return
  }
  const unhealthy = slots.filter((p) => !p || !isHealthy(p)).length
  let budget = maxUnavailable - unhealthy
  for (let i = slots.length - 1; i >= partition && budget > 0; i--) {
    const pod = slots[i]
    if (pod && outdated(pod)) {
      remove(pod)
      budget--
    }
  }
}

/** Whether claims need owner references checked each sync (any policy other than Retain/Retain). */
export function needsRetentionCheck(set: StatefulSet): boolean {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy
  return !!set.spec?.volumeClaimTemplates?.length && (p?.whenDeleted === 'Delete' || p?.whenScaled === 'Delete')
}
