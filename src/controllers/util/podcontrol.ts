// Creating and deleting a controller's pods: slow-start batches for creation, and the order in which pods are cheapest to delete.
import type {Pod} from '../../api/types/workloads.js'
import {isPodReady, restartCount} from './pods.js'

export {slowStartBatch} from './batch.js'

const phaseOrdinal: Record<string, number> = {Pending: 0, Unknown: 1, Running: 2}
const readySince = (p: Pod) => Date.parse((p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime ?? '') || 0
const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0

/**
 * Orders pods so the ones cheapest to lose come first (as controller.ActivePods): unscheduled before scheduled, pending
 * before unknown before running, not ready before ready, ready for less time first, more restarts first, newer first.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const assigned = (p: Pod) => (p.spec?.nodeName ? 1 : 0)
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b)
  const phase = (p: Pod) => phaseOrdinal[p.status?.phase ?? ''] ?? 0
  if (phase(a) !== phase(b)) return phase(a) - phase(b)
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0)
  if (ready(a) !== ready(b)) return ready(a) - ready(b)
  if (ready(a) && readySince(a) !== readySince(b)) return readySince(b) - readySince(a)
  if (restartCount(a) !== restartCount(b)) return restartCount(b) - restartCount(a)
  return created(b) - created(a)
}
