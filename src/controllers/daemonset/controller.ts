// DaemonSet controller: one daemon pod per eligible node, placed through node affinity, rolled by revision, status written last.
import {isDeepStrictEqual} from 'node:util'
import type {DaemonSet, DaemonSetStatus} from '../../api/resources/apps/daemonset.js'
import {type Clock, realClock} from '../../api/clock.js'
import type {Node} from '../../api/types/cluster.js'
import type {Pod} from '../../api/types/workloads.js'
import {selectorIsEmpty, selectorMatches} from '../../api/selectors.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {Expectations} from '../util/expectations.js'
import {CONTROLLER_REVISION_HASH, type ControllerRevision} from '../util/history.js'
import {claimObjects, newControllerRef} from '../util/owners.js'
import {controllerRef, isPodAvailable, isPodReady} from '../util/pods.js'
import {slowStartBatch} from '../util/batch.js'
import {FailedPodBackoff} from './backoff.js'
import {DS_API, DS_KIND, allowsSurge, newDaemonPod, nodeShouldRunDaemonPod, targetNodeName} from './placement.js'
import {cleanupHistory, constructHistory} from './revisions.js'
import {calculateStatus, compareDaemonPods} from './status.js'
import {planRollingUpdate} from './update.js'

/** At most this many pods are created or deleted per sync (the daemon controller's BurstReplicas). */
export const BURST_REPLICAS = 250

