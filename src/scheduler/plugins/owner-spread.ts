// Score: spreads pods of the same controller (ReplicaSet, StatefulSet, Job, ...) across nodes.
import type {KubeObject} from '../../api/types.js'
import {type CycleState, MAX_NODE_SCORE, type NodeInfo, type ScorePlugin} from '../framework.js'

/** The uid of pod's controlling owner, if it has one. */
export function controllerUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.controller)?.uid
}

/**
 * The OwnerSpread score: fewer pods of the same owner on a node is better. It stands in for Kubernetes' default
 * PodTopologySpread constraint on kubernetes.io/hostname (whose selector comes from the pod's owner), with the
 * same normalization: score = MAX * (max + min - count) / max.
 */
export class OwnerSpread implements ScorePlugin {
  readonly name = 'OwnerSpread'

  score(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number {
    const uid = state.memo('OwnerSpread/uid', () => controllerUid(pod))
    if (!uid) return 0
    let n = 0
    for (const p of nodeInfo.pods) {
      if (p.metadata.namespace === pod.metadata.namespace && controllerUid(p) === uid) n++
    }
    return n
  }

  normalize(_pod: KubeObject, scores: number[]): void {
    let min = Infinity
    let max = 0
    for (const s of scores) {
      min = Math.min(min, s)
      max = Math.max(max, s)
    }
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max)
  }
}
