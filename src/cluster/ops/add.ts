// `node add`: a new worker container joining a running cluster, made as `cluster create` makes one (certificates from the cluster's CA, a fixed address, its own pod range).
import {NodeEnv, NodeFiles} from '../../api/contract.js'
import {addressIn, rangeSize} from '../../api/net/cidr.js'
import type {Node} from '../../api/types/cluster.js'
import type {ApiClient} from '../../client/api-client.js'
import type {NodeTaint} from '../../config/types.js'
import {SkiffError} from '../../errors.js'
import {networkName, nodeName, podCIDRFor, type NodePlan} from '../plan.js'
import type {NodeRuntime} from '../provider.js'
import type {Engine, FoundCluster} from './access.js'

/** What to add. */
export interface AddRequest {
  cpus?: number
  memory?: number
  labels?: Record<string, string>
  taints?: NodeTaint[]
}

/** The environment a joining worker shares with the control plane (cluster-wide settings). */
const SHARED_ENV = [NodeEnv.cluster, NodeEnv.clusterCIDR, NodeEnv.serviceCIDR, NodeEnv.clusterDomain, NodeEnv.apiServer, NodeEnv.nodeGracePeriod, NodeEnv.disable] as const

/** The first worker name not used by a container or a Node: NAME-worker, NAME-worker2, ... */
export function nextWorkerName(cluster: string, used: Set<string>): string {
  for (let i = 0; ; i++) {
    const name = nodeName(cluster, 'worker', i)
    if (!used.has(name)) return name
  }
}

/** The first address of the subnet (from .2, after the gateway) that nothing holds. */
export function nextAddress(subnet: string, taken: string[]): string {
  const held = new Set(taken)
  for (let i = 2; i < rangeSize(subnet) - 1; i++) {
    const ip = addressIn(subnet, i)
    if (!held.has(ip)) return ip
  }
  throw new SkiffError(`no free address left on the cluster network ${subnet}`, {exitCode: 1, suggestions: ['Remove a node first (`skiff node remove NAME`).']})
}

/** The first /24 of the pod range that no Node holds. */
export function nextPodCIDR(podSubnet: string, nodes: Node[]): string {
  const held = new Set(nodes.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])))
  const count = rangeSize(podSubnet) / 256
  for (let i = 0; i < count; i++) {
    const cidr = podCIDRFor(podSubnet, i)
    if (!held.has(cidr)) return cidr
  }
  throw new SkiffError(`no free /24 left in the pod range ${podSubnet}`, {exitCode: 1})
}

/** The planned node, its runtime (environment, certificates) and the security mode, from the running cluster. */
export async function planJoin(engine: Engine, api: ApiClient, found: FoundCluster, req: AddRequest): Promise<{plan: NodePlan; runtime: NodeRuntime; privileged: boolean}> {
  const cp = found.controlPlane
  const [spec, nodes, net] = await Promise.all([
    engine.nodeSpec(cp.name),
    api.list<Node>({version: 'v1', resource: 'nodes'}).then((l) => l.items),
    engine.networkUse(networkName(found.info.name)),
  ])
  const used = new Set([...found.info.nodes.map((n) => n.name), ...nodes.map((n) => n.metadata.name!)])
  const name = nextWorkerName(found.info.name, used)
  if (await engine.containerExists(name)) throw new SkiffError(`a container named ${name} exists already`, {exitCode: 4})
  const ip = nextAddress(net.subnet, [...net.taken, ...found.info.nodes.map((n) => n.ip).filter((x): x is string => Boolean(x))])
  const podSubnet = spec.env[NodeEnv.clusterCIDR]
  if (!podSubnet) throw new SkiffError(`the control plane ${cp.name} does not say the cluster's pod range (${NodeEnv.clusterCIDR})`, {exitCode: 1})
  const podCIDR = nextPodCIDR(podSubnet, nodes)
  const plan: NodePlan = {
    name,
    role: 'worker',
    ip,
    podCIDR,
    labels: req.labels ?? {},
    ...(req.taints?.length ? {taints: req.taints} : {}),
    ...(req.cpus !== undefined ? {cpus: req.cpus} : {}),
    ...(req.memory !== undefined ? {memory: req.memory} : {}),
  }

  const [caCert, caKey, proxyCert, proxyKey, {loadCA, signNodeCert}] = await Promise.all([
    engine.readFile(cp.name, NodeFiles.caCert),
    engine.readFile(cp.name, NodeFiles.caKey),
    engine.readFile(cp.name, NodeFiles.proxyCert),
    engine.readFile(cp.name, NodeFiles.proxyKey),
    import('../pki.js'),
  ])
  const nodeCert = await signNodeCert(await loadCA(caCert, caKey), name, ip)

  const env: Record<string, string> = {}
  for (const k of SHARED_ENV) if (spec.env[k] !== undefined) env[k] = spec.env[k]
  Object.assign(env, {
    [NodeEnv.role]: 'worker',
    [NodeEnv.nodeName]: name,
    [NodeEnv.nodeIP]: ip,
    [NodeEnv.podCIDR]: podCIDR,
    // Routes at boot; the agent keeps them current from the Node objects afterwards (and adds this node's to the others).
    [NodeEnv.peers]: nodes
      .map((n) => ({ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, cidr: n.spec?.podCIDR}))
      .filter((p) => p.ip && p.cidr)
      .map((p) => `${p.ip}=${p.cidr}`)
      .join(' '),
    [NodeEnv.taintControlPlane]: 'true',
  })
  if (Object.keys(plan.labels).length > 0) env[NodeEnv.nodeLabels] = JSON.stringify(plan.labels)
  if (plan.taints?.length) env[NodeEnv.nodeTaints] = JSON.stringify(plan.taints)
  const runtime: NodeRuntime = {
    cluster: found.info.name,
    image: spec.image,
    network: networkName(found.info.name),
    env,
    files: {
      [NodeFiles.caCert]: caCert,
      [NodeFiles.nodeCert]: nodeCert.cert,
      [NodeFiles.nodeKey]: nodeCert.key,
      [NodeFiles.proxyCert]: proxyCert,
      [NodeFiles.proxyKey]: proxyKey,
    },
  }
  return {plan, runtime, privileged: spec.privileged}
}
