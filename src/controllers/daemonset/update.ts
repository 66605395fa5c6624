// The DaemonSet rolling update as a plan on data: which old pods to delete and which nodes get a new pod, within maxUnavailable or maxSurge.
import type {DaemonSet} from '../../api/resources/apps/daemonset.js'
import type {Node} from '../../api/types/cluster.js'
import type {Pod} from '../../api/types/workloads.js'
import {isPodAvailable} from '../util/pods.js'
import {isPodUpdated, nodeShouldRunDaemonPod, templateGeneration, updateBudget} from './placement.js'

/** What one rolling-update step does: pod names to delete, node names to create a pod on. */
export interface RollingPlan {
  deletes: string[]
  creates: string[]
}

/** The one new and one old pod on a node, ignoring terminating ones; ok false when there are more (the manage loop prunes them). */
export function findUpdatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): {newPod?: Pod; oldPod?: Pod; ok: boolean} {
  let newPod: Pod | undefined
  let oldPod: Pod | undefined
  const generation = templateGeneration(ds)
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return {ok: false}
      newPod = pod
    } else {
      if (oldPod) return {ok: false}
      oldPod = pod
    }
  }
  return {newPod, oldPod, ok: true}
}

/**
 * One step of the rolling update (rollingUpdate in Kubernetes' daemon controller). Without surge, old pods are deleted
 * while fewer than maxUnavailable nodes lack an available pod (unavailable old pods always go) and the manage loop
 * creates their replacements. With surge, new pods start next to old available ones, at most maxSurge at a time, and
 * an old pod goes once the new one on its node is available. Terminating pods count as gone, so a down node cannot
 * stall the update.
 */
export function planRollingUpdate(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, nowMs: number): RollingPlan {
  const minReady = ds.spec?.minReadySeconds ?? 0
  const available = (p: Pod) => isPodAvailable(p, minReady, nowMs)
  const byName = new Map(nodes.map((n) => [n.metadata.name!, n]))
  // Every node that should run the pod is considered, with or without pods.
  const all = new Map<string, readonly Pod[]>(nodeToPods)
  let desired = 0
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue
    desired++
    if (!all.has(node.metadata.name!)) all.set(node.metadata.name!, [])
  }
  const {maxUnavailable, maxSurge} = updateBudget(ds, desired)
  const nodeNames = [...all.keys()].sort()

  if (maxSurge === 0) {
    let numUnavailable = 0
    const replacements: string[] = []
    const candidates: string[] = []
    for (const nodeName of nodeNames) {
      const {newPod, oldPod, ok} = findUpdatedPodsOnNode(ds, all.get(nodeName)!, hash)
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        // The manage loop creates or prunes here; the node counts as unavailable meanwhile.
        numUnavailable++
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++
      } else if (!available(oldPod!)) {
        // Replacing an old pod that is down costs no availability.
        replacements.push(oldPod!.metadata.name!)
        numUnavailable++
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod!.metadata.name!)
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length)
    return {deletes: [...replacements, ...candidates.slice(0, room)], creates: []}
  }

  const deletes: string[] = []
  const shouldNotRun: string[] = []
  const replacementNodes: string[] = []
  const candidateNodes: string[] = []
  let numSurge = 0
  let numAvailable = 0
  for (const nodeName of nodeNames) {
    const {newPod, oldPod, ok} = findUpdatedPodsOnNode(ds, all.get(nodeName)!, hash)
    if (!ok) {
      numSurge++
      continue
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++
    if (!oldPod) continue
    const node = byName.get(nodeName)
    const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false
    if (!newPod) {
      if (!available(oldPod)) {
        if (shouldRun) replacementNodes.push(nodeName)
        else deletes.push(oldPod.metadata.name!)
      } else if (!shouldRun) {
        shouldNotRun.push(oldPod.metadata.name!)
      } else if (numSurge < maxSurge) {
        candidateNodes.push(nodeName)
      }
      continue
    }
    if (!available(newPod)) numSurge++
    else deletes.push(oldPod.metadata.name!)
  }
  // Surge promises full availability: a pod on a node it no longer fits goes only once another node's pod is available.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length)
  deletes.push(...shouldNotRun.slice(0, deletable))
  const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length)
  return {deletes, creates: [...replacementNodes, ...candidateNodes.slice(0, room)]}
}
