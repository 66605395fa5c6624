// The running scheduler: watches pods and nodes, schedules each pending pod with the framework and binds it through pods/binding.
import * as os from 'node:os'
import type {KubeObject} from '../api/types.js'
import {type Clock, realClock} from '../api/clock.js'
import {isConflict, isNotFound} from '../client/errors.js'
import {Informer, type ListWatcher} from '../client/informer.js'
import type {InformerFactory} from '../client/informer-factory.js'
import {objectKey} from '../client/paths.js'
import {SchedulerCache} from './cache.js'
import {type EventSink, EventRecorder} from '../client/events.js'
import {type Profile, isTerminal, schedule} from './framework.js'
import {buildProfile} from './profile.js'
import type {VolumeLookup} from './plugins/volume-binding.js'
import type {PersistentVolume, PersistentVolumeClaim} from '../api/storage.js'
import {SchedulingQueue, type SchedulingQueueOptions} from './queue.js'
import {Nominator} from './nominator.js'
import {type PreemptionClient, clearNomination, evictVictim} from './preemptor.js'
import {podPriority} from './preemption.js'

/** The name pods use in spec.schedulerName to ask for this scheduler (also the default when it is unset). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler'

/** What the scheduler needs from the API client (ApiClient satisfies it). */
export interface SchedulerClient extends ListWatcher, EventSink, PreemptionClient {}

/** Options of startScheduler. */
export interface SchedulerOptions {
  /** Stops the scheduler when aborted (as stop() does). */
  signal?: AbortSignal
  log?: (msg: string) => void
  /** Share informers with other loops of the process; the caller starts the factory. Without it the scheduler runs its own. */
  informers?: InformerFactory
  schedulerName?: string
  profile?: Profile
  queue?: SchedulingQueueOptions
  clock?: Clock
  /** Tie-breaking between equally good nodes. */
  random?: () => number
  /** reportingInstance of events; default-scheduler-<hostname> by default. */
  instance?: string
}

/** A running scheduler. */
export interface RunningScheduler {
  /** Stops watching and scheduling; resolves when in-flight API calls have settled. */
  stop(): Promise<void>
  /** Resolves true once the pod and node caches have synced (false if stopped first). */
  synced(): Promise<boolean>
}

const PODS = {version: 'v1', resource: 'pods'}
const NODES = {version: 'v1', resource: 'nodes'}
// Namespace labels (affinity terms' namespaceSelector) and disruption budgets (which victims preemption prefers).
const NAMESPACES = {version: 'v1', resource: 'namespaces'}
const BUDGETS = {group: 'policy', version: 'v1', resource: 'poddisruptionbudgets'}
// Claims, volumes and classes: where a pod with persistent storage may go and when it may go at all.
const STORAGE = [
  {version: 'v1', resource: 'persistentvolumeclaims'},
  {version: 'v1', resource: 'persistentvolumes'},
  {group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses'},
]

/** Fields of a pod whose change can make it schedulable; status and bookkeeping are left out (as k8s isPodUpdated). */
function schedulingRelevant(pod: KubeObject): string {
  const {resourceVersion: _rv, managedFields: _mf, generation: _g, ...meta} = pod.metadata
  return JSON.stringify([meta, pod.spec])
}

/** Fields of a node whose change can make a pod fit; heartbeats and other status churn are left out. */
function nodeRelevant(node: KubeObject): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready')?.status
  return JSON.stringify([node.metadata.labels, node.spec?.taints, node.spec?.unschedulable, node.status?.allocatable, node.status?.capacity, ready])
}

/** The scheduling loop and its informer handlers. */
export class Scheduler {
  readonly queue: SchedulingQueue
  readonly cache = new SchedulerCache()
  readonly nominator = new Nominator()
  readonly events: EventRecorder
  private readonly podInformer: Informer<KubeObject>
  private readonly nodeInformer: Informer<KubeObject>
  private readonly storageInformers: Informer<KubeObject>[]
  private readonly namespaceInformer: Informer<KubeObject>
  private readonly budgetInformer: Informer<KubeObject>
  private readonly profile: Profile
  private readonly schedulerName: string
  private readonly inflight = new Set<Promise<void>>()
  /** When each pending pod entered the queue (epoch ms), for the one-line startup trace logged at bind. */
  private readonly queuedAt = new Map<string, number>()
  private readonly abort = new AbortController()
  private running: Promise<unknown>[] = []

