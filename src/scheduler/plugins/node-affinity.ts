// Filter: nodeSelector and required node affinity; score: sum of the weights of matching preferred terms.
import type {KubeObject} from '../../api/types.js'
import {type FilterPlugin, MAX_NODE_SCORE, type NodeInfo, type ScorePlugin, type Status, unschedulable} from '../framework.js'
import {matchesTerm, podMatchesNodeSelectorAndAffinity} from '../node-selector.js'

/** The reason kube-scheduler reports for a node that fails the pod's selector or affinity. */
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"

/** The NodeAffinity filter and score. */
export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = 'NodeAffinity'

  filter(pod: KubeObject, nodeInfo: NodeInfo): Status | undefined {
    if (podMatchesNodeSelectorAndAffinity(pod, nodeInfo.node)) return undefined
    return unschedulable('UnschedulableAndUnresolvable', ERR_REASON_NODE_AFFINITY)
  }

  score(pod: KubeObject, nodeInfo: NodeInfo): number {
    const preferred: any[] = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    let sum = 0
    for (const p of preferred) if (p?.weight && p.preference && matchesTerm(nodeInfo.node, p.preference)) sum += Number(p.weight)
    return sum
  }

  /** Scales so the best node gets MAX_NODE_SCORE. */
  normalize(_pod: KubeObject, scores: number[]): void {
    const max = Math.max(0, ...scores)
    if (max === 0) return
    for (let i = 0; i < scores.length; i++) scores[i] = Math.trunc((scores[i] * MAX_NODE_SCORE) / max)
  }
}
