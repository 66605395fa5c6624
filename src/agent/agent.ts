// The node agent (kubelet equivalent), registration part: wait for the container runtime, register the Node, renew its Lease, keep Ready.
import type {KubeObject} from '../api/types.js'
import type {ApiClient} from '../client/api-client.js'
import {type Clock, realClock} from '../api/clock.js'
import {poll} from '../api/poll.js'
import {isAlreadyExists, isConflict, isNotFound} from '../client/errors.js'
import {Informer} from '../client/informer.js'
import {type ResourceRef, resourcePath} from '../client/paths.js'
import {type ResourceList, readCapacity} from './capacity.js'
import type {AgentConfig} from './config.js'
import {errorText} from './errors.js'
import {retryWhileBooting} from './boot-retry.js'
import {nodeResolvConf} from '../api/net/resolv.js'
import {readHostInfo} from './host-info.js'
import {syncPodRoutes} from './routes.js'
import {agentHealth, type NodeHealth} from './health.js'
import type {Observations} from './eviction.js'
import {type PodClient, PodManager, type PodManagerOptions} from './pods/pod-manager.js'
import type {ContainerRuntime} from './pods/runtime.js'
import type {RuntimeProbe} from './runtime-probe.js'
import {runVolumeCleaner, type VolumeCleanerClient} from './local-volumes.js'
import {LEASE_DURATION_SECONDS, NODE_LEASE_NAMESPACE, type NodeFacts, buildLease, buildNode, buildNodeStatus, goArch, mergeNodeOnRegister, needsReadyRestore} from './node-object.js'

/** The API calls the agent makes. */
export type AgentClient = Pick<ApiClient, 'get' | 'create' | 'update' | 'list' | 'watch'>

/** Dependencies and timings of the agent; everything but client, config and runtime has a default. */
export interface AgentOptions {
  client: AgentClient
  config: AgentConfig
  runtime: RuntimeProbe
  clock?: Clock
  log?: (msg: string) => void
  /** Capacity source (the container's cgroup limits by default). */
  capacity?: () => ResourceList
  /** OS facts source (this machine by default). */
  hostInfo?: (nodeName: string) => ReturnType<typeof readHostInfo>
  runtimePollMs?: number
  /** How often the running agent checks that its runtime still answers (the kubelet: every 5 s). */
  runtimeCheckMs?: number
  leaseRenewMs?: number
  statusUpdateMs?: number
  /** Applies `ip -batch` route changes; given, the agent keeps routes to every other node's pod range (see routes.ts). */
  applyRoutes?: (batch: string) => Promise<void>
  /**
   * Samples the eviction signals (memory, disk, inodes, PIDs) behind the pressure conditions; false: none. By default
   * the real node's, unless capacity is given (a test's made-up capacity cannot be measured against).
   */
  signals?: false | (() => Promise<Observations>)
  /** The pod range the CNI config serves (the real config file by default, when the agent runs pods). */
  podNetwork?: () => Promise<string | undefined>
  /** How often the signals and the pod network are sampled (10 s). */
  healthSampleMs?: number
  /** The pod lifecycle on this runtime; without one (or with false) the agent only registers and heartbeats. */
  pods?: false | ({runtime?: ContainerRuntime} & Partial<Omit<PodManagerOptions, 'client' | 'runtime' | 'nodeName' | 'nodeIP'>>)
}

const nodesRef: ResourceRef = {version: 'v1', resource: 'nodes'}

/** How long the runtime may go without answering before the node is posted not Ready (the kubelet's runtime sync threshold). */
export const RUNTIME_DOWN_AFTER_MS = 30_000

/**
 * How often the lease is renewed: every 10 s as the kubelet, but at least four times per grace period, so a cluster
 * configured with a short grace period (fast failure detection) does not see its live nodes flap to Unknown.
 */
export function leaseRenewInterval(gracePeriodSeconds = 40): number {
  return Math.max(200, Math.min(10_000, (gracePeriodSeconds * 1000) / 4))
}

/** Registers this node, then heartbeats it until stopped. */
export class NodeAgent {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private facts?: NodeFacts
  private nodeUID?: string
  /** Whether this agent created its Node, status included (then no separate first status write is needed). */
  private createdWithStatus = false
  private lease?: KubeObject
  private statusInFlight?: Promise<void>
  private statusAgain = false
  /** Set while the container runtime does not answer: the Node is posted not Ready. */
  private runtimeDown = false
  private health?: NodeHealth
  private readonly ready: Promise<void>
  private markReady!: () => void

  constructor(private readonly opts: AgentOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.ready = new Promise((r) => (this.markReady = r))
  }

