// Plans a cluster's nodes: names, roles, fixed addresses and pod ranges, before anything is created.
import type {ClusterConfig, NodeRole} from '../config/types.js'

/** One node container to create. */
export interface NodePlan {
  name: string
  role: NodeRole
  /** Fixed address on the cluster's Docker network. */
  ip: string
  /** The node's /24 of the pod range. */
  podCIDR: string
  labels: Record<string, string>
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

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
}

function parseIPv4(s: string): number {
  return s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0)
}

/** Address `offset` within `cidr` (offset 1 is the gateway). */
export function addressIn(cidr: string, offset: number): string {
  const [base, bits] = cidr.split('/')
  const size = 2 ** (32 - Number(bits))
  if (offset <= 0 || offset >= size - 1) throw new Error(`${cidr} has no host address at offset ${offset}`)
  return ipv4(((parseIPv4(base) >>> 0) & ~(size - 1)) + offset)
}

/** The i-th /24 inside a /16 (or larger) pod range. */
export function podCIDRFor(podSubnet: string, index: number): string {
  const base = parseIPv4(podSubnet.split('/')[0])
  return `${ipv4(((base >>> 0) & 0xffff0000) + (index << 8))}/24`
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
  const taken = new Set(inUse.map((c) => c.split('/')[0].split('.').slice(0, 3).join('.')))
  // 172.30-31.x.0/24: outside Docker's default pools (172.17-28) and the pod/service ranges.
  for (let second = 30; second <= 31; second++) {
    for (let third = 0; third < 256; third++) {
      const prefix = `172.${second}.${third}`
      if (!overlapsAny(`${prefix}.0/24`, inUse) && !taken.has(prefix)) return `${prefix}.0/24`
    }
  }
  throw new Error('no free /24 left in 172.30.0.0/15 for a cluster network; delete unused Docker networks')
}

function overlapsAny(cidr: string, others: string[]): boolean {
  const range = (c: string): [number, number] => {
    const [b, bits] = c.split('/')
    const size = 2 ** (32 - Number(bits))
    const start = Math.floor(parseIPv4(b) / size) * size
    return [start, start + size - 1]
  }
  const [a0, a1] = range(cidr)
  return others.filter((o) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(o)).some((o) => {
    const [b0, b1] = range(o)
    return a0 <= b1 && b0 <= a1
  })
}
