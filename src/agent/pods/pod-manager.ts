// Runs the pods bound to this node: one pod informer (spec.nodeName), their ConfigMaps/Secrets/claims read one by one, runtime events, and a bounded pool of per-pod syncs.
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {ApiClient} from '../../client/api-client.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {EventRecorder} from '../../client/events.js'
import {Informer} from '../../client/informer.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import {Backoff} from './backoff.js'
import type {Service} from '../../api/resources/core/service.js'
import {PodObjects} from './pod-objects.js'
import type {ClusterDNS} from './dns.js'
import {PodWorker} from './pod-worker.js'
import {StartupTrace} from './startup-trace.js'
import {probeExecutor} from './probes.js'
import type {ContainerRuntime} from './runtime.js'
import {PodTokens} from './tokens.js'
import {DEFAULT_PODS_ROOT} from './volumes.js'
import {errorText} from '../errors.js'

/** The API calls the pod manager makes. */
export type PodClient = Pick<ApiClient, 'get' | 'list' | 'watch' | 'patch' | 'delete' | 'create'>

/** Dependencies of the pod manager; client, runtime and node identity are required. */
export interface PodManagerOptions {
  client: PodClient
  runtime: ContainerRuntime
  nodeName: string
  nodeIP: string
  clock?: Clock
  log?: (msg: string) => void
  podsRoot?: string
  /** Pods synced at once; unrelated pods never wait behind each other beyond this. */
  concurrency?: number
  /** Full relist of containers (catches missed runtime events, orphans). */
  resyncMs?: number
  ensurePause?: () => Promise<void>
  /** Cluster DNS for the pods' resolv.conf. */
  dns?: ClusterDNS
}

export {podReferences} from './pod-objects.js'


/** The agent's pod lifecycle: watches its pods and keeps their containers and status in line. */
export class PodManager {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly queue: WorkQueue
  private readonly trace: StartupTrace
  private readonly workers = new Map<string, PodWorker>()
  /** Latest pod object by uid (undefined once it left the API). */
  private readonly pods = new Map<string, KubeObject>()
  private readonly recorder: EventRecorder
  private readonly restartBackoff = new Backoff()
  private readonly pullBackoff = new Backoff()
  readonly podInformer: Informer
  /** The pods' ConfigMaps, Secrets, claims and volumes: a node may read only those of its own pods, one by one. */
  private readonly objects: PodObjects
  /** Services, for the pods' service environment variables (nodes may list and watch them). */
  private readonly serviceInformer: Informer
  /** Tokens of the pods' kube-api-access (and other token) volumes, asked of the API as this node. */
  private readonly tokens: PodTokens

  constructor(private readonly opts: PodManagerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.trace = new StartupTrace(this.clock, this.log)
    this.recorder = new EventRecorder(opts.client, {component: 'kubelet', instance: opts.nodeName, host: opts.nodeName}, {clock: this.clock, log: this.log})
    const infOpts = {clock: this.clock, log: this.log}
    this.podInformer = new Informer(opts.client, {version: 'v1', resource: 'pods'}, {...infOpts, fieldSelector: `spec.nodeName=${opts.nodeName}`})
    this.objects = new PodObjects(opts.client, (uid) => this.queue.add(uid), infOpts)
    this.serviceInformer = new Informer(opts.client, {version: 'v1', resource: 'services'}, infOpts)
    this.tokens = new PodTokens((namespace, name, body) => opts.client.create({version: 'v1', resource: 'serviceaccounts', namespace, name, subresource: 'token'}, body), this.clock)
  }