  /** The registered Node's uid (undefined before registration). */
  get uid(): string | undefined {
    return this.nodeUID
  }

  /** Resolves once the Node is registered with a Ready status and its first Lease. */
  registered(): Promise<void> {
    return this.ready
  }

  /** Runs the agent until signal aborts: wait for the runtime, register, then renew the lease and status. */
  async run(signal: AbortSignal): Promise<void> {
    const {config} = this.opts
    const t0 = this.clock.now()
    const version = await this.waitForRuntime(signal)
    if (signal.aborted) return
    this.log(`${version} is up after ${this.clock.now() - t0} ms`)
    const podRuntime = this.podRuntime()
    // What the first pod needs (the pause image, the network config): prepared while the node registers.
    const ensurePause = (this.opts.pods || {}).ensurePause ?? (() => podRuntime?.prepare?.() ?? Promise.resolve())
    const pauseReady = podRuntime ? ensurePause().catch((err) => this.log(`preparing the runtime: ${err?.message ?? err}`)) : undefined
    const host = (this.opts.hostInfo ?? readHostInfo)(config.nodeName)
    this.facts = {
      name: config.nodeName,
      role: config.role,
      internalIP: config.nodeIP,
      podCIDR: config.podCIDR,
      taintControlPlane: config.taintControlPlane,
      labels: config.labels,
      taints: config.taints,
      capacity: (this.opts.capacity ?? readCapacity)(),
      arch: goArch(),
      containerRuntimeVersion: version,
      ...host,
    }

    this.health = agentHealth({
      config, signals: this.opts.signals, fakeCapacity: !!this.opts.capacity, memory: this.facts.capacity.memory, runsPods: !!podRuntime,
      podNetwork: this.opts.podNetwork, clock: this.clock, log: this.log, intervalMs: this.opts.healthSampleMs,
    })
    // The first status is already honest: one sample (a few file reads) before it.
    await this.health.refresh()
    // A new Node is created with its status, as the kubelet registers: Ready in one round trip, which matters
    // while every component of a booting cluster queues at the apiserver at once.
    await this.retry(signal, 'register node', () => this.register())
    if (signal.aborted) return
    // Status and lease are independent once the Node exists: write both at once (Ready comes a round trip sooner).
    await Promise.all([
      this.createdWithStatus ? undefined : this.retry(signal, 'post node status', () => this.postStatus()),
      this.retry(signal, 'renew lease', () => this.renewLease()),
    ])
    if (signal.aborted) return
    this.log(`node ${config.nodeName} registered and Ready after ${this.clock.now() - t0} ms (capacity cpu=${this.facts.capacity.cpu} memory=${this.facts.capacity.memory})`)
    this.markReady()

    const loops = [this.leaseLoop(signal), this.statusLoop(signal), this.runtimeLoop(signal), this.watchOwnNode(signal, podRuntime), this.health.run(signal, () => this.postStatus())]
    const apply = this.opts.applyRoutes
    if (apply) loops.push(syncPodRoutes({client: this.opts.client, nodeName: config.nodeName, apply, clock: this.clock, log: this.log, signal}))
    if (podRuntime) {
      await pauseReady
      // The CNI config is written by then: NetworkUnavailable turns False without waiting for the next sample.
      this.refreshHealth()
      const pods = new PodManager({
        ...(this.opts.pods || {}),
        client: this.opts.client as unknown as PodClient,
        runtime: podRuntime,
        nodeName: config.nodeName,
        nodeIP: config.nodeIP,
        dns: {servers: [config.clusterDNS], domain: config.clusterDomain, node: nodeResolvConf(), nodeIP: config.nodeIP},
        clock: this.clock,
        log: this.log,
      })
      loops.push(pods.run(signal).catch((err) => this.log(`pod manager stopped: ${err?.stack ?? err}`)))
      // Local-path volumes live on this node's disk: only this agent can remove their data.
      const cleaner = this.opts.client as unknown as VolumeCleanerClient
      loops.push(runVolumeCleaner(cleaner, config.nodeName, signal, this.log).catch((err) => this.log(`volume cleaner stopped: ${err?.stack ?? err}`)))
    }
    await Promise.all(loops)
  }

  /** Samples health now and posts the status when a condition changes. */
  private refreshHealth(): void {
    this.health
      ?.refresh()
      .then((changed) => (changed ? this.postStatus() : undefined))
      .catch((err) => this.log(`status update failed: ${err?.message ?? err}`))
  }

