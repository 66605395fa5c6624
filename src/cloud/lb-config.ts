// What the cluster's load-balancer container should serve: one listener per LoadBalancer service port, pure and tested without Docker.
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'

/** One published port of the load balancer: host port → the service's node port on the nodes that serve it. */
export interface Listener {
  /** `namespace/name` of the service. */
  service: string
  /** The service port's name ('' when unnamed). */
  portName: string
  servicePort: number
  /** The node port, also the listener's port inside the container (node ports are unique in a cluster). */
  nodePort: number
  /** The host port asked for; 0 lets Docker pick a free one. */
  hostPort: number
  /** `nodeIP:nodePort` for every node traffic may go to. */
  backends: string[]
}

/**
 * Whether a container publishing `published` (node port -> host port) already serves these listeners' ports: the same
 * node ports, each on the host port asked for (0 takes whatever the engine gave). Backends do not matter: they
 * change in place.
 */
export function servesPorts(published: Map<number, number>, listeners: Listener[]): boolean {
  return published.size === listeners.length && listeners.every((l) => published.has(l.nodePort) && (l.hostPort === 0 || published.get(l.nodePort) === l.hostPort))
}

/** Whether the cloud controller owns a service's load balancer (a `loadBalancerClass` names someone else). */
export function isOurLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.metadata.deletionTimestamp && !(svc.spec as {loadBalancerClass?: string}).loadBalancerClass
}

interface NodeLike extends KubeObject {
  status?: {addresses?: {type: string; address: string}[]; conditions?: {type: string; status: string}[]}
  spec?: {unschedulable?: boolean}
}

/** A Ready node's InternalIP, or undefined. */
function readyAddress(node: NodeLike): string | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
  return ready ? node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address : undefined
}

/** Nodes with a ready endpoint of the service (for externalTrafficPolicy: Local, which only those nodes answer). */
function nodesWithEndpoints(svc: Service, slices: KubeObject[]): Set<string> {
  const names = new Set<string>()
  for (const s of slices) {
    if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue
    for (const e of (s.endpoints ?? []) as {nodeName?: string; conditions?: {ready?: boolean}}[]) if (e.nodeName && e.conditions?.ready !== false) names.add(e.nodeName)
  }
  return names
}

/**
 * The listeners for every LoadBalancer service, in node-port order. The host port is what the service had
 * (`current`, keyed by node port), else its own port unless an older service asked for that port first, else 0.
 */
export function desiredListeners(services: Service[], nodes: KubeObject[], slices: KubeObject[], current: Map<number, number>): Listener[] {
  const ready = (nodes as NodeLike[]).map((n) => ({name: n.metadata.name, ip: readyAddress(n)})).filter((n): n is {name: string; ip: string} => Boolean(n.ip))
  const lbs = services.filter(isOurLoadBalancer).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b)))
  const out: Listener[] = []
  const taken = new Set([...current.values()].filter((p) => p > 0))
  const pending: Listener[] = []
  for (const svc of lbs) {
    const local = svc.spec?.externalTrafficPolicy === 'Local' ? nodesWithEndpoints(svc, slices) : undefined
    const targets = ready.filter((n) => !local || local.has(n.name))
    for (const p of svc.spec?.ports ?? []) {
      if (!p.nodePort || (p.protocol ?? 'TCP') !== 'TCP') continue
      const l: Listener = {service: key(svc), portName: p.name ?? '', servicePort: p.port, nodePort: p.nodePort, hostPort: current.get(p.nodePort) ?? -1, backends: targets.map((n) => `${n.ip}:${p.nodePort}`)}
      out.push(l)
      if (l.hostPort < 0) pending.push(l)
    }
  }
  // New listeners, oldest service first: their own port when no listener holds it yet, else a free one.
  for (const l of pending) {
    l.hostPort = taken.has(l.servicePort) ? 0 : l.servicePort
    if (l.hostPort > 0) taken.add(l.hostPort)
  }
  return out.sort((a, b) => a.nodePort - b.nodePort)
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`
}

/** The status.loadBalancer a service gets from its listeners' host ports. */
export function loadBalancerStatus(svc: Service, listeners: Listener[], actual: Map<number, number>, address: string): {ingress?: unknown[]} {
  const mine = listeners.filter((l) => l.service === key(svc))
  const ports = mine.map((l) => ({port: actual.get(l.nodePort) ?? 0, protocol: 'TCP'})).filter((p) => p.port > 0)
  if (ports.length === 0) return {}
  // ipMode Proxy: the address is the host's, not one a node could take traffic for itself.
  return {ingress: [{ip: address, ipMode: 'Proxy', ports}]}
}
