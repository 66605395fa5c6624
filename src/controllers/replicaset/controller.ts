// ReplicaSet controller: keeps spec.replicas pods matching each ReplicaSet (or ReplicationController), with expectations, slow-start creation and ranked deletion.
import {isDeepStrictEqual} from 'node:util'
import type {Condition, Pod, ReplicaSet, ReplicaSetStatus} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {Expectations} from '../util/expectations.js'
import {claimObjects, newControllerRef} from '../util/owners.js'
import {controllerRef, isPodActive, isPodAvailable, isPodReady} from '../util/pods.js'
import {compareForDeletion, slowStartBatch} from '../util/podcontrol.js'
import {selectorIsEmpty, selectorMatches} from '../../api/selectors.js'
import {messageOf} from '../util/errors.js'
import {type ReplicatedKind, replicaSetKind} from './kinds.js'

// Re-exported: they were born here and the ReplicaSet tests import them from here.
export {compareForDeletion, slowStartBatch}

/** At most this many pods are created or deleted per sync (Kubernetes' burstReplicas). */
export const BURST_REPLICAS = 500

/** Dependencies of the ReplicaSet controller. */
export interface ReplicaSetControllerOptions {
  client: ControllerClient
  replicaSets: Lister<ReplicaSet>
  pods: Lister<Pod>
  recorder: Recorder
  /** The kind reconciled; ReplicaSet unless set (ReplicationControllers share this loop). */
  kind?: ReplicatedKind
  clock?: Clock
  log?: (msg: string) => void
}

/** The pod a ReplicaSet (or an object of `kind`) creates from its template. */
export function podFromTemplate(rs: ReplicaSet, kind: ReplicatedKind = replicaSetKind): Pod {
  const tpl = rs.spec?.template ?? {}
  const md = tpl.metadata ?? {}
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: {...md.labels},
      ...(md.annotations ? {annotations: {...md.annotations}} : {}),
      ...(md.finalizers ? {finalizers: [...md.finalizers]} : {}),
      ownerReferences: [newControllerRef(rs, kind.apiVersion, kind.kind)],
    },
    spec: structuredClone(tpl.spec ?? {containers: []}),
  }
}

