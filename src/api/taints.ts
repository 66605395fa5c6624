// Taint and toleration matching with Kubernetes semantics, shared by the scheduler's filters and the DaemonSet controller.
import type {Toleration} from './types/workloads.js'

/** A node taint. */
export interface Taint {
  key: string
  value?: string
  effect: string
}

/** A pod toleration (the API type). */
export type {Toleration}

/** True when toleration tolerates taint: empty effect/key match any, Exists ignores the value, Equal compares it. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false
  if (t.key && t.key !== taint.key) return false
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '')
    case 'Exists':
      return true
    default:
      return false
  }
}

/** True when any of tolerations tolerates taint. */
export function tolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint))
}

/** The first taint with one of effects that no toleration tolerates, if any. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerated(taint, tolerations))
}

/** The message kube-scheduler gives for a node rejected because of taint. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`
}

/** Well-known taint keys (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready'
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable'
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable'
