// Plans a cluster's nodes: names, roles, fixed addresses and pod ranges, before anything is created.
import {addressIn, rangesOverlap, subnetAt} from '../api/net/cidr.js'
import type {ClusterConfig, NodeRole, NodeTaint, PortMapping} from '../config/types.js'

/** One node container to create. */
export interface NodePlan {
  name: string
  role: NodeRole
  /** Fixed address on the cluster's Docker network. */
  ip: string
  /** The node's /24 of the pod range. */
  podCIDR: string
  labels: Record<string, string>
  taints?: NodeTaint[]
  /** CPU limit in cores, memory limit in bytes (the node container's Docker limits). */
  cpus?: number
  memory?: number
  extraPortMappings?: PortMapping[]
}

/** The whole cluster to create. */
export interface ClusterPlan {
  name: string
  network: {name: string; subnet: string; gateway: string}
  nodes: NodePlan[]
  controlPlane: NodePlan
  /** First address of the service range: the `kubernetes` Service. */
  apiServiceIP: string
}

/** Docker network name of a cluster. */
export function networkName(cluster: string): string {
  return `skiff-${cluster}`
}

/** Kind-style node names: NAME-control-plane, NAME-worker, NAME-worker2, ... */
export function nodeName(cluster: string, role: NodeRole, index: number): string {
  return `${cluster}-${role}${index === 0 ? '' : index + 1}`
}

/** The i-th /24 inside a /16 (or larger) pod range. */
export function podCIDRFor(podSubnet: string, index: number): string {
  return subnetAt(podSubnet, 24, index)
}

/** Turns a config and the chosen network subnet into the list of nodes to create. */
export function planCluster(config: ClusterConfig, subnet: string): ClusterPlan {
  const counters: Record<NodeRole, number> = {'control-plane': 0, worker: 0}
  // Control planes first so the apiserver gets the lowest address and pod range 0, like kind.
  const ordered = [...config.nodes].sort((a, b) => (a.role === b.role ? 0 : a.role === 'control-plane' ? -1 : 1))
  const nodes = ordered.map((n, i) => ({
    name: nodeName(config.name, n.role, counters[n.role]++),
    role: n.role,
    ip: addressIn(subnet, i + 2),
    podCIDR: podCIDRFor(config.networking.podSubnet, i),
    labels: n.labels ?? {},
    ...(n.taints ? {taints: n.taints} : {}),
    ...(n.cpus !== undefined ? {cpus: n.cpus} : {}),
    ...(n.memory !== undefined ? {memory: n.memory} : {}),
    ...(n.extraPortMappings ? {extraPortMappings: n.extraPortMappings} : {}),
  }))
  return {
    name: config.name,
    network: {name: networkName(config.name), subnet, gateway: addressIn(subnet, 1)},
    nodes,
    controlPlane: nodes[0],
    apiServiceIP: addressIn(config.networking.serviceSubnet, 1),
  }
}

/** Picks a /24 for the cluster network that no existing Docker network uses. */
export function pickSubnet(inUse: string[]): string {
  // 172.30-31.x.0/24: outside Docker's default pools (172.17-28) and the pod/service ranges.
  for (let i = 0; i < 512; i++) {
    const candidate = subnetAt('172.30.0.0/15', 24, i)
    if (!inUse.some((c) => rangesOverlap(candidate, c))) return candidate
  }
  throw new Error('no free /24 left in 172.30.0.0/15 for a cluster network; delete unused Docker networks')
}