/** Dependencies of the DaemonSet controller. */
export interface DaemonSetControllerOptions {
  client: ControllerClient
  daemonSets: Lister<DaemonSet>
  pods: Lister<Pod>
  nodes: Lister<Node>
  revisions: Lister<ControllerRevision>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'

/** Keeps one pod of each DaemonSet on every node it should run on, rolls template changes, and reports status. */
export class DaemonSetController implements Controller {
  readonly name = 'daemonset'
  readonly queue: WorkQueue
  readonly expectations: Expectations
  readonly backoff: FailedPodBackoff
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.expectations = new Expectations(this.clock)
    this.backoff = new FailedPodBackoff()
    const enqueue = (ds: DaemonSet) => this.queue.add(objectKey(ds))
    opts.daemonSets.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (ds) => this.expectations.delete(objectKey(ds))})
    opts.pods.addHandlers({onAdd: (p) => this.podAdded(p), onUpdate: (o, n) => this.podUpdated(o, n), onDelete: (p) => this.podDeleted(p)})
    opts.nodes.addHandlers({onAdd: (n) => this.nodeChanged(undefined, n), onUpdate: (o, n) => this.nodeChanged(o, n), onDelete: () => this.enqueueAll()})
    const revisionChanged = (r: ControllerRevision) => {
      const ds = this.resolve(r.metadata.namespace, controllerRef(r))
      if (ds) enqueue(ds)
    }
    opts.revisions.addHandlers({onAdd: revisionChanged, onUpdate: (_o, n) => revisionChanged(n), onDelete: revisionChanged})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.daemonSets, this.opts.pods, this.opts.nodes, this.opts.revisions] as Lister[]) {
      if (!(await l.waitForSync(signal))) return
    }
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  private enqueueAll(): void {
    for (const ds of this.opts.daemonSets.list()) this.queue.add(objectKey(ds))
  }

  /** The DaemonSet a controller reference points to, if it is in the cache with that uid. */
  private resolve(namespace: string | undefined, ref: {kind: string; name: string; uid: string} | undefined): DaemonSet | undefined {
    if (ref?.kind !== DS_KIND) return undefined
    const ds = this.opts.daemonSets.get(`${namespace}/${ref.name}`)
    return ds?.metadata.uid === ref.uid ? ds : undefined
  }

  /** DaemonSets whose selector matches an orphan pod (adoption candidates). */
  private matching(pod: Pod): DaemonSet[] {
    return this.opts.daemonSets.list().filter((ds) => ds.metadata.namespace === pod.metadata.namespace && !selectorIsEmpty(ds.spec?.selector) && selectorMatches(ds.spec?.selector, pod.metadata.labels))
  }

  private podAdded(pod: Pod): void {
    // A pod that shows up already terminating (controller restart) counts as gone.
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod)
    const ref = controllerRef(pod)
    if (ref) {
      const ds = this.resolve(pod.metadata.namespace, ref)
      if (!ds) return
      this.expectations.creationObserved(objectKey(ds))
      this.queue.add(objectKey(ds))
      return
    }
    for (const ds of this.matching(pod)) this.queue.add(objectKey(ds))
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return
    if (cur.metadata.deletionTimestamp) return this.podDeleted(cur)
    const curRef = controllerRef(cur)
    const oldRef = controllerRef(old)
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const ds = this.resolve(old.metadata.namespace, oldRef)
      if (ds) this.queue.add(objectKey(ds))
    }
    if (curRef) {
      const ds = this.resolve(cur.metadata.namespace, curRef)
      if (!ds) return
      this.queue.add(objectKey(ds))
      // Availability changes minReadySeconds after readiness, with no event of its own: look again then.
      const minReady = ds.spec?.minReadySeconds ?? 0
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(ds), minReady * 1000 + 1000)
      return
    }
    if (!isDeepStrictEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) || oldRef) for (const ds of this.matching(cur)) this.queue.add(objectKey(ds))
  }

  private podDeleted(pod: Pod): void {
    const ds = this.resolve(pod.metadata.namespace, controllerRef(pod))
    if (!ds) return
    this.expectations.deletionObserved(objectKey(ds), objectKey(pod))
    this.queue.add(objectKey(ds))
  }

  /** A node appeared or changed: the DaemonSets whose placement on it may have changed look again. */
  private nodeChanged(old: Node | undefined, cur: Node): void {
    for (const ds of this.opts.daemonSets.list()) {
      const now = nodeShouldRunDaemonPod(cur, ds)
      const before = old ? nodeShouldRunDaemonPod(old, ds) : {shouldRun: false, shouldContinueRunning: false}
      if (!isDeepStrictEqual(now, before)) this.queue.add(objectKey(ds))
    }
  }

  /** Every node name mapped to the DaemonSet's pods meant for it (getNodesToDaemonPods), after claiming pods. */
  private async nodesToDaemonPods(ds: DaemonSet): Promise<Map<string, Pod[]>> {
    const namespace = ds.metadata.namespace
    const candidates = this.opts.pods.list().filter((p) => p.metadata.namespace === namespace)
    const claimed = (await claimObjects({
      client: this.opts.client,
      owner: ds,
      ref: newControllerRef(ds, DS_API, DS_KIND),
      selector: ds.spec!.selector!,
      candidates,
      target: (p) => ({version: 'v1', resource: 'pods', namespace, name: p.metadata.name}),
    })) as Pod[]
    const out = new Map<string, Pod[]>()
    for (const pod of claimed) {
      // A finished pod held back by a finalizer is on its way out: it is neither running nor to be deleted again.
      if (isTerminal(pod) && pod.metadata.deletionTimestamp) continue
      const node = targetNodeName(pod)
      if (node === undefined) continue
      out.set(node, [...(out.get(node) ?? []), pod])
    }
    return out
  }

  /** Converges one DaemonSet: history, then pods per node (when expectations allow), the rolling update, and status last. */
  async sync(key: string): Promise<void> {
    const ds = this.opts.daemonSets.get(key)
    if (!ds) {
      this.expectations.delete(key)
      return
    }
    const dsEvent = typed(ds, DS_API, DS_KIND)
    if (!ds.spec?.selector || selectorIsEmpty(ds.spec.selector)) {
      this.opts.recorder.record(dsEvent, 'Warning', 'SelectingAll', 'Select', 'This daemon set is selecting all pods. A non-empty selector is required.')
      return
    }
    // A DaemonSet being deleted may already have lost its history to the garbage collector: its status cannot be trusted.
    if (ds.metadata.deletionTimestamp) return
    const nodes = this.opts.nodes.list()
    const {namespace} = splitKey(key)
    const revisions = this.opts.revisions.list().filter((r) => r.metadata.namespace === namespace)
    // One claim per sync: what this sync writes shows up in the cache only later, so later steps see the same pods.
    const nodeToPods = await this.nodesToDaemonPods(ds)
    const history = await constructHistory(this.opts.client, ds, revisions, [...nodeToPods.values()].flat())
    const hash = history.current.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? ''
    const satisfied = this.expectations.satisfied(key)
    let manageError: unknown
    if (satisfied) {
      try {
        await this.manage(key, ds, nodes, nodeToPods, hash)
        if (this.expectations.satisfied(key)) {
          if (ds.spec.updateStrategy?.type === 'RollingUpdate') {
            const plan = planRollingUpdate(ds, nodes, nodeToPods, hash, this.clock.now())
            await this.syncNodes(key, ds, plan.deletes, plan.creates, hash)
          }
          await cleanupHistory(this.opts.client, ds, history.old, [...nodeToPods.values()].flat())
        }
      } catch (err: unknown) {
        manageError = err
      }
    }
    const status = calculateStatus(ds, nodes, nodeToPods, hash, this.clock.now(), satisfied, history.collisionCount)
    await this.writeStatus(ds, status)
    const minReady = ds.spec.minReadySeconds ?? 0
    // A last line of defence against missed readiness transitions: look again once pods can have become available.
    if (minReady > 0 && status.numberReady !== (status.numberAvailable ?? 0)) this.queue.addAfter(key, minReady * 1000)
    if (manageError) throw manageError
  }

  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (isDeepStrictEqual(status, ds.status ?? {})) return
    const target = {group: 'apps', version: 'v1', resource: 'daemonsets', namespace: ds.metadata.namespace, name: ds.metadata.name, subresource: 'status'}
    await this.opts.client.update(target, {...typed(ds, DS_API, DS_KIND), status})
  }

  /** Creates the missing daemon pods and deletes the ones that should not be where they are (manage). */
  private async manage(key: string, ds: DaemonSet, nodes: Node[], nodeToPods: ReadonlyMap<string, Pod[]>, hash: string): Promise<void> {
    const creates: string[] = []
    const deletes: string[] = []
    for (const node of nodes) {
      const r = this.podsShouldBeOnNode(ds, node, nodeToPods.get(node.metadata.name!), hash)
      creates.push(...r.creates)
      deletes.push(...r.deletes)
    }
    // Pods never scheduled whose node is gone would wait forever: nobody else removes them.
    const names = new Set(nodes.map((n) => n.metadata.name))
    for (const [node, pods] of nodeToPods) {
      if (names.has(node)) continue
      for (const p of pods) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) deletes.push(p.metadata.name!)
    }
    await this.syncNodes(key, ds, deletes, creates, hash)
  }

  /** What one node needs (podsShouldBeOnNode): a pod created, failed or finished ones replaced, extras pruned. */
  private podsShouldBeOnNode(ds: DaemonSet, node: Node, pods: Pod[] | undefined, hash: string): {creates: string[]; deletes: string[]} {
    const nodeName = node.metadata.name!
    const {shouldRun, shouldContinueRunning} = nodeShouldRunDaemonPod(node, ds)
    const creates: string[] = []
    const deletes: string[] = []
    if (shouldRun && !pods) return {creates: [nodeName], deletes}
    if (!pods) return {creates, deletes}
    if (!shouldContinueRunning) {
      for (const p of pods) if (!p.metadata.deletionTimestamp) deletes.push(p.metadata.name!)
      return {creates, deletes}
    }
    const dsEvent = typed(ds, DS_API, DS_KIND)
    const running: Pod[] = []
    const now = this.clock.now()
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue
      const where = `${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}`
      if (pod.status?.phase === 'Failed') {
        // A pod that keeps failing is replaced with exponential back-off, per node and template generation.
        const backoffKey = `${ds.metadata.uid}/${ds.metadata.generation ?? 1}/${nodeName}`
        if (this.backoff.inBackoff(backoffKey, now)) {
          this.queue.addAfter(objectKey(ds), this.backoff.remaining(backoffKey, now))
          continue
        }
        this.backoff.next(backoffKey, now)
        this.opts.recorder.record(dsEvent, 'Warning', 'FailedDaemonPod', 'Delete', `Found failed daemon pod ${where}, will try to kill it`)
        deletes.push(pod.metadata.name!)
      } else if (pod.status?.phase === 'Succeeded') {
        this.opts.recorder.record(dsEvent, 'Normal', 'SucceededDaemonPod', 'Delete', `Found succeeded daemon pod ${where}, will try to delete it`)
        deletes.push(pod.metadata.name!)
      } else {
        running.push(pod)
      }
    }
    running.sort(compareDaemonPods)
    if (!allowsSurge(ds)) {
      // One pod per node: the oldest stays.
      deletes.push(...running.slice(1).map((p) => p.metadata.name!))
      return {creates, deletes}
    }
    if (running.length <= 1) {
      if (running.length === 0 && shouldRun) creates.push(nodeName)
      return {creates, deletes}
    }
    // Surging: keep the oldest new pod, and the oldest old one only while it is ready and the new one not yet available.
    let oldestNew: Pod | undefined
    let oldestOld: Pod | undefined
    for (const pod of running) {
      const isNew = pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash
      if (isNew && !oldestNew) oldestNew = pod
      else if (!isNew && !oldestOld) oldestOld = pod
      else deletes.push(pod.metadata.name!)
    }
    if (oldestNew && oldestOld) {
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, now)) deletes.push(oldestOld.metadata.name!)
    }
    return {creates, deletes}
  }

  /** Deletes pods and creates pods on nodes, with expectations set first and creations in slow-start batches (syncNodes). */
  private async syncNodes(key: string, ds: DaemonSet, deletes: string[], creates: string[], hash: string): Promise<void> {
    if (!deletes.length && !creates.length) return
    const namespace = ds.metadata.namespace
    const toCreate = creates.slice(0, BURST_REPLICAS)
    const toDelete = deletes.slice(0, BURST_REPLICAS)
    const dsEvent = typed(ds, DS_API, DS_KIND)
    // Expect before acting: the informer may deliver the new pods before the calls return.
    this.expectations.expect(key, toCreate.length, toDelete.map((n) => `${namespace}/${n}`))
    let next = 0
    const {successes, error: createError} = await slowStartBatch(toCreate.length, 1, async () => {
      const nodeName = toCreate[next++]
      try {
        const pod = await this.opts.client.create<Pod>({version: 'v1', resource: 'pods', namespace}, newDaemonPod(ds, nodeName, hash))
        this.opts.recorder.record(dsEvent, 'Normal', 'SuccessfulCreate', 'Create', `Created pod: ${pod.metadata.name}`)
      } catch (err: unknown) {
        // A terminating namespace refuses new pods; that is expected during namespace deletion, not a failure.
        if ((err as {code?: number})?.code === 403 && /being terminated/.test(messageOf(err))) return
        this.opts.recorder.record(dsEvent, 'Warning', 'FailedCreate', 'Create', `Error creating: ${messageOf(err)}`)
        throw err
      }
    })
    // Pods that failed or were never attempted will not show up: stop waiting for them.
    for (let i = successes; i < toCreate.length; i++) this.expectations.creationObserved(key)
    const results = await Promise.allSettled(
      toDelete.map(async (name) => {
        const uid = this.opts.pods.get(`${namespace}/${name}`)?.metadata.uid
        try {
          await this.opts.client.delete({version: 'v1', resource: 'pods', namespace, name}, uid ? {preconditions: {uid}} : {})
          this.opts.recorder.record(dsEvent, 'Normal', 'SuccessfulDelete', 'Delete', `Deleted pod: ${name}`)
        } catch (err: unknown) {
          this.expectations.deletionObserved(key, `${namespace}/${name}`)
          if (isNotFound(err)) return
          this.opts.recorder.record(dsEvent, 'Warning', 'FailedDelete', 'Delete', `Error deleting: ${messageOf(err)}`)
          throw err
        }
      }),
    )
    if (createError !== undefined) throw createError
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
    if (failed) throw failed.reason
  }
}

/** Registry entry: the controller over the manager's shared DaemonSet, Pod, Node and ControllerRevision informers. */
export function newDaemonSetController(ctx: ControllerContext): DaemonSetController {
  return new DaemonSetController({
    client: ctx.client,
    daemonSets: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'daemonsets'}),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    revisions: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'controllerrevisions'}),
    recorder: newRecorder(ctx.client, 'daemonset-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
