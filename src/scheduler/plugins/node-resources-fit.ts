// Filter: the pod's requests must fit in the node's allocatable minus what its pods already request (and a pod slot must be free).
import type {KubeObject} from '../../api/types.js'
import {type FilterPlugin, type NodeInfo, type Status, unschedulable} from '../framework.js'
import {podRequests} from '../resources.js'

/** The reason kube-scheduler reports when the node's pod slots are used up. */
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods'

// Resources k8s checks by name first, in this order; every other requested resource (extended resources,
// hugepages) follows in the order the pod lists it.
const FIRST = ['cpu', 'memory', 'ephemeral-storage']

/** The NodeResourcesFit filter. Every insufficient resource is a reason of its own ("Insufficient cpu", ...). */
export class NodeResourcesFit implements FilterPlugin {
  readonly name = 'NodeResourcesFit'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    const reasons: string[] = []
    if (nodeInfo.pods.length + 1 > (nodeInfo.allocatable.pods ?? 0)) reasons.push(ERR_REASON_TOO_MANY_PODS)
    const req = podRequests(pod)
    const names = [...FIRST, ...Object.keys(req).filter((r) => !FIRST.includes(r) && r !== 'pods')]
    for (const r of names) {
      const want = req[r] ?? 0
      // Pods without requests fit anywhere with a free slot, as in Kubernetes.
      if (want <= 0) continue
      const free = (nodeInfo.allocatable[r] ?? 0) - (nodeInfo.requested[r] ?? 0)
      if (want > free) reasons.push(`Insufficient ${r}`)
    }
    return reasons.length > 0 ? unschedulable('Unschedulable', ...reasons) : undefined
  }
}
