// Pod facts controllers share: activeness, readiness, availability after minReadySeconds, and the controller reference.
import type {KubeObject, OwnerReference} from '../../api/types.js'
import type {Condition, Pod} from '../../api/types/workloads.js'

/** The owner reference marked controller:true, if any. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true)
}

/** Active pods count towards replicas: not finished and not being deleted (as controller.FilterActivePods). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp
}

function readyCondition(pod: Pod): Condition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready')
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True'
}

/** True when the pod has been ready for at least minReadySeconds at nowMs (as podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod)
  if (c?.status !== 'True') return false
  if (!minReadySeconds) return true
  const since = Date.parse(c.lastTransitionTime ?? '')
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs
}

/** Sum of the restart counts of a pod's containers. */
export function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0)
}

/** metav1.Time: RFC 3339 with second precision. */
export const kubeTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
