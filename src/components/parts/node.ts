// The node part of a node: agent (pods, heartbeat, :10250), service proxy, NetworkPolicy and DNS.
import {NodeAgent} from '../../agent/agent.js'
import {startAgentServer, subjectAccessReviewAuthorizer, tokenReviewAuthenticator} from '../../agent/server/index.js'
import {CriClient} from '../../agent/cri/client.js'
import {CriStreamRuntime} from '../../agent/server/cri-streams.js'
import {criAgentOptions, criLogRotator} from '../../agent/pods/cri-runtime.js'
import {applyRoutes} from '../../agent/routes.js'
import {ApiClient} from '../../client/api-client.js'
import {InformerFactory} from '../../client/informer-factory.js'
import {clusterRanges, disabledComponents, NodePorts} from '../../api/contract.js'
import {nodeResolvConf} from '../../api/net/resolv.js'
import {ServiceProxy} from '../../proxy/proxy.js'
import {PolicyEnforcer} from '../../proxy/netpol/index.js'
import {DnsServer} from '../../dns/server.js'
import type {PartContext} from '../run.js'

export async function startNodePart(ctx: PartContext): Promise<{agent: NodeAgent}> {
  const {opts, pem, ca, clock, log, signal, tasks, closers, apiServerURL, agentConfig, env} = ctx
  const agentClient = new ApiClient({server: apiServerURL, ca, cert: pem('node.crt'), key: pem('node.key'), userAgent: `skiff-agent/${agentConfig.nodeName}`, http2: true})
  const agentLog = log('agent')
  const disabled = disabledComponents(env)
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
  const networkClient = () => (proxyClient ??= new ApiClient({server: apiServerURL, ca, cert: pem('proxy.crt'), key: pem('proxy.key'), userAgent: `skiff-proxy/${agentConfig.nodeName}`, http2: true}))
  // The proxy and DNS both follow every Service and EndpointSlice: one watch of each, shared (fewer connections
  // held at the apiserver, each ~80 KiB there, and fewer lists while a cluster boots).
  let networkInformers: InformerFactory | undefined
  const sharedInformers = () => (networkInformers ??= new InformerFactory(networkClient(), {clock, log: log('informers')}))
  if (opts.proxy ?? !opts.runtime) {
    const proxy = new ServiceProxy({client: networkClient(), informers: sharedInformers(), nodeName: agentConfig.nodeName, clusterCIDR: clusterRanges(env).podCIDR, clock, log: log('proxy')})
    tasks.push(proxy.run(signal).catch((err) => log('proxy')(`stopped with error: ${err?.stack ?? err}`)))
    // NetworkPolicy enforcement beside it, in the same filter table (unless the cluster config turns it off);
    // traffic from the node itself always passes.
    const policies = disabled.has('networkPolicy') ? undefined : new PolicyEnforcer({client: networkClient(), nodeName: agentConfig.nodeName, nodeIP: agentConfig.nodeIP, podCIDR: agentConfig.podCIDR, clock, log: log('netpol')})
    // Started once the node is registered: its watches would otherwise compete with the node's boot, and no pod
    // runs here before then.
    if (policies) tasks.push(agent.registered().then(() => policies.run(signal)).catch((err) => log('netpol')(`stopped with error: ${err?.stack ?? err}`)))
  }
  // Cluster DNS on every node, on the node's address; pods reach it through the kube-dns Service. Turned off in the
  // cluster config, port 53 stays free and pods still get the kube-dns address: the user's own DNS serves it.
  if ((opts.dns ?? !opts.runtime) && !disabled.has('dns')) {
    const dnsLog = log('dns')
    const dns = new DnsServer({client: networkClient(), informers: sharedInformers(), host: agentConfig.nodeIP, upstreams: nodeResolvConf().nameservers, nodeName: agentConfig.nodeName, nodeUID: () => agent.uid, clock, log: dnsLog})
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
