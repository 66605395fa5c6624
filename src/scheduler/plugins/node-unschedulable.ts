// Filter: rejects cordoned nodes (spec.unschedulable) unless the pod tolerates the unschedulable taint.
import type {KubeObject} from '../../api/types.js'
import {type FilterPlugin, type NodeInfo, type Status, unschedulable} from '../framework.js'
import {TAINT_NODE_UNSCHEDULABLE, tolerated} from '../taints.js'

/** The reason kube-scheduler reports for a cordoned node. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable'

/** The NodeUnschedulable filter. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = 'NodeUnschedulable'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    if (!nodeInfo.node.spec?.unschedulable) return undefined
    // DaemonSet pods carry this toleration so that they still land on cordoned nodes.
    if (tolerated({key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule'}, pod.spec?.tolerations ?? [])) return undefined
    return unschedulable('UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE)
  }
}
