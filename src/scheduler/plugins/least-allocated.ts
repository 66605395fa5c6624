// Score: prefers nodes with the most cpu and memory left after placing the pod (k8s NodeResourcesFit LeastAllocated).
import type {KubeObject} from '../../api/types.js'
import {type CycleState, MAX_NODE_SCORE, type NodeInfo, type ScorePlugin} from '../framework.js'
import {podNonZeroRequests} from '../resources.js'

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity)
}

/**
 * The LeastAllocated score, cpu and memory weighted equally. It counts requests with the non-zero defaults
 * (100m, 200Mi per container without requests), so that pods without requests still spread out.
 */
export class LeastAllocated implements ScorePlugin {
  readonly name = 'LeastAllocated'

  score(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number {
    const podReq = state.memo('LeastAllocated/pod', () => podNonZeroRequests(pod))
    let sum = 0
    let weights = 0
    for (const r of ['cpu', 'memory'] as const) {
      const alloc = nodeInfo.allocatable[r] ?? 0
      // A node that does not report the resource is not judged on it.
      if (alloc === 0) continue
      sum += leastRequestedScore(nodeInfo.nonZeroRequested[r] + podReq[r], alloc)
      weights++
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights)
  }
}
