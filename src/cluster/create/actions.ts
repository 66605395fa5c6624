// The steps of `cluster create`, each a small function over the shared context.
import {createServer} from 'node:net'
import {SkiffError} from '../../errors.js'
import {disableEnv, NodeEnv, NodeFiles, NodePorts} from '../../api/contract.js'
import {turnedOff} from '../../config/load.js'
import {buildKubeconfig, contextName, mergeKubeconfig} from '../kubeconfig.js'
import {networkName, pickSubnet, planCluster, type NodePlan} from '../plan.js'
import type {NodeRuntime} from '../provider.js'
import type {CreateContext} from './context.js'
import {mark} from './context.js'
import yaml from 'js-yaml'

// The X.509 library costs ~170 ms to load: it loads while preflight waits on the engine, not before the command starts.
let pkiModule: Promise<typeof import('../pki.js')> | undefined
const loadPKI = () => (pkiModule ??= import('../pki.js'))

/** Refuses before anything is made: engine unreachable, or a cluster/network of that name exists. */
export async function preflight(ctx: CreateContext): Promise<void> {
  void loadPKI().catch(() => undefined)
  const name = ctx.config.name
  // Asked at once; a missing engine is reported by ping's error, the one that says what to do.
  const [ping, cluster, networks] = await Promise.allSettled([ctx.provider.ping(), ctx.provider.getCluster(name), ctx.provider.networks()])
  if (ping.status === 'rejected') throw ping.reason
  if (cluster.status === 'rejected') throw cluster.reason
  if (networks.status === 'rejected') throw networks.reason
  const existing = cluster.value
  const {names, subnets} = networks.value
  if (existing || names.includes(networkName(name))) {
    throw new SkiffError(`cluster "${name}" already exists`, {
      exitCode: 4,
      suggestions: [`Delete it first with \`skiff cluster delete ${name}\`, or choose another name: \`skiff cluster create NAME\`.`],
    })
  }
  ctx.plan = planCluster(ctx.config, pickSubnet(subnets))
  const clash = await Promise.all(ctx.plan.nodes.map(async (n) => ((await ctx.provider.containerExists(n.name)) ? n.name : undefined)))
  const taken = clash.filter(Boolean)
  if (taken.length > 0) {
    throw new SkiffError(`container name(s) ${taken.join(', ')} already in use by containers skiff did not make`, {exitCode: 4, suggestions: ['Remove those containers or choose another cluster name.']})
  }
  const net = ctx.config.networking
  // Only the cloud controller drives the host engine; without it the control plane gets no handle on the host.
  // Looked up beside the port probes.
  const socket = ctx.config.components.loadBalancer ? ctx.provider.hostSocket() : undefined
  // One after another: two free-port probes at once could be handed the same just-released port.
  ctx.apiServerPort = net.apiServerPort || (await freePort(net.apiServerAddress))
  // Without the Ingress controller nothing listens on 80/443: they are neither reserved nor published.
  if (ctx.config.components.ingress) {
    ctx.ingressPorts = {
      http: await hostPort(net.apiServerAddress, net.ingressHTTPPort, NodePorts.ingressHTTP),
      https: await hostPort(net.apiServerAddress, net.ingressHTTPSPort, NodePorts.ingressHTTPS),
    }
  }
  if (socket) ctx.hostDockerSocket = await socket
}

/**
 * The host port for a published listener: the configured one, a free one for 0, and when unset the usual port
 * (80, 443) if nothing listens there now, else a free one (a second cluster, or a web server on the laptop).
 */
export async function hostPort(host: string, configured: number | undefined, usual: number): Promise<number> {
  if (configured !== undefined) return configured || freePort(host)
  return (await portIsFree(host, usual)) ? usual : freePort(host)
}

/** Whether a listener could bind host:port right now. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

/** Generates the cluster CA and every certificate (milliseconds with ECDSA). */
export async function generateCertificates(ctx: CreateContext): Promise<void> {
  const plan = ctx.plan!
  const {createClusterPKI} = await loadPKI()
  ctx.pki = await createClusterPKI({
    clusterName: plan.name,
    controlPlaneName: plan.controlPlane.name,
    controlPlaneIP: plan.controlPlane.ip,
    serviceIP: plan.apiServiceIP,
    nodeNames: plan.nodes.map((n) => n.name),
    nodeIPs: Object.fromEntries(plan.nodes.map((n) => [n.name, n.ip])),
  })
}

/**
 * Creates the cluster's own bridge network with a fixed subnet, so node addresses survive restarts.
 * Runs before certificates are signed for node addresses: another `cluster create` may take the
 * subnet between picking and creating it, and then the next free one is planned instead.
 */
export async function createNetwork(ctx: CreateContext): Promise<void> {
  const tried: string[] = []
  for (let attempt = 0; ; attempt++) {
    const {network} = ctx.plan!
    try {
      ctx.madeSomething = true
      await ctx.provider.createNetwork(network.name, network.subnet, network.gateway, ctx.config.name)
      return
    } catch (err) {
      if (!/overlaps/i.test(String((err as Error | undefined)?.message)) || attempt >= 20) throw err
      tried.push(network.subnet)
      const {subnets} = await ctx.provider.networks()
      ctx.plan = planCluster(ctx.config, pickSubnet([...subnets, ...tried]))
    }
  }
}