  /** Runs until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const {runtime} = this.opts
    const ensurePause = this.opts.ensurePause ?? (() => runtime.prepare?.() ?? Promise.resolve())
    // Prepare the runtime (pause image, network config) while the caches fill, so the first pod does not wait for it.
    const pauseReady = ensurePause().catch((err) => this.log(`preparing the runtime: ${err?.message ?? err}`))

    this.podInformer.addHandlers({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => {
        this.pods.delete(p.metadata.uid!)
        this.trace.forget(p.metadata.uid!)
        this.queue.add(p.metadata.uid!)
      },
    })
    this.objects.start(signal)
    const informers = [this.podInformer.run(signal), this.serviceInformer.run(signal)]
    runtime.watch((uid) => this.queue.add(uid), signal)
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})

    // Services too: a pod started before they are known would miss its service variables for good.
    await Promise.all([this.podInformer.waitForSync(signal), this.serviceInformer.waitForSync(signal)])
    if (signal.aborted) return
    await pauseReady
    // Containers of pods that are no longer bound here (deleted while the agent was down) are queued too, and removed.
    await this.relist().catch((err) => this.log(`container relist failed: ${err?.message ?? err}`))
    const resync = this.resyncLoop(signal)

    await processQueue(this.queue, (uid) => this.sync(uid), {
      workers: this.opts.concurrency ?? 12,
      onError: (uid, err: unknown) => this.log(`sync of pod ${this.describe(uid)} failed: ${errorText(err)}`),
    })
    await Promise.all([...informers, resync])
    for (const w of this.workers.values()) w.stopProbes()
    await this.recorder.flush()
  }

  private onPod(p: KubeObject): void {
    this.trace.mark(p.metadata.uid!, 'seen')
    this.pods.set(p.metadata.uid!, p)
    this.queue.add(p.metadata.uid!)
  }

  private describe(uid: string): string {
    const p = this.pods.get(uid) ?? this.workers.get(uid)?.pod
    return p ? `${p.metadata.namespace}/${p.metadata.name}` : uid
  }

  private async relist(): Promise<void> {
    const containers = await this.opts.runtime.listPodContainers()
    const uids = new Set([...containers.map((c) => c.podUID), ...this.pods.keys()])
    for (const uid of uids) this.queue.add(uid)
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    const every = this.opts.resyncMs ?? 10_000
    while (!signal.aborted) {
      await this.clock.sleep(every, signal)
      if (signal.aborted) return
      await this.relist().catch((err) => this.log(`container relist failed: ${err?.message ?? err}`))
    }
  }

  /** One sync of the pod with this uid (or cleanup when it is gone). */
  async sync(uid: string): Promise<void> {
    const pod = this.pods.get(uid)
    let worker = this.workers.get(uid)
    if (!pod) {
      // Gone from the API (deleted by us after termination, force-deleted, or never ours): remove what is left.
      if (worker?.isTerminating) return
      worker ??= this.newWorker(uid)
      await worker.removeAll()
      this.objects.forget(uid, worker.pod as Pod | undefined)
      this.workers.delete(uid)
      return
    }
    // A pod waiting for its claim to be bound (or its volume to be made) is looked at again shortly.
    if (await this.objects.refresh(uid, pod as Pod)) this.queue.addAfter(uid, 1000)
    if (!worker) {
      worker = this.newWorker(uid)
      this.workers.set(uid, worker)
    }
    await worker.sync(pod)
  }

  private newWorker(uid: string): PodWorker {
    const {client, runtime} = this.opts
    return new PodWorker(uid, {
      runtime,
      clock: this.clock,
      lookup: {...this.objects.lookup(), services: () => this.serviceInformer.list() as Service[]},
      nodeName: this.opts.nodeName,
      nodeIP: this.opts.nodeIP,
      podsRoot: this.opts.podsRoot ?? DEFAULT_PODS_ROOT,
      event: (pod, type, reason, message) => this.recorder.record({...pod, apiVersion: 'v1', kind: 'Pod'}, type, reason, reason, message),
      writeStatus: async (pod, status) => {
        const ref = {version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status'}
        const running = status.phase === 'Running'
        if (running) this.trace.mark(uid, 'statusWrite')
        try {
          // The uid in the patch is a precondition: never write one pod's status onto a namesake that replaced it.
          await client.patch(ref, {metadata: {uid: pod.metadata.uid}, status}, 'merge')
        } catch (err) {
          if (isNotFound(err)) return
          throw err
        }
        if (running) {
          this.trace.mark(uid, 'statusWritten')
          this.trace.running(uid, `${pod.metadata.namespace}/${pod.metadata.name}`)
        }
      },
      deletePod: async (pod) => {
        try {
          await client.delete({version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name}, {gracePeriodSeconds: 0, preconditions: {uid: pod.metadata.uid}})
        } catch (err) {
          if (isNotFound(err) || isConflict(err)) return
          throw err
        }
      },
      requeue: (u, afterMs) => (afterMs && afterMs > 0 ? this.queue.addAfter(u, afterMs) : this.queue.add(u)),
      restartBackoff: this.restartBackoff,
      pullBackoff: this.pullBackoff,
      probe: probeExecutor((id, cmd, timeoutMs) => runtime.exec(id, cmd, timeoutMs)),
      ensurePause: this.opts.ensurePause,
      dns: this.opts.dns,
      tokens: this.tokens,
      trace: (name) => this.trace.mark(uid, name),
      log: this.log,
    })
  }
}
