// What runs inside a node container: etcd wait + apiserver + controllers + agent on a control plane, the agent on a worker.
import * as http from 'node:http'
import * as https from 'node:https'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {NodeAgent} from '../agent/agent.js'
import {startAgentServer, subjectAccessReviewAuthorizer, tokenReviewAuthenticator} from '../agent/server/index.js'
import {agentConfigFromEnv} from '../agent/config.js'
import type {RuntimeProbe} from '../agent/runtime-probe.js'
import {CriClient} from '../agent/cri/client.js'
import {CriStreamRuntime} from '../agent/server/cri-streams.js'
import {criAgentOptions, criLogRotator} from '../agent/pods/cri-runtime.js'
import {applyRoutes} from '../agent/routes.js'
import {clusterAccess, serviceAccountAdmission, ServiceAccountTokens, startApiServer} from '../apiserver/index.js'
import {ApiClient} from '../client/api-client.js'
import {type Clock, realClock} from '../api/clock.js'
import {poll} from '../api/poll.js'
import {clusterRanges, hostPublishing, NodeEnv, NodeFiles, NodePorts} from '../api/contract.js'
import {ControllerManager} from '../controllers/manager.js'
import {ServiceProxy} from '../proxy/proxy.js'
import {PolicyEnforcer} from '../proxy/netpol/index.js'
import {DnsServer} from '../dns/server.js'
import {CloudController, dockerLoadBalancer} from '../cloud/index.js'
import {IngressController} from '../ingress/index.js'
import {nodeResolvConf} from '../api/net/resolv.js'

import {startScheduler} from '../scheduler/index.js'
import {EtcdStore, loadEncryptionConfig, type Store} from '../store/index.js'
import {type Log, componentLogger, rssMiB} from './log.js'

/** A role of a node container. */
export type NodeRole = 'control-plane' | 'worker'

/**
 * The separately supervised processes of a node: the apiserver, the controller manager (with the scheduler, cloud and
 * Ingress controllers) and the node's own components (agent, proxy, NetworkPolicy, DNS). A crash of one restarts it
 * alone; the control plane runs all three, a worker only `node`.
 */
export type NodePart = 'apiserver' | 'controller-manager' | 'node'
export const NODE_PARTS: readonly NodePart[] = ['apiserver', 'controller-manager', 'node']

/** Knobs of runNode; the defaults are the node container's contract, tests override them. */
export interface RunNodeOptions {
  role: NodeRole
  /** Which parts this process runs (default: every part of the role, in one process, as tests run it). */
  parts?: readonly NodePart[]
  env?: NodeJS.ProcessEnv
  /** Directory holding ca.crt, apiserver.crt, node.crt, ... (NodeFiles.pkiDir). */
  pkiDir?: string
  etcdEndpoint?: string
  /** The EncryptionConfiguration file of the apiserver's store (NodeFiles.encryptionConfig). */
  encryptionConfig?: string
  apiServerPort?: number
  apiServerHost?: string
  /** The store of the apiserver (an EtcdStore on etcdEndpoint by default). */
  store?: Store
  runtime?: RuntimeProbe
  clock?: Clock
  logWriter?: (line: string) => void
  /** Poll interval while waiting for etcd. */
  pollMs?: number
  /** Agent heartbeat periods (tests shorten them). */
  agentTimings?: {leaseRenewMs?: number; statusUpdateMs?: number}
  /** Whether to run the service proxy; by default only in a real node (a test passing its own runtime probe runs in-process on a host whose iptables are not ours). */
  proxy?: boolean
  /** Whether to run the node's DNS server (port 53 on the node address); by default only in a real node. */
  dns?: boolean
  /** Whether to run the cloud controller (LoadBalancer services on the host); by default in a real control plane given the host engine. */
  cloud?: boolean
  /** Whether to run the Ingress controller (ports 80 and 443 of the control plane); by default in a real control plane. */
  ingress?: boolean
  /** Port of the agent's logs/exec server; null starts none (tests without a container runtime). */
  agentServerPort?: number | null
}

/** A running node's components; stop() shuts them down in reverse order. */
export interface RunningNode {
  /** Resolves when the agent has registered the node Ready. */
  ready: Promise<void>
  stop(): Promise<void>
}

