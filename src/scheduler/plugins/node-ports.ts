// Filter: rejects nodes where a host port the pod asks for is already taken.
import type {KubeObject} from '../../api/types.js'
import {type CycleState, type FilterPlugin, type HostPort, type NodeInfo, type Status, podHostPorts, unschedulable} from '../framework.js'

/** The reason kube-scheduler reports for a host port conflict. */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"

const WILDCARD = '0.0.0.0'

/** True when two host ports collide: same protocol and port, and the same IP or either one on all addresses. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false
  return a.ip === b.ip || a.ip === WILDCARD || b.ip === WILDCARD
}

/** The NodePorts filter. */
export class NodePorts implements FilterPlugin {
  readonly name = 'NodePorts'

  filter(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): Status | undefined {
    const wanted = state.memo('NodePorts/wanted', () => podHostPorts(pod))
    if (wanted.length === 0) return undefined
    const clash = wanted.some((w) => nodeInfo.usedPorts.some((u) => portsConflict(w, u)))
    return clash ? unschedulable('Unschedulable', ERR_REASON_NODE_PORTS) : undefined
  }
}
