// DaemonSet status from the nodes and the daemon pods on them, and the pod order Kubernetes uses to pick a node's pod.
import type {DaemonSet, DaemonSetStatus} from '../../api/resources/apps/daemonset.js'
import type {Node} from '../../api/types/cluster.js'
import type {Pod} from '../../api/types/workloads.js'
import {isPodAvailable, isPodReady} from '../util/pods.js'
import {isPodUpdated, nodeShouldRunDaemonPod, templateGeneration} from './placement.js'

const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0

/** Scheduled pods first, then oldest first, ties by name (podByCreationTimestampAndPhase): the first is the node's pod. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const scheduled = (p: Pod) => (p.spec?.nodeName ? 0 : 1)
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b)
  if (created(a) !== created(b)) return created(a) - created(b)
  return String(a.metadata.name).localeCompare(String(b.metadata.name))
}

/**
 * The counts of updateDaemonSetStatus: per node that should run the pod, whether it has one, whether the oldest is
 * ready, available and updated; pods on nodes that should not run it are misscheduled. observedGeneration moves only
 * when the sync acted on this generation (observe); collisionCount and conditions are carried over. The four counts
 * Kubernetes always serializes are always present, the others only when non-zero (omitempty).
 */
export function calculateStatus(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, nowMs: number, observe: boolean, collisionCount?: number): DaemonSetStatus {
  let desired = 0
  let current = 0
  let misscheduled = 0
  let ready = 0
  let updated = 0
  let available = 0
  const minReady = ds.spec?.minReadySeconds ?? 0
  const generation = templateGeneration(ds)
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata.name!) ?? []
    const scheduled = pods.length > 0
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) misscheduled++
      continue
    }
    desired++
    if (!scheduled) continue
    current++
    const pod = [...pods].sort(compareDaemonPods)[0]
    if (isPodReady(pod)) {
      ready++
      if (isPodAvailable(pod, minReady, nowMs)) available++
    }
    if (isPodUpdated(pod, hash, generation)) updated++
  }
  const old = ds.status ?? {}
  const status: DaemonSetStatus = {currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready}
  const observed = observe ? (ds.metadata.generation ?? 1) : old.observedGeneration
  if (observed) status.observedGeneration = observed
  if (updated) status.updatedNumberScheduled = updated
  if (available) status.numberAvailable = available
  if (desired - available) status.numberUnavailable = desired - available
  const collisions = collisionCount ?? old.collisionCount
  if (collisions) status.collisionCount = collisions
  if (old.conditions?.length) status.conditions = old.conditions
  return status
}
