// The two rollout strategies: RollingUpdate (surge the new ReplicaSet, drain the old within maxUnavailable) and Recreate.
import type {KubeObject} from '../../api/types.js'
import type {ReplicaSet} from '../../api/types/workloads.js'
import {isPodActive} from '../util/pods.js'
import type {DeploymentSync} from './sync.js'
import {activeReplicaSets, byCreation, deploymentComplete, desiredReplicas, maxUnavailable, newRSNewReplicas, specReplicas, statusCount} from './util.js'

/** One step of a rolling update: scale the new ReplicaSet up or the old ones down, never both in one sync. */
export async function rolloutRolling(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
  const {newRS, oldRSs} = await s.getAllReplicaSetsAndSyncRevision(rsList, true)
  const allRSs = [...oldRSs, newRS]
  if (await reconcileNewReplicaSet(s, allRSs, newRS)) return s.syncRolloutStatus(allRSs, newRS)
  if (await reconcileOldReplicaSets(s, allRSs, activeReplicaSets(oldRSs), newRS)) return s.syncRolloutStatus(allRSs, newRS)
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs)
  return s.syncRolloutStatus(allRSs, newRS)
}

/** Grows the new ReplicaSet as far as maxSurge allows (or shrinks it to spec.replicas); true when it changed. */
async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<boolean> {
  if (!newRS) return false
  const desired = desiredReplicas(s.d)
  const current = desiredReplicas(newRS)
  if (current === desired) return false
  if (current > desired) return (await s.scaleReplicaSet(newRS, desired)).scaled
  return (await s.scaleReplicaSet(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled
}

/**
 * Shrinks old ReplicaSets as far as maxUnavailable allows: first their unhealthy pods (which cost no availability),
 * then healthy ones, never going below spec.replicas - maxUnavailable available pods; true when something shrank.
 */
async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<boolean> {
  if (specReplicas(oldRSs) === 0) return false
  const allPods = specReplicas(allRSs)
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d)
  const newUnavailable = newRS ? desiredReplicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0
  const maxScaledDown = allPods - minAvailable - newUnavailable
  if (maxScaledDown <= 0) return false
  const {rss: cleaned, count: cleanedUp} = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown)
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...cleaned, newRS], cleaned)
  return cleanedUp + scaledDown > 0
}

async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{rss: ReplicaSet[]; count: number}> {
  const out: ReplicaSet[] = []
  let total = 0
  for (const rs of [...oldRSs].sort(byCreation)) {
    const size = desiredReplicas(rs)
    const healthy = rs.status?.availableReplicas ?? 0
    if (total >= maxCleanup || size === 0 || size === healthy) {
      out.push(rs)
      continue
    }
    const down = Math.min(maxCleanup - total, size - healthy)
    const {rs: updated} = await s.scaleReplicaSet(rs, size - down)
    total += down
    out.push(updated)
  }
  return {rss: out, count: total}
}

async function scaleDownOldForRollingUpdate(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = desiredReplicas(s.d) - maxUnavailable(s.d)
  const available = statusCount(allRSs, 'availableReplicas')
  if (available <= minAvailable) return 0
  const target = available - minAvailable
  let total = 0
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break
    const size = desiredReplicas(rs)
    if (size === 0) continue
    const down = Math.min(size, target - total)
    await s.scaleReplicaSet(rs, size - down)
    total += down
  }
  return total
}

/** Recreate: every old ReplicaSet to zero, wait until their pods are gone, then the new one at full size. */
export async function rolloutRecreate(s: DeploymentSync, rsList: ReplicaSet[], pods: KubeObject[]): Promise<void> {
  let {newRS, oldRSs} = await s.getAllReplicaSetsAndSyncRevision(rsList, false)
  let scaledDown = false
  for (const rs of activeReplicaSets(oldRSs)) if ((await s.scaleReplicaSet(rs, 0)).scaled) scaledDown = true
  if (scaledDown) return s.syncRolloutStatus([...oldRSs, newRS], newRS)
  if (oldPodsRunning(newRS, oldRSs, pods)) return s.syncRolloutStatus([...oldRSs, newRS], newRS)
  if (!newRS) ({newRS, oldRSs} = await s.getAllReplicaSetsAndSyncRevision(rsList, true))
  if (newRS) newRS = (await s.scaleReplicaSet(newRS, desiredReplicas(s.d))).rs
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs)
  return s.syncRolloutStatus([...oldRSs, newRS], newRS)
}

/** True while any pod of an old ReplicaSet may still run (Recreate must not overlap old and new pods). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], pods: KubeObject[]): boolean {
  if (statusCount(oldRSs, 'replicas') > 0) return true
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid))
  return pods.some((p) => {
    const owner = (p.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid
    if (owner === newRS?.metadata.uid || !oldUids.has(owner)) return false
    const phase = p.status?.phase
    return phase !== 'Succeeded' && phase !== 'Failed' && (isPodActive(p) || !!p.metadata.deletionTimestamp)
  })
}