  /** The runtime pods run in, or undefined when the pod lifecycle is off (see AgentOptions.pods). */
  private podRuntime(): ContainerRuntime | undefined {
    const p = this.opts.pods
    if (p === false) return undefined
    const client = this.opts.client as Partial<PodClient>
    if (typeof client.patch !== 'function' || typeof client.delete !== 'function') return undefined
    return p?.runtime
  }

  /** Polls the runtime until it answers, then returns its version ('' when stopped first). */
  private async waitForRuntime(signal: AbortSignal): Promise<string> {
    const answer = async () => {
      await this.opts.runtime.ping()
      return await this.opts.runtime.version()
    }
    const version = await poll(answer, {what: 'the container runtime', intervalMs: this.opts.runtimePollMs ?? 50, clock: this.clock, signal, onWaiting: (err: unknown) => this.log(`waiting for the container runtime: ${errorText(err)}`)})
    return version ?? ''
  }

  /** Creates the Node, or merges our labels into an existing one (agent restart, container restart). */
  private async register(): Promise<void> {
    const facts = this.facts!
    try {
      const status = buildNodeStatus(facts, this.clock.now(), undefined, {...this.health?.state(), runtimeDown: this.runtimeDown})
      const created = await this.opts.client.create(nodesRef, {...buildNode(facts), status})
      this.nodeUID = created.metadata.uid
      this.createdWithStatus = true
      return
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
    const existing = await this.opts.client.get({...nodesRef, name: facts.name})
    this.nodeUID = existing.metadata.uid
    const merged = mergeNodeOnRegister(existing, facts)
    if (merged) await this.opts.client.update({...nodesRef, name: facts.name}, merged)
  }

  /** Writes the full node status; concurrent requests collapse into one more write after the current one. */
  postStatus(): Promise<void> {
    if (this.statusInFlight) {
      this.statusAgain = true
      return this.statusInFlight
    }
    const run = async () => {
      try {
        do {
          this.statusAgain = false
          await this.writeStatus()
        } while (this.statusAgain)
      } finally {
        this.statusInFlight = undefined
      }
    }
    this.statusInFlight = run()
    return this.statusInFlight
  }

  private async writeStatus(): Promise<void> {
    const facts = this.facts!
    const ref = {...nodesRef, name: facts.name}
    // Conflicts come from other writers of the node (controllers adding taints); re-read and retry a few times.
    for (let attempt = 0; ; attempt++) {
      let node: KubeObject
      try {
        node = await this.opts.client.get(ref)
      } catch (err) {
        if (!isNotFound(err)) throw err
        this.log(`node ${facts.name} is gone; registering it again`)
        await this.register()
        node = await this.opts.client.get(ref)
      }
      this.nodeUID = node.metadata.uid
      const status = buildNodeStatus(facts, this.clock.now(), node.status, {...this.health?.state(), runtimeDown: this.runtimeDown})
      try {
        await this.opts.client.update({...ref, subresource: 'status'}, {...node, status})
        return
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err
      }
    }
  }

  /** Renews the Lease, creating it (and its namespace, if the apiserver has not yet) when missing. */
  private async renewLease(): Promise<void> {
    const name = this.opts.config.nodeName
    const ref: ResourceRef = {group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: NODE_LEASE_NAMESPACE}
    if (this.lease) {
      try {
        // Updating from the lease we last wrote saves a GET per renewal, as the kubelet does.
        this.lease = await this.opts.client.update({...ref, name}, buildLease(name, this.nodeUID, this.clock.now(), this.lease, this.leaseSeconds()))
        return
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err
        this.lease = undefined
      }
    }
    let current: KubeObject | undefined
    try {
      current = await this.opts.client.get({...ref, name})
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    if (current) {
      this.lease = await this.opts.client.update({...ref, name}, buildLease(name, this.nodeUID, this.clock.now(), current, this.leaseSeconds()))
      return
    }
    try {
      this.lease = await this.opts.client.create(ref, buildLease(name, this.nodeUID, this.clock.now(), undefined, this.leaseSeconds()))
    } catch (err) {
      if (!isNotFound(err)) throw err
      // 404 on create: the namespace does not exist yet. Create it (it may race with the apiserver's own) and retry.
      await this.opts.client.create({version: 'v1', resource: 'namespaces'}, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NODE_LEASE_NAMESPACE}}).catch((e) => {
        if (!isAlreadyExists(e)) throw e
      })
      this.lease = await this.opts.client.create(ref, buildLease(name, this.nodeUID, this.clock.now(), undefined, this.leaseSeconds()))
    }
  }

  private leaseSeconds(): number {
    return Math.ceil(this.opts.config.gracePeriodSeconds ?? LEASE_DURATION_SECONDS)
  }

