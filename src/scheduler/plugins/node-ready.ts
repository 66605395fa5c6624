// Filter: keeps pods off nodes whose Ready condition is not True, reporting it as the taint the node lifecycle controller would add.
import type {KubeObject} from '../../api/types.js'
import {type FilterPlugin, type NodeInfo, type Status, unschedulable} from '../framework.js'
import {TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, type Taint, tolerated, untoleratedTaintReason} from '../taints.js'

/**
 * The taint a node's readiness implies: not-ready when Ready is False or missing, unreachable when Unknown (the
 * agent stopped reporting); undefined when the node is Ready.
 */
export function readinessTaint(node: KubeObject): Taint | undefined {
  const ready = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')
  if (ready?.status === 'True') return undefined
  return {key: ready?.status === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY, effect: 'NoSchedule'}
}

/**
 * The NodeReady filter. Kubernetes itself relies on the node lifecycle controller tainting such nodes; checking the
 * condition directly closes the gap before the taint lands. A node already carrying the taint is left to
 * TaintToleration, so the reason is not reported twice.
 */
export class NodeReady implements FilterPlugin {
  readonly name = 'NodeReady'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    const taint = readinessTaint(nodeInfo.node)
    if (!taint) return undefined
    const taints: Taint[] = nodeInfo.node.spec?.taints ?? []
    if (taints.some((t) => t.key === taint.key)) return undefined
    if (tolerated(taint, pod.spec?.tolerations ?? [])) return undefined
    return unschedulable('UnschedulableAndUnresolvable', untoleratedTaintReason(taint))
  }
}
