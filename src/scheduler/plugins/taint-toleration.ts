// Filter: rejects nodes with a NoSchedule/NoExecute taint the pod does not tolerate; score: prefers nodes with fewer untolerated PreferNoSchedule taints.
import type {KubeObject} from '../../api/types.js'
import {type CycleState, type FilterPlugin, MAX_NODE_SCORE, type NodeInfo, type ScorePlugin, type Status, unschedulable} from '../framework.js'
import {type Taint, firstUntoleratedTaint, tolerated, untoleratedTaintReason} from '../taints.js'

/** The TaintToleration filter and score. */
export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = 'TaintToleration'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    const taint = firstUntoleratedTaint(nodeInfo.node.spec?.taints ?? [], pod.spec?.tolerations ?? [], ['NoSchedule', 'NoExecute'])
    return taint ? unschedulable('UnschedulableAndUnresolvable', untoleratedTaintReason(taint)) : undefined
  }

  score(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number {
    // Only tolerations that can apply to PreferNoSchedule matter here (k8s filters them the same way).
    const tolerations = state.memo('TaintToleration/prefer', () =>
      (pod.spec?.tolerations ?? []).filter((t: any) => !t.effect || t.effect === 'PreferNoSchedule'),
    )
    const taints: Taint[] = nodeInfo.node.spec?.taints ?? []
    return taints.filter((t) => t.effect === 'PreferNoSchedule' && !tolerated(t, tolerations)).length
  }

  /** Fewer intolerable taints is better: the node with the most gets 0. */
  normalize(_pod: KubeObject, scores: number[]): void {
    const max = Math.max(0, ...scores)
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - Math.trunc((scores[i] * MAX_NODE_SCORE) / max)
  }
}