  private async leaseLoop(signal: AbortSignal): Promise<void> {
    const interval = this.opts.leaseRenewMs ?? leaseRenewInterval(this.opts.config.gracePeriodSeconds)
    let backoff = 200
    // Registration has just renewed it, so the loop starts with a pause.
    let delay = interval
    while (!signal.aborted) {
      await this.clock.sleep(delay, signal)
      if (signal.aborted) return
      try {
        await this.renewLease()
        backoff = 200
        delay = interval
      } catch (err) {
        if (signal.aborted) return
        this.log(`lease renewal failed: ${errorText(err)}`)
        // Retry sooner than the interval, as the kubelet does, so a brief apiserver hiccup does not cost a whole period.
        delay = Math.min(backoff, interval)
        backoff = Math.min(backoff * 2, 7000)
      }
    }
  }

  private async statusLoop(signal: AbortSignal): Promise<void> {
    const interval = this.opts.statusUpdateMs ?? 60_000
    while (!signal.aborted) {
      await this.clock.sleep(interval, signal)
      if (signal.aborted) return
      await this.postStatus().catch((err) => this.log(`status update failed: ${err?.message ?? err}`))
    }
  }

  /** Pings the runtime every few seconds; a change in whether it answers is posted at once as the Ready condition. */
  private async runtimeLoop(signal: AbortSignal): Promise<void> {
    const interval = this.opts.runtimeCheckMs ?? 5000
    let lastAnswer = this.clock.now()
    while (!signal.aborted) {
      await this.clock.sleep(interval, signal)
      if (signal.aborted) return
      if (await this.runtimeAnswers(Math.min(interval, 5000))) lastAnswer = this.clock.now()
      // Down once it has not answered for the kubelet's threshold (30 s): slow answers on a loaded machine must not
      // taint the node not-ready and rewrite its pods' readiness.
      const down = this.clock.now() - lastAnswer >= RUNTIME_DOWN_AFTER_MS
      if (down === this.runtimeDown) continue
      this.runtimeDown = down
      this.log(down ? 'the container runtime does not answer: posting the node not Ready' : 'the container runtime answers again: posting the node Ready')
      await this.postStatus().catch((err) => this.log(`status update failed: ${err?.message ?? err}`))
    }
  }

  /** Whether the runtime answers a ping within timeoutMs (a hung socket counts as down, not as waiting forever). */
  private async runtimeAnswers(timeoutMs: number): Promise<boolean> {
    const timer = new AbortController()
    const timedOut = this.clock.sleep(timeoutMs, timer.signal).then(() => false)
    try {
      return await Promise.race([this.opts.runtime.ping().then(() => true, () => false), timedOut])
    } finally {
      timer.abort()
    }
  }

  /** Watches this node's Node: restores Ready when someone marked it otherwise, and follows its spec.podCIDR. */
  private async watchOwnNode(signal: AbortSignal, podRuntime: ContainerRuntime | undefined): Promise<void> {
    const name = this.opts.config.nodeName
    const informer = new Informer(this.opts.client, resourcePath(nodesRef), {fieldSelector: `metadata.name=${name}`, clock: this.clock, log: this.log})
    let podCIDR = this.opts.config.podCIDR
    const check = (node: KubeObject) => {
      if (node.metadata.name !== name) return
      // A range given to the node later (by the node IPAM controller) reaches the pod network without a restart.
      const cidr: unknown = node.spec?.podCIDR
      if (typeof cidr === 'string' && cidr && cidr !== podCIDR) {
        podCIDR = cidr
        this.health?.setPodCIDR(cidr)
        if (podRuntime?.setPodCIDR) {
          this.log(`pod range ${cidr} from the Node: updating the pod network`)
          podRuntime.setPodCIDR(cidr).then(() => this.refreshHealth(), (err) => this.log(`pod network update failed: ${err?.message ?? err}`))
        } else this.refreshHealth()
      }
      // While the runtime is down, not Ready is the truth: nothing to restore.
      if (!needsReadyRestore(node) || this.runtimeDown) return
      this.log(`node ${name} was marked not Ready while the agent is running; posting Ready`)
      this.postStatus().catch((err) => this.log(`status update failed: ${err?.message ?? err}`))
    }
    informer.addHandlers({onAdd: check, onUpdate: (_old, node) => check(node)})
    await informer.run(signal)
  }

  private retry(signal: AbortSignal, what: string, fn: () => Promise<void>): Promise<void> {
    return retryWhileBooting(this.clock, signal, this.log, what, fn)
  }
}
