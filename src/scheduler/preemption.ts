// Explains what preemption could do for an unschedulable pod, producing kube-scheduler's "preemption: ..." message.
import type {KubeObject} from '../api/types.js'
import {CycleState, NodeInfo, type Profile, type Status, formatFitError, runFilters} from './framework.js'

const NOT_HELPFUL = 'Preemption is not helpful for scheduling'
const NO_VICTIMS = 'No preemption victims found for incoming pod'
// skiff does not evict pods to make room; say so rather than pretend there were no victims.
const NOT_SUPPORTED = 'Preemption is not supported by skiff'

function priority(pod: KubeObject): number {
  return Number(pod.spec?.priority ?? 0)
}

/**
 * Returns the message kube-scheduler's DefaultPreemption plugin reports when it finds nothing to preempt:
 * nodes rejected for unresolvable reasons are "not helpful"; on the others, pods of lower priority are the only
 * possible victims, and if removing them all still does not make room, the remaining filter reasons are reported.
 */
export function preemptionMessage(pod: KubeObject, nodeInfos: readonly NodeInfo[], statuses: ReadonlyMap<string, Status>, profile: Profile): string {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.'
  const results: Status[] = []
  const state = new CycleState()
  for (const ni of nodeInfos) {
    const s = statuses.get(ni.name)
    if (!s || s.code === 'UnschedulableAndUnresolvable') {
      results.push({code: 'UnschedulableAndUnresolvable', reasons: [NOT_HELPFUL]})
      continue
    }
    const keep = ni.pods.filter((p) => priority(p) >= priority(pod))
    if (keep.length === ni.pods.length) {
      results.push({code: 'UnschedulableAndUnresolvable', reasons: [NO_VICTIMS]})
      continue
    }
    const without = runFilters(pod, new NodeInfo(ni.node, keep), profile, state)
    results.push(without ?? {code: 'Unschedulable', reasons: [NOT_SUPPORTED]})
  }
  return `preemption: ${formatFitError(nodeInfos.length, results)}`
}