  constructor(
    private readonly client: SchedulerClient,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.queue = new SchedulingQueue({clock: opts.clock, ...opts.queue})
    const informerOpts = {clock: opts.clock, log: opts.log}
    this.storageInformers = STORAGE.map((r) => (opts.informers ? opts.informers.informer<KubeObject>(r) : new Informer<KubeObject>(client, r, informerOpts)))
    const [claims, volumes, classes] = this.storageInformers
    const volumeLookup: VolumeLookup = {
      claim: (ns, name) => claims.get(`${ns}/${name}`) as PersistentVolumeClaim | undefined,
      volume: (name) => volumes.get(name) as PersistentVolume | undefined,
      storageClass: (name) => classes.get(name),
    }
    const annotateClaim = async (namespace: string, name: string, annotations: Record<string, string>) => {
      await this.client.patch({version: 'v1', resource: 'persistentvolumeclaims', namespace, name}, {metadata: {annotations}}, 'merge')
    }
    const make = (r: {group?: string; version: string; resource: string}) => (opts.informers ? opts.informers.informer<KubeObject>(r) : new Informer<KubeObject>(client, r, informerOpts))
    this.namespaceInformer = make(NAMESPACES)
    this.budgetInformer = make(BUDGETS)
    const namespaceLabels = (ns: string) => this.namespaceInformer.get(ns)?.metadata.labels
    const disruptionBudgets = () => this.budgetInformer.list()
    this.profile = opts.profile ?? buildProfile(undefined, {volumes: volumeLookup, annotateClaim, namespaceLabels, disruptionBudgets})
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME
    this.events = new EventRecorder(
      client,
      {component: this.schedulerName, instance: opts.instance ?? `${this.schedulerName}-${os.hostname()}`},
      {clock: opts.clock, log: opts.log},
    )
    this.podInformer = opts.informers ? opts.informers.informer<KubeObject>(PODS) : new Informer<KubeObject>(client, PODS, informerOpts)
    this.nodeInformer = opts.informers ? opts.informers.informer<KubeObject>(NODES) : new Informer<KubeObject>(client, NODES, informerOpts)
  }

  /** Registers the handlers, starts the informers (unless shared) and the scheduling loop. */
  start(): void {
    const signal = this.abort.signal
    this.opts.signal?.addEventListener('abort', () => void this.stop(), {once: true})
    this.nodeInformer.addHandlers({
      onAdd: (n) => this.onNode(n),
      onUpdate: (old, n) => this.onNode(n, old),
      onDelete: (n) => this.cache.removeNode(String(n.metadata.name)),
    })
    this.podInformer.addHandlers({
      onAdd: (p) => this.onPod(p),
      onUpdate: (old, p) => this.onPod(p, old),
      onDelete: (p) => this.onPodDeleted(p),
    })
    // A claim bound, a volume made or a class created can make a waiting pod schedulable.
    for (const inf of this.storageInformers) {
      inf.addHandlers({onAdd: () => this.queue.moveAllToActiveOrBackoff(), onUpdate: () => this.queue.moveAllToActiveOrBackoff()})
    }
    // New namespace labels can satisfy an affinity term's namespaceSelector.
    this.namespaceInformer.addHandlers({onAdd: () => this.queue.moveAllToActiveOrBackoff(), onUpdate: () => this.queue.moveAllToActiveOrBackoff()})
    const extra = [this.namespaceInformer, this.budgetInformer, ...this.storageInformers]
    if (!this.opts.informers) this.running.push(this.nodeInformer.run(signal), this.podInformer.run(signal), ...extra.map((i) => i.run(signal)))
    this.running.push(this.loop(signal))
  }