/** Client credentials for etcd's mutual TLS (PEM). */
export interface EtcdTls {
  ca: string
  cert: string
  key: string
}

/** GETs url (over mutual TLS when given credentials) and resolves its status code. */
function httpStatus(url: string, tls?: EtcdTls): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const get = url.startsWith('https:') ? (u: string, cb: (res: http.IncomingMessage) => void) => https.get(u, {...tls, agent: false}, cb) : http.get
    const req = get(url, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.setTimeout(1000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** Polls url until it answers 200 (etcd's /health), every pollMs, until signal aborts. */
export async function waitForHttpOk(url: string, opts: {signal: AbortSignal; clock: Clock; pollMs: number; log: Log; tls?: EtcdTls}): Promise<void> {
  const check = async () => {
    const code = await httpStatus(url, opts.tls)
    if (code !== 200) throw new Error(`status ${code}`)
    return true
  }
  const reason = (err: any) => err?.code ?? err?.message ?? String(err)
  await poll(check, {what: url, intervalMs: opts.pollMs, clock: opts.clock, signal: opts.signal, onWaiting: (last) => opts.log(`still waiting for ${url} (${reason(last)})`)})
}

/** Starts the components of a node of the given role and returns once they are launched (not yet Ready). */
export async function runNode(opts: RunNodeOptions): Promise<RunningNode> {
  const env = opts.env ?? process.env
  const pki = opts.pkiDir ?? NodeFiles.pkiDir
  const clock = opts.clock ?? realClock
  const log = (component: string) => componentLogger(component, opts.logWriter)
  const main = log('node')
  const pem = (file: string) => readFileSync(join(pki, file), 'utf8')
  const ca = pem('ca.crt')
  const abort = new AbortController()
  const signal = abort.signal
  const closers: (() => Promise<void>)[] = []
  const tasks: Promise<unknown>[] = []
  const t0 = clock.now()

  let apiServerURL = env[NodeEnv.apiServer] ?? ''
  if (opts.role === 'control-plane') {
    // The control plane's own components talk to the local apiserver: no network hop, and it works before the
    // cluster network is fully set up.
    apiServerURL = `https://127.0.0.1:${opts.apiServerPort ?? NodePorts.apiServer}`
  }
  if (!apiServerURL) throw new Error(`environment variable ${NodeEnv.apiServer} is not set`)

  const parts = new Set<NodePart>(opts.role === 'control-plane' ? (opts.parts ?? NODE_PARTS) : ['node'])
  // The agent starts at once on every node: waiting for containerd overlaps the control plane's boot.
  const agentConfig = agentConfigFromEnv(env, opts.role)
  const nodePart = parts.has('node') ? await startNodePart() : undefined
  // Loops that wait for the node's registration (off its boot path) start at once in a process without the agent.
  const registered = () => nodePart?.agent.registered() ?? Promise.resolve()

  /** The node's own components: agent (pods, heartbeat, :10250), proxy, NetworkPolicy, DNS. */
  async function startNodePart() {
    const agentClient = new ApiClient({server: apiServerURL, ca, cert: pem('node.crt'), key: pem('node.key'), userAgent: `skiff-agent/${agentConfig.nodeName}`})
    const agentLog = log('agent')
    // Pods run in the node's containerd, through its CRI; a test passing its own probe runs no pods. One gRPC channel
    // serves the probe, the pod lifecycle and the streaming server.
    const criClient = opts.runtime ? undefined : new CriClient()
    const cri = criClient ? criAgentOptions(criClient, agentConfig.podCIDR) : undefined
    const agent = new NodeAgent({
      client: agentClient, config: agentConfig, runtime: opts.runtime ?? cri!.runtime, pods: cri?.pods, clock, log: agentLog, ...opts.agentTimings,
      // Routes are the node's own business; a test running in-process on a host must not touch the host's.
      ...(opts.runtime ? {} : {applyRoutes}),
    })
    tasks.push(agent.run(signal).catch((err) => agentLog(`stopped with error: ${err?.stack ?? err}`)))
    // The node-local network components (service proxy, NetworkPolicy, DNS) have their own identity, as kube-proxy
    // has: the Node authorizer keeps the agent's to what its pods need, and these read every Service and policy.
    let proxyClient: ApiClient | undefined
    const networkClient = () => (proxyClient ??= new ApiClient({server: apiServerURL, ca, cert: pem('proxy.crt'), key: pem('proxy.key'), userAgent: `skiff-proxy/${agentConfig.nodeName}`}))
    if (opts.proxy ?? !opts.runtime) {
      const proxy = new ServiceProxy({client: networkClient(), nodeName: agentConfig.nodeName, clusterCIDR: clusterRanges(env).podCIDR, clock, log: log('proxy')})
      tasks.push(proxy.run(signal).catch((err) => log('proxy')(`stopped with error: ${err?.stack ?? err}`)))
      // NetworkPolicy enforcement beside it, in the same filter table; traffic from the node itself always passes.
      const policies = new PolicyEnforcer({client: networkClient(), nodeName: agentConfig.nodeName, nodeIP: agentConfig.nodeIP, podCIDR: agentConfig.podCIDR, clock, log: log('netpol')})
      // Started once the node is registered: its watches would otherwise compete with the node's boot, and no pod
      // runs here before then.
      tasks.push(agent.registered().then(() => policies.run(signal)).catch((err) => log('netpol')(`stopped with error: ${err?.stack ?? err}`)))
    }
    // Cluster DNS on every node, on the node's address; pods reach it through the kube-dns Service.
    if (opts.dns ?? !opts.runtime) {
      const dnsLog = log('dns')
      const dns = new DnsServer({client: networkClient(), host: agentConfig.nodeIP, upstreams: nodeResolvConf().nameservers, nodeName: agentConfig.nodeName, nodeUID: () => agent.uid, clock, log: dnsLog})
      tasks.push(dns.run(signal).catch((err) => dnsLog(`stopped with error: ${err?.stack ?? err}`)))
    }
    const rotator = criClient ? criLogRotator(criClient, agentLog) : undefined
    rotator?.start()
    closers.push(async () => {
      await rotator?.stop()
      agentClient.close()
      proxyClient?.close()
      criClient?.close()
    })
    if (opts.agentServerPort !== null) {
      // Serves logs, exec and attach to the apiserver (it dials the node's InternalIP on the kubelet port).
      // Callers are checked with the apiserver, as the agent (its node rules allow token and access reviews).
      const agentServer = await startAgentServer({
        port: opts.agentServerPort ?? NodePorts.agent, tls: {cert: pem('node.crt'), key: pem('node.key'), ca}, nodeName: agentConfig.nodeName,
        runtime: new CriStreamRuntime(criClient ?? new CriClient()), log: log('agent-server'),
        authenticateToken: tokenReviewAuthenticator(agentClient, clock), authorize: subjectAccessReviewAuthorizer(agentClient, clock),
        pods: async () => (await agentClient.list({version: 'v1', resource: 'pods'}, {fieldSelector: `spec.nodeName=${agentConfig.nodeName}`})).items,
      })
      closers.push(() => agentServer.close())
    }
    return {agent}
  }

  if (parts.has('apiserver')) {
    const apiLog = log('apiserver')
    let store = opts.store
    if (!store) {
      // etcd serves mutual TLS only, to clients of its own CA; clusters made before that still serve plain HTTP.
      const tls = existsSync(join(pki, 'apiserver-etcd-client.crt'))
        ? {ca: pem('etcd/ca.crt'), cert: pem('apiserver-etcd-client.crt'), key: pem('apiserver-etcd-client.key')}
        : undefined
      const endpoint = opts.etcdEndpoint ?? `${tls ? 'https' : 'http'}://127.0.0.1:${NodePorts.etcdClient}`
      await waitForHttpOk(`${endpoint}/health`, {signal, clock, pollMs: opts.pollMs ?? 50, log: log('etcd'), tls})
      log('etcd')(`healthy after ${clock.now() - t0} ms`)
      const credentials = tls ? {credentials: {rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key)}} : {}
      // Secrets encrypted at rest under the cluster's EncryptionConfiguration (absent on clusters made before it).
      store = new EtcdStore({hosts: [endpoint], ...credentials}, loadEncryptionConfig(opts.encryptionConfig ?? NodeFiles.encryptionConfig))
    }
    // Node authorizer for agents, RBAC for everyone else: each component has its own least-privilege identity.
    const access = clusterAccess(store)
    const server = await startApiServer({
      store,
      authorizer: access.authorizer,
      // ServiceAccount admission first: later plugins see the pod with its token volume, as in Kubernetes' order.
      admission: [serviceAccountAdmission(), ...access.admission],
      port: opts.apiServerPort ?? NodePorts.apiServer,
      host: opts.apiServerHost ?? '0.0.0.0',
      tls: {cert: pem('apiserver.crt'), key: pem('apiserver.key'), ca},
      // Its client identity towards the agents (bound to system:kubelet-api-admin).
      agentClient: {cert: pem('apiserver-kubelet-client.crt'), key: pem('apiserver-kubelet-client.key')},
      serviceCIDR: clusterRanges(env).serviceCIDR,
      // The cluster CA key signs service-account tokens (ECDSA P-256: ES256), when the node has it.
      ...(existsSync(join(pki, 'ca.key')) ? {serviceAccountTokens: ServiceAccountTokens.fromPem(pem('ca.key'))} : {}),
      ...(agentConfig.nodeIP ? {advertise: {address: agentConfig.nodeIP, port: NodePorts.apiServer}} : {}),
    })
    apiLog(`listening on :${server.port} after ${clock.now() - t0} ms`)
    const storeToClose = store
    closers.push(async () => {
      await server.close()
      access.close()
      if (!opts.store) await storeToClose.close()
    })
  }

  if (parts.has('controller-manager')) {
    const cmClient = new ApiClient({server: apiServerURL, ca, cert: pem('controller.crt'), key: pem('controller.key'), userAgent: 'skiff-controller-manager'})
    const manager = new ControllerManager({client: cmClient, clock, env, log: log('controller-manager'), rootCA: ca})
    // The scheduler shares the manager's informers (one pod and one node watch for both); the manager starts them.
    // Its writes (bindings, pod conditions, events) go out under its own identity.
    const schedClient = new ApiClient({server: apiServerURL, ca, cert: pem('scheduler.crt'), key: pem('scheduler.key'), userAgent: 'skiff-scheduler'})
    const scheduler = await startScheduler(schedClient, {signal, log: log('scheduler'), informers: manager.informers, clock})
    tasks.push(manager.run(signal))
    const hostSide = hostPublishing(env)
    if ((opts.cloud ?? !opts.runtime) && hostSide.docker) {
      const cloudLog = log('cloud-controller')
      const socketUrl = hostSide.docker
      const host = () => dockerLoadBalancer({socketUrl, cluster: env[NodeEnv.cluster] ?? 'skiff', nodeName: agentConfig.nodeName, hostAddress: hostSide.address, log: cloudLog})
      const cloud = new CloudController({client: cmClient, host, address: hostSide.address, clock, log: cloudLog}).run(signal)
      tasks.push(cloud.catch((err) => cloudLog(`stopped with error: ${err?.stack ?? err}`)))
    }
    if (opts.ingress ?? !opts.runtime) {
      const ingressLog = log('ingress')
      const ingress = new IngressController({
        client: cmClient, clock, log: ingressLog, address: hostSide.address, hostPorts: hostSide.ingressPorts,
        httpPort: NodePorts.ingressHTTP, httpsPort: NodePorts.ingressHTTPS,
        // Names no Ingress TLS section covers get the control plane's own certificate, as a fallback.
        defaultCert: {cert: pem('apiserver.crt'), key: pem('apiserver.key')},
      })
      // Like the policies: after the node's registration, off the control plane's boot path.
      tasks.push(registered().then(() => ingress.run(signal)).catch((err) => ingressLog(`stopped with error: ${err?.stack ?? err}`)))
    }
    closers.push(async () => {
      await scheduler.stop()
      schedClient.close()
      cmClient.close()
    })
  }

  const what = parts.size === NODE_PARTS.length || opts.role === 'worker' ? `${opts.role} node` : `${[...parts].join('+')} of`
  const ready = registered().then(() => main(`${what} ${agentConfig.nodeName} ${nodePart ? 'Ready' : 'started'} after ${clock.now() - t0} ms, rss=${rssMiB()}MiB`))
  return {
    ready,
    async stop() {
      abort.abort()
      // Loops end first (their watches close), then servers and clients, newest first.
      await Promise.race([Promise.allSettled(tasks), clock.sleep(2000)])
      for (const close of closers.reverse()) await close().catch((err) => main(`shutdown: ${err?.message ?? err}`))
    },
  }
}