/** What one node container gets: its environment and files. */
export function nodeRuntime(ctx: CreateContext, node: NodePlan): NodeRuntime {
  const plan = ctx.plan!
  const pki = ctx.pki!
  const cp = plan.controlPlane
  const env: Record<string, string> = {
    [NodeEnv.role]: node.role,
    [NodeEnv.nodeName]: node.name,
    [NodeEnv.cluster]: plan.name,
    [NodeEnv.nodeIP]: node.ip,
    [NodeEnv.podCIDR]: node.podCIDR,
    [NodeEnv.clusterCIDR]: ctx.config.networking.podSubnet,
    [NodeEnv.serviceCIDR]: ctx.config.networking.serviceSubnet,
    [NodeEnv.peers]: plan.nodes.filter((n) => n.name !== node.name).map((n) => `${n.ip}=${n.podCIDR}`).join(' '),
    [NodeEnv.apiServer]: `https://${cp.ip}:${NodePorts.apiServer}`,
    [NodeEnv.nodeGracePeriod]: String(ctx.config.nodeGracePeriodSeconds),
    [NodeEnv.taintControlPlane]: String(plan.nodes.some((n) => n.role === 'worker')),
  }
  // Every node: DNS and NetworkPolicy run on each one, the rest on the control plane.
  const disabled = disableEnv(turnedOff(ctx.config))
  if (disabled) env[NodeEnv.disable] = disabled
  if (node.role === 'control-plane') {
    env[NodeEnv.hostAddress] = ctx.config.networking.apiServerAddress
    if (ctx.ingressPorts) Object.assign(env, {[NodeEnv.ingressHTTPPort]: String(ctx.ingressPorts.http), [NodeEnv.ingressHTTPSPort]: String(ctx.ingressPorts.https)})
    if (ctx.hostDockerSocket) env[NodeEnv.hostDocker] = `unix://${NodeFiles.hostDockerSocket}`
    // `docker exec NODE etcdctl ...` works as root in the node with the apiserver's etcd credentials.
    Object.assign(env, {ETCDCTL_ENDPOINTS: `https://127.0.0.1:${NodePorts.etcdClient}`, ETCDCTL_CACERT: NodeFiles.etcdCACert, ETCDCTL_CERT: NodeFiles.etcdClientCert, ETCDCTL_KEY: NodeFiles.etcdClientKey})
  }
  if (Object.keys(node.labels).length > 0) env[NodeEnv.nodeLabels] = JSON.stringify(node.labels)
  if (node.taints?.length) env[NodeEnv.nodeTaints] = JSON.stringify(node.taints)
  const files: Record<string, string> = {
    [NodeFiles.caCert]: pki.ca.cert,
    [NodeFiles.nodeCert]: pki.nodes[node.name].cert,
    [NodeFiles.nodeKey]: pki.nodes[node.name].key,
    [NodeFiles.proxyCert]: pki.proxy.cert,
    [NodeFiles.proxyKey]: pki.proxy.key,
  }
  if (node.role === 'control-plane') {
    Object.assign(files, {
      [NodeFiles.caKey]: pki.ca.key,
      [NodeFiles.apiServerCert]: pki.apiServer.cert,
      [NodeFiles.apiServerKey]: pki.apiServer.key,
      [NodeFiles.controllerCert]: pki.controller.cert,
      [NodeFiles.controllerKey]: pki.controller.key,
      [NodeFiles.schedulerCert]: pki.scheduler.cert,
      [NodeFiles.schedulerKey]: pki.scheduler.key,
      [NodeFiles.kubeletClientCert]: pki.kubeletClient.cert,
      [NodeFiles.kubeletClientKey]: pki.kubeletClient.key,
      [NodeFiles.encryptionConfig]: pki.encryptionConfig,
      [NodeFiles.etcdCACert]: pki.etcd.ca.cert,
      [NodeFiles.etcdServerCert]: pki.etcd.server.cert,
      [NodeFiles.etcdServerKey]: pki.etcd.server.key,
      [NodeFiles.etcdClientCert]: pki.etcd.apiServerClient.cert,
      [NodeFiles.etcdClientKey]: pki.etcd.apiServerClient.key,
      // Lets `skiff cluster kubeconfig` recover the credentials later.
      [NodeFiles.adminKubeconfig]: yaml.dump(buildKubeconfig(plan.name, `https://127.0.0.1:${NodePorts.apiServer}`, pki.ca.cert, pki.admin.cert, pki.admin.key)),
    })
  }
  return {
    cluster: plan.name,
    image: ctx.image!,
    network: plan.network.name,
    env,
    files,
    apiServerHostPort: node.role === 'control-plane' ? ctx.apiServerPort : undefined,
    apiServerHostAddress: ctx.config.networking.apiServerAddress,
    ...(node.role === 'control-plane' ? {ingressHostPorts: ctx.ingressPorts, hostDockerSocket: ctx.hostDockerSocket} : {}),
  }
}

/** Creates and starts one node container. */
export async function createNode(ctx: CreateContext, node: NodePlan): Promise<void> {
  ctx.madeSomething = true
  await ctx.provider.createNode(node, nodeRuntime(ctx, node), ctx.securityMode!)
}

/** The API address on the host and the admin credentials, as a kubeconfig entry. */
export function hostKubeconfig(ctx: CreateContext) {
  const pki = ctx.pki!
  return buildKubeconfig(ctx.config.name, `https://${ctx.config.networking.apiServerAddress}:${ctx.apiServerPort}`, pki.ca.cert, pki.admin.cert, pki.admin.key)
}

/** Merges the cluster's context into the user's kubeconfig. */
export async function writeKubeconfig(ctx: CreateContext): Promise<void> {
  await mergeKubeconfig(ctx.opts.kubeconfigPath, hostKubeconfig(ctx), ctx.opts.switchContext)
  mark(ctx, 'kubeconfig')
}

/** Returns the context name a created cluster is reached by. */
export function clusterContext(ctx: CreateContext): string {
  return contextName(ctx.config.name)
}

/** A TCP port nothing listens on right now, on the given host address. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, host, () => {
      const port = (srv.address() as {port: number}).port
      srv.close(() => resolve(port))
    })
  })
}