  /** Resolves true when both caches have synced. */
  async synced(): Promise<boolean> {
    const signal = this.abort.signal
    const informers = [this.nodeInformer, this.podInformer, this.namespaceInformer, this.budgetInformer, ...this.storageInformers]
    const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)))
    return synced.every(Boolean)
  }

  /** Stops everything and waits for in-flight writes. */
  async stop(): Promise<void> {
    if (!this.abort.signal.aborted) {
      this.abort.abort()
      this.queue.close()
    }
    await Promise.allSettled(this.running)
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight])
    await this.events.flush()
  }

  /** True when this scheduler should place pod now. */
  responsible(pod: KubeObject): boolean {
    const spec = pod.spec ?? {}
    return (
      (spec.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName &&
      !spec.nodeName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod) &&
      // Gated pods wait outside the queue until their gates are removed (an update brings them in).
      !(spec.schedulingGates?.length > 0)
    )
  }

  private onNode(node: KubeObject, old?: KubeObject): void {
    this.cache.setNode(node)
    if (!old || nodeRelevant(old) !== nodeRelevant(node)) this.queue.moveAllToActiveOrBackoff()
  }

  private onPod(pod: KubeObject, old?: KubeObject): void {
    const key = objectKey(pod)
    this.cache.setPod(pod)
    this.nominator.onPod(pod, old)
    if (pod.spec?.nodeName) {
      this.queue.delete(key)
      // A pod that finished frees its resources just like a deleted one.
      if (old?.spec?.nodeName && !isTerminal(old) && isTerminal(pod)) this.queue.moveAllToActiveOrBackoff()
      return
    }
    if (!this.responsible(pod)) {
      this.queue.delete(key)
      return
    }
    if (this.queue.has(key)) {
      if (old && schedulingRelevant(old) !== schedulingRelevant(pod)) this.queue.update(key)
    } else if (!this.cache.isAssumed(key)) {
      if (!this.queuedAt.has(key)) this.queuedAt.set(key, this.now())
      this.queue.add(key, Number(pod.spec?.priority ?? 0))
    }
  }

  private onPodDeleted(pod: KubeObject): void {
    const key = objectKey(pod)
    const held = this.cache.nodeOf(key) !== undefined
    this.cache.removePod(key)
    this.nominator.remove(key)
    this.queue.delete(key)
    this.queuedAt.delete(key)
    if (held) this.queue.moveAllToActiveOrBackoff()
  }

  private async loop(signal: AbortSignal): Promise<void> {
    // Scheduling before both caches are complete would report nodes as missing or overcommit them.
    if (!(await this.synced())) return
    while (!signal.aborted) {
      const key = await this.queue.pop()
      if (key === undefined) return
      try {
        this.scheduleOne(key)
      } catch (err: any) {
        this.log(`scheduling ${key} failed: ${err?.stack ?? err}`)
        this.queue.addBackoff(key)
      }
    }
  }

  /** One scheduling cycle: synchronous up to the decision, so the next pod sees this one's assumption. */
  private scheduleOne(key: string): void {
    const pod = this.podInformer.get(key)
    if (!pod || !this.responsible(pod) || this.cache.nodeOf(key) !== undefined) {
      this.queue.delete(key)
      return
    }
    // Our own nomination counts before its status write comes back through the watch.
    const nominatedNode = this.nominator.nodeOf(key)
    const cyclePod = nominatedNode && pod.status?.nominatedNodeName !== nominatedNode ? {...pod, status: {...pod.status, nominatedNodeName: nominatedNode}} : pod
    const infos = this.nominator.nodeInfosFor(pod, this.cache.nodeInfos())
    const result = schedule(cyclePod, infos, this.profile, {random: this.opts.random, nominatedNode})
    if ('node' in result) {
      this.nominator.remove(key)
      this.cache.assume(pod, result.node)
      this.track(this.bind(pod, result.node, this.now()))
      return
    }
    this.queue.addUnschedulable(key)
    this.log(`${key} unschedulable: ${result.message}`)
    if (result.nominated) {
      this.track(this.preempt(pod, result.nominated.node, result.nominated.victims, result.message))
      return
    }
    // No room anywhere, even by preemption: a nomination from an earlier attempt is given up (upstream clears it too).
    const clear = result.clearNomination && (nominatedNode || pod.status?.nominatedNodeName) ? '' : undefined
    if (clear !== undefined) this.nominator.remove(key)
    this.track(this.reportFailure(pod, 'Unschedulable', result.message, clear))
  }

  /**
   * Makes room for pod on node: the pod is nominated there at once (lower-priority pods stop seeing the room), lower
   * nominations on the node are cleared, the victims are evicted, and the pod's status says where it waits. Their
   * deletions move the pod back to active.
   */
  private async preempt(pod: KubeObject, node: string, victims: KubeObject[], message: string): Promise<void> {
    const key = objectKey(pod)
    this.nominator.nominate(pod, node)
    this.log(`${key} preempting ${victims.map((v) => objectKey(v)).join(', ') || 'nothing'} on ${node}`)
    const lower = this.nominator.podsOn(node).filter((p) => objectKey(p) !== key && podPriority(p) < podPriority(pod))
    for (const p of lower) this.nominator.remove(objectKey(p))
    await Promise.all([
      ...victims.map((v) => evictVictim(this.client, this.events, v, pod, node, this.now())),
      ...lower.map((p) => clearNomination(this.client, p)),
    ])
    await this.reportFailure(pod, 'Unschedulable', message, node)
  }

  private async bind(pod: KubeObject, node: string, decidedAt: number): Promise<void> {
    const key = objectKey(pod)
    const {name, namespace} = pod.metadata as {name: string; namespace: string}
    try {
      for (const p of this.profile.preBinds ?? []) await p.preBind(pod, node)
      await this.client.create({version: 'v1', resource: 'pods', namespace, name, subresource: 'binding'}, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: {name, namespace, ...(pod.metadata.uid ? {uid: pod.metadata.uid} : {})},
        target: {apiVersion: 'v1', kind: 'Node', name: node},
      })
    } catch (err: any) {
      this.cache.forget(key)
      // The assumed pod no longer holds the node's resources: others may fit now.
      this.queue.moveAllToActiveOrBackoff()
      if (isNotFound(err) || isConflict(err)) {
        // Deleted, or bound by someone else: the watch will tell us; nothing to retry.
        this.queue.delete(key)
        return
      }
      this.log(`binding ${key} to ${node} failed: ${err?.message ?? err}`)
      this.queue.addBackoff(key)
      await this.reportFailure(pod, 'SchedulerError', `running Bind plugin "DefaultBinder": ${err?.message ?? err}`)
      return
    }
    this.queue.done(key)
    // The same line format as the agent's startup trace (bench/pod-startup reads both from the nodes' logs).
    this.log(`pod-startup ${key} ${JSON.stringify({queued: this.queuedAt.get(key), decided: decidedAt, bound: this.now()})}`)
    this.queuedAt.delete(key)
    this.events.record(pod, 'Normal', 'Scheduled', 'Binding', `Successfully assigned ${namespace}/${name} to ${node}`)
  }

  /** Emits FailedScheduling and sets PodScheduled=False with the reason, unless the condition already says so. */
  private async reportFailure(pod: KubeObject, reason: 'Unschedulable' | 'SchedulerError', message: string, nominatedNodeName?: string): Promise<void> {
    this.events.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', message)
    const current = this.podInformer.get(objectKey(pod)) ?? pod
    const conditions: any[] = current.status?.conditions ?? []
    const existing = conditions.find((c) => c?.type === 'PodScheduled')
    const nominationChanges = nominatedNodeName !== undefined && (current.status?.nominatedNodeName ?? '') !== nominatedNodeName
    if (!nominationChanges && existing?.status === 'False' && existing.reason === reason && existing.message === message) return
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      // The transition time moves only when the status does (as k8s UpdatePodCondition).
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason,
      message,
    }
    // A merge patch replaces the whole list, so send every condition; nothing else writes conditions of an unbound pod.
    const next = [...conditions.filter((c) => c?.type !== 'PodScheduled'), condition]
    try {
      await this.client.patch(
        {version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status'},
        {status: {conditions: next, ...(nominationChanges ? {nominatedNodeName: nominatedNodeName || null} : {})}},
        'merge',
      )
    } catch (err: any) {
      if (!isNotFound(err)) this.log(`updating PodScheduled of ${objectKey(pod)}: ${err?.message ?? err}`)
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((err) => this.log(`scheduler: ${err?.stack ?? err}`))
    this.inflight.add(tracked)
    void tracked.finally(() => this.inflight.delete(tracked))
  }

  private now(): number {
    return (this.opts.clock ?? realClock).now()
  }

  private log(msg: string): void {
    this.opts.log?.(`scheduler: ${msg}`)
  }
}

/**
 * Starts the default scheduler against the apiserver behind client and returns at once; it schedules as soon as its
 * pod and node caches have synced, and keeps retrying the watches if the apiserver is not up yet.
 */
export async function startScheduler(client: SchedulerClient, opts: SchedulerOptions = {}): Promise<RunningScheduler> {
  const s = new Scheduler(client, opts)
  s.start()
  return {stop: () => s.stop(), synced: () => s.synced()}
}
