// Filter: a pod that names a node (spec.nodeName) fits only that node.
import type {KubeObject} from '../../api/types.js'
import {type FilterPlugin, type NodeInfo, type Status, unschedulable} from '../framework.js'

/** The reason kube-scheduler reports for a node other than the requested one. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name"

/** The NodeName filter. */
export class NodeName implements FilterPlugin {
  readonly name = 'NodeName'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    const wanted = pod.spec?.nodeName
    if (!wanted || wanted === nodeInfo.name) return undefined
    return unschedulable('UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME)
  }
}