/** The status a ReplicaSet should report for the pods it owns (zero counts omitted, as the API's omitempty). */
export function calculateStatus(rs: ReplicaSet, owned: Pod[], nowMs: number, manageError?: {reason: string; message: string}): ReplicaSetStatus {
  const tplLabels = rs.spec?.template?.metadata?.labels ?? {}
  const minReady = rs.spec?.minReadySeconds ?? 0
  const fully = owned.filter((p) => Object.entries(tplLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length
  const ready = owned.filter(isPodReady).length
  const available = owned.filter((p) => isPodAvailable(p, minReady, nowMs)).length
  const status: ReplicaSetStatus = {replicas: owned.length}
  if (fully) status.fullyLabeledReplicas = fully
  if (ready) status.readyReplicas = ready
  if (available) status.availableReplicas = available
  status.observedGeneration = rs.metadata.generation ?? 1
  const conditions: Condition[] = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure')
  const failure = (rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure')
  if (manageError) conditions.push(failure ?? {type: 'ReplicaFailure', status: 'True', lastTransitionTime: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), ...manageError})
  if (conditions.length) status.conditions = conditions
  return status
}

/** Converges each ReplicaSet's pods to spec.replicas and reports status. */
export class ReplicaSetController implements Controller {
  readonly name: string
  readonly queue: WorkQueue
  readonly expectations: Expectations
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly kind: ReplicatedKind

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.kind = opts.kind ?? replicaSetKind
    this.name = this.kind.controllerName
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.expectations = new Expectations(this.clock)
    const enqueue = (rs: ReplicaSet) => this.queue.add(objectKey(rs))
    opts.replicaSets.addHandlers({
      onAdd: enqueue,
      onUpdate: (_o, n) => enqueue(n),
      onDelete: (rs) => this.expectations.delete(objectKey(rs)),
    })
    opts.pods.addHandlers({onAdd: (p) => this.podAdded(p), onUpdate: (o, n) => this.podUpdated(o, n), onDelete: (p) => this.podDeleted(p)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.replicaSets.waitForSync(signal)) || !(await this.opts.pods.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 5,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** The ReplicaSet a controller reference points to, if it is in the cache with that uid. */
  private resolve(namespace: string | undefined, ref: {kind: string; name: string; uid: string}): ReplicaSet | undefined {
    if (ref.kind !== this.kind.kind) return undefined
    const rs = this.opts.replicaSets.get(`${namespace}/${ref.name}`)
    return rs?.metadata.uid === ref.uid ? rs : undefined
  }

  /** ReplicaSets of the pod's namespace whose selector matches it (adoption candidates for an orphan). */
  private matching(pod: Pod): ReplicaSet[] {
    return this.opts.replicaSets.list().filter((rs) => rs.metadata.namespace === pod.metadata.namespace && !selectorIsEmpty(this.kind.selector(rs)) && selectorMatches(this.kind.selector(rs), pod.metadata.labels))
  }

  private podAdded(pod: Pod): void {
    // A pod that shows up already terminating (controller restart) counts as gone.
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod)
    const ref = controllerRef(pod)
    if (ref) {
      const rs = this.resolve(pod.metadata.namespace, ref)
      if (!rs) return
      const key = objectKey(rs)
      this.expectations.creationObserved(key)
      this.queue.add(key)
      return
    }
    for (const rs of this.matching(pod)) this.queue.add(objectKey(rs))
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return
    const labelsChanged = !isDeepStrictEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {})
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion: the pod no longer counts, so expectations are met as soon as the timestamp appears.
      this.podDeleted(cur)
      if (labelsChanged) this.podDeleted(old)
      return
    }
    const curRef = controllerRef(cur)
    const oldRef = controllerRef(old)
    const refChanged = curRef?.uid !== oldRef?.uid
    if (refChanged && oldRef) {
      const rs = this.resolve(old.metadata.namespace, oldRef)
      if (rs) this.queue.add(objectKey(rs))
    }
    if (curRef) {
      const rs = this.resolve(cur.metadata.namespace, curRef)
      if (!rs) return
      this.queue.add(objectKey(rs))
      // Availability changes minReadySeconds after readiness, with no event of its own: look again then.
      const minReady = rs.spec?.minReadySeconds ?? 0
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(rs), minReady * 1000 + 1000)
      return
    }
    if (labelsChanged || refChanged) for (const rs of this.matching(cur)) this.queue.add(objectKey(rs))
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRef(pod)
    if (!ref) return
    const rs = this.resolve(pod.metadata.namespace, ref)
    if (!rs) return
    const key = objectKey(rs)
    this.expectations.deletionObserved(key, objectKey(pod))
    this.queue.add(key)
  }

  /** Converges one ReplicaSet: claim pods, create or delete the difference (when expectations allow), write status last. */
  async sync(key: string): Promise<void> {
    const rs = this.opts.replicaSets.get(key)
    if (!rs) {
      this.expectations.delete(key)
      return
    }
    const {namespace} = splitKey(key)
    const selector = this.kind.selector(rs)
    if (!selector || selectorIsEmpty(selector)) {
      // An empty selector would select every pod of the namespace; the apiserver rejects it, so this is a stale object.
      this.log(`${key}: empty selector, ignoring`)
      return
    }
    const needsSync = this.expectations.satisfied(key)
    const active = this.opts.pods.list().filter((p) => p.metadata.namespace === namespace && isPodActive(p))
    const owned: Pod[] = await claimObjects({
      client: this.opts.client,
      owner: rs,
      ref: newControllerRef(rs, this.kind.apiVersion, this.kind.kind),
      selector,
      candidates: active,
      target: (p) => ({version: 'v1', resource: 'pods', namespace, name: p.metadata.name}),
    })
    let manageError: unknown
    let failure: {reason: string; message: string} | undefined
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, owned)
      } catch (err: unknown) {
        manageError = err
        const creating = owned.length < (rs.spec?.replicas ?? 1)
        failure = {reason: creating ? 'FailedCreate' : 'FailedDelete', message: messageOf(err)}
      }
    }
    const now = this.clock.now()
    const status = calculateStatus(rs, owned, now, failure)
    if (!isDeepStrictEqual(status, rs.status ?? {})) {
      await this.opts.client.update({...this.kind.target, namespace, name: rs.metadata.name, subresource: 'status'}, {...typed(rs, this.kind.apiVersion, this.kind.kind), status})
    }
    if (manageError) throw manageError
    const minReady = rs.spec?.minReadySeconds ?? 0
    if (minReady > 0 && status.readyReplicas !== status.availableReplicas) this.queue.addAfter(key, minReady * 1000)
  }

  private async manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const want = rs.spec?.replicas ?? 1
    const diff = owned.length - want
    const rsEvent = typed(rs, this.kind.apiVersion, this.kind.kind)
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS)
      // Expect before creating: the informer may deliver the new pods before the create calls return.
      this.expectations.expectCreations(key, n)
      const {successes, error} = await slowStartBatch(n, 1, async () => {
        try {
          const pod = await this.opts.client.create<Pod>({version: 'v1', resource: 'pods', namespace: rs.metadata.namespace}, podFromTemplate(rs, this.kind))
          this.opts.recorder.record(rsEvent, 'Normal', 'SuccessfulCreate', 'Create', `Created pod: ${pod.metadata.name}`)
        } catch (err: unknown) {
          // A terminating namespace refuses new pods; that is expected during namespace deletion, not a failure.
          if ((err as {code?: number})?.code === 403 && /being terminated/.test(messageOf(err))) return
          this.opts.recorder.record(rsEvent, 'Warning', 'FailedCreate', 'Create', `Error creating: ${messageOf(err)}`)
          throw err
        }
      })
      // Pods that failed or were never attempted will not show up: stop waiting for them.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key)
      if (error !== undefined) throw error
      return
    }
    if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS)
      const victims = [...owned].sort(compareForDeletion).slice(0, n)
      this.expectations.expectDeletions(key, victims.map(objectKey))
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.opts.client.delete({version: 'v1', resource: 'pods', namespace: rs.metadata.namespace, name: pod.metadata.name}, {preconditions: {uid: pod.metadata.uid}})
            this.opts.recorder.record(rsEvent, 'Normal', 'SuccessfulDelete', 'Delete', `Deleted pod: ${pod.metadata.name}`)
          } catch (err: unknown) {
            this.expectations.deletionObserved(key, objectKey(pod))
            if (isNotFound(err)) return
            this.opts.recorder.record(rsEvent, 'Warning', 'FailedDelete', 'Delete', `Error deleting: ${messageOf(err)}`)
            throw err
          }
        }),
      )
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
      if (failed) throw failed.reason
    }
  }
}

/** Builds the controller of `kind` over the manager's shared informers of that kind and of Pods. */
export function newReplicatedController(ctx: ControllerContext, kind: ReplicatedKind): ReplicaSetController {
  return new ReplicaSetController({
    client: ctx.client,
    replicaSets: ctx.informers.informer(kind.target),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    recorder: newRecorder(ctx.client, kind.component, ctx.clock, ctx.log),
    kind,
    clock: ctx.clock,
    log: ctx.log,
  })
}

/** Registry entry: the controller over the manager's shared ReplicaSet and Pod informers. */
export function newReplicaSetController(ctx: ControllerContext): ReplicaSetController {
  return newReplicatedController(ctx, replicaSetKind)
}
