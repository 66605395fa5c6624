// TaintNodesByCondition: the NoSchedule taints a node's pressure and network conditions ask for, so the scheduler keeps new pods off it.
import type {Node, Taint} from '../../api/types/cluster.js'

/** The condition (and status) each taint stands for, as Kubernetes' node lifecycle controller maps them. */
export const CONDITION_TAINTS: readonly {type: string; status: string; key: string}[] = [
  {type: 'MemoryPressure', status: 'True', key: 'node.kubernetes.io/memory-pressure'},
  {type: 'DiskPressure', status: 'True', key: 'node.kubernetes.io/disk-pressure'},
  {type: 'PIDPressure', status: 'True', key: 'node.kubernetes.io/pid-pressure'},
  {type: 'NetworkUnavailable', status: 'True', key: 'node.kubernetes.io/network-unavailable'},
]

const kubeTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * The node's taints with a NoSchedule taint for each condition that asks for one and none for those that do not (a
 * condition that is False, Unknown or missing clears its taint); other taints stay as they are. Undefined when they
 * already are right.
 */
export function withConditionTaints(node: Node, nowMs: number): Taint[] | undefined {
  const taints = node.spec?.taints ?? []
  const conditions = node.status?.conditions ?? []
  const wanted = new Set(CONDITION_TAINTS.filter((m) => conditions.some((c) => c.type === m.type && c.status === m.status)).map((m) => m.key))
  const managed = (t: Taint) => t.effect === 'NoSchedule' && CONDITION_TAINTS.some((m) => m.key === t.key)
  const kept = taints.filter((t) => !managed(t) || wanted.has(t.key))
  const added = [...wanted].filter((key) => !kept.some((t) => managed(t) && t.key === key)).map((key) => ({key, effect: 'NoSchedule', timeAdded: kubeTime(nowMs)}))
  if (added.length === 0 && kept.length === taints.length) return undefined
  return [...kept, ...added]
}
