// StatefulSet controller: stable, ordered pods with their own claims, rolled through ControllerRevisions by partition.
import {isDeepStrictEqual} from 'node:util'
import type {StatefulSet, StatefulSetStatus} from '../../api/resources/apps/statefulset.js'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {selectorIsEmpty, selectorMatches} from '../../api/selectors.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {Expectations} from '../util/expectations.js'
import {type ControllerRevision, ownedRevisions, truncateHistory} from '../util/history.js'
import {claimObjects, newControllerRef} from '../util/owners.js'
import {controllerRef, isPodReady} from '../util/pods.js'
import {PodActions} from './actions.js'
import {STS_API, STS_KIND, isMemberOf, podRevision} from './identity.js'
import {type PodAction, type SyncPlan, isMonotonic, planSync} from './plan.js'
import {applyRevision, getRevisions} from './revisions.js'

/** Dependencies of the StatefulSet controller. */
export interface StatefulSetControllerOptions {
  client: ControllerClient
  statefulSets: Lister<StatefulSet>
  pods: Lister<Pod>
  revisions: Lister<ControllerRevision>
  /** The claims of the sets' pods (shared with the volume controllers). */
  claims: Lister<KubeObject>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Once every pod runs the update revision and is ready, that revision becomes the current one (completeRollingUpdate). */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const want = set.spec?.replicas ?? 1
  if (set.spec?.updateStrategy?.type === 'OnDelete') return status
  if (status.updatedReplicas !== want || status.readyReplicas !== want || status.replicas !== want) return status
  return {...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision}
}

/** The status as the API serializes it: zero counts omitted except replicas and availableReplicas. */
function compact(status: StatefulSetStatus, conditions: StatefulSetStatus['conditions']): StatefulSetStatus {
  const out: StatefulSetStatus = {}
  for (const [k, v] of Object.entries(status) as [keyof StatefulSetStatus, unknown][]) {
    if (v === 0 && k !== 'replicas' && k !== 'availableReplicas' && k !== 'collisionCount') continue
    if (v === undefined || v === '') continue
    ;(out as Record<string, unknown>)[k] = v
  }
  if (conditions?.length) out.conditions = conditions
  return out
}

/** Keeps each StatefulSet's ordinals running, with their claims, and rolls them to its template. */
export class StatefulSetController implements Controller {
  readonly name = 'statefulset'
  readonly queue: WorkQueue
  /** Pods we created and have not seen yet, per set. */
  readonly creations: Expectations
  /** Pods we deleted and have not seen terminating yet, per set. */
  readonly deletions: Expectations
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly actions: PodActions

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.creations = new Expectations(this.clock)
    this.deletions = new Expectations(this.clock)
    this.actions = new PodActions(opts.client, opts.recorder, opts.claims)
    const enqueue = (set: StatefulSet) => this.queue.add(objectKey(set))
    opts.statefulSets.addHandlers({
      onAdd: enqueue,
      onUpdate: (_o, n) => enqueue(n),
      onDelete: (set) => {
        this.creations.delete(objectKey(set))
        this.deletions.delete(objectKey(set))
      },
    })
    opts.pods.addHandlers({onAdd: (p) => this.podAdded(p), onUpdate: (o, n) => this.podUpdated(o, n), onDelete: (p) => this.podDeleted(p)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.statefulSets, this.opts.pods, this.opts.revisions]) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 3,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** The set a controller reference points to, if it is in the cache with that uid. */
  private resolve(namespace: string | undefined, ref: {kind: string; name: string; uid: string}): StatefulSet | undefined {
    if (ref.kind !== STS_KIND) return undefined
    const set = this.opts.statefulSets.get(`${namespace}/${ref.name}`)
    return set?.metadata.uid === ref.uid ? set : undefined
  }

  /** Sets that could adopt an orphan pod: same namespace, selector matches, and the name is one of their ordinals. */
  private matching(pod: Pod): StatefulSet[] {
    return this.opts.statefulSets
      .list()
      .filter((s) => s.metadata.namespace === pod.metadata.namespace && !selectorIsEmpty(s.spec?.selector) && selectorMatches(s.spec?.selector, pod.metadata.labels) && isMemberOf(s, pod))
  }

  private podAdded(pod: Pod): void {
    const ref = controllerRef(pod)
    if (!ref) return this.matching(pod).forEach((s) => this.queue.add(objectKey(s)))
    const set = this.resolve(pod.metadata.namespace, ref)
    if (!set) return
    this.creations.creationObserved(objectKey(set))
    if (pod.metadata.deletionTimestamp) this.deletions.deletionObserved(objectKey(set), objectKey(pod))
    this.queue.add(objectKey(set))
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return
    const curRef = controllerRef(cur)
    const oldRef = controllerRef(old)
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const prev = this.resolve(old.metadata.namespace, oldRef)
      if (prev) this.queue.add(objectKey(prev))
    }
    if (!curRef) {
      if (!isDeepStrictEqual(old.metadata.labels ?? {}, cur.metadata.labels ?? {}) || oldRef) this.matching(cur).forEach((s) => this.queue.add(objectKey(s)))
      return
    }
    const set = this.resolve(cur.metadata.namespace, curRef)
    if (!set) return
    const key = objectKey(set)
    if (cur.metadata.deletionTimestamp) this.deletions.deletionObserved(key, objectKey(cur))
    this.queue.add(key)
    // Availability comes minReadySeconds after readiness, with no event of its own.
    const minReady = set.spec?.minReadySeconds ?? 0
    if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(key, minReady * 1000 + 1000)
  }

  private podDeleted(pod: Pod): void {
    const ref = controllerRef(pod)
    const set = ref && this.resolve(pod.metadata.namespace, ref)
    if (!set) return
    this.deletions.deletionObserved(objectKey(set), objectKey(pod))
    this.queue.add(objectKey(set))
  }

  /** Converges one set: claim its pods, pick revisions, act on the plan, write status, trim history. */
  async sync(key: string): Promise<void> {
    const set = this.opts.statefulSets.get(key)
    if (!set) {
      this.creations.delete(key)
      this.deletions.delete(key)
      return
    }
    const {namespace} = splitKey(key)
    const selector = set.spec?.selector
    if (!selector || selectorIsEmpty(selector)) {
      this.log(`${key}: empty selector, ignoring`)
      return
    }
    // Our cache lags our own writes: acting again before they show would create or delete twice.
    if (!this.creations.satisfied(key) || !this.deletions.satisfied(key)) return
    // Only pods named as our ordinals are ours to claim (isMemberOf); already-owned ones are released if they stop matching.
    const candidates = this.opts.pods.list().filter((p) => p.metadata.namespace === namespace && (isMemberOf(set, p) || controllerRef(p)?.uid === set.metadata.uid))
    const owned = (await claimObjects({
      client: this.opts.client,
      owner: set,
      ref: newControllerRef(set, STS_API, STS_KIND),
      selector,
      candidates,
      target: (p) => ({version: 'v1', resource: 'pods', namespace, name: p.metadata.name}),
    })) as Pod[]
    const pods = owned.filter((p) => isMemberOf(set, p))
    // Revisions left by an orphaning delete of an earlier set of this name are adopted too, so history continues.
    const revisionCandidates = this.opts.revisions.list().filter((r) => r.metadata.namespace === namespace)
    await claimObjects({
      client: this.opts.client,
      owner: set,
      ref: newControllerRef(set, STS_API, STS_KIND),
      selector,
      candidates: revisionCandidates,
      target: (r) => ({group: 'apps', version: 'v1', resource: 'controllerrevisions', namespace, name: r.metadata.name}),
    })
    // claimObjects throws unless every adoption went through, so the matching orphans are ours now.
    const ref = newControllerRef(set, STS_API, STS_KIND)
    const adopted = revisionCandidates.filter((r) => !set.metadata.deletionTimestamp && !r.metadata.deletionTimestamp && !controllerRef(r) && selectorMatches(selector, r.metadata.labels)).map((r) => ({...r, metadata: {...r.metadata, ownerReferences: [...(r.metadata.ownerReferences ?? []), ref]}}))
    const revisions = ownedRevisions([...revisionCandidates, ...adopted], set)
    const {current, update, collisionCount} = await getRevisions(this.opts.client, set, revisions)
    const plan = planSync(set, pods, {currentSet: applyRevision(set, current), updateSet: applyRevision(set, update), currentName: current.metadata.name!, updateName: update.metadata.name!, collisionCount}, this.clock.now())
    const err = await this.execute(key, set, plan)
    const status = compact(completeRollingUpdate(set, plan.status), set.status?.conditions)
    if (!isDeepStrictEqual(status, set.status ?? {})) {
      await this.opts.client.update({group: 'apps', version: 'v1', resource: 'statefulsets', namespace, name: set.metadata.name, subresource: 'status'}, {...typed(set, STS_API, STS_KIND), status})
    }
    if (err !== undefined) throw err
    const live = new Set([current.metadata.name!, update.metadata.name!, ...pods.map(podRevision)])
    await truncateHistory(this.opts.client, revisions, live, set.spec?.revisionHistoryLimit ?? 10)
    if (plan.requeueAfterMs) this.queue.addAfter(key, plan.requeueAfterMs)
  }

  /** Runs the plan's phases in order, each one's actions one by one (OrderedReady) or together (Parallel); returns the first error. */
  private async execute(key: string, set: StatefulSet, plan: SyncPlan): Promise<unknown> {
    // Claims of scaled-away pods change owner before any of those pods is deleted, even in Parallel.
    const phases = [plan.replicas, plan.condemned.filter((a) => a.type === 'fix'), plan.condemned.filter((a) => a.type !== 'fix'), plan.update]
    const creates = plan.replicas.filter((a) => a.type === 'create').length
    const deletes = phases.flat().filter((a) => a.type === 'delete')
    // Expect before acting: the informer may deliver the new pods before the calls return.
    if (creates) this.creations.expectCreations(key, creates)
    if (deletes.length) this.deletions.expectDeletions(key, deletes.map((a) => objectKey(a.pod)))
    const typedSet = typed(set, STS_API, STS_KIND) as StatefulSet
    const run = async (a: PodAction): Promise<void> => {
      try {
        await this.actions.run(typedSet, a)
      } catch (err: unknown) {
        // What failed will not show up in the cache: stop waiting for it.
        if (a.type === 'create') this.creations.creationObserved(key)
        if (a.type === 'delete') this.deletions.deletionObserved(key, objectKey(a.pod))
        throw err
      }
    }
    const attempted = new Set<PodAction>()
    const attempt = (a: PodAction) => {
      attempted.add(a)
      return run(a)
    }
    let failure: unknown
    for (const phase of phases) {
      if (isMonotonic(set)) {
        for (const a of phase) {
          try {
            await attempt(a)
          } catch (err: unknown) {
            failure = err
            break
          }
        }
      } else {
        const results = await Promise.allSettled(phase.map(attempt))
        failure = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined)?.reason
      }
      if (failure !== undefined) break
    }
    // Deletions never attempted will not be observed either.
    for (const a of deletes) if (!attempted.has(a)) this.deletions.deletionObserved(key, objectKey(a.pod))
    return failure
  }
}

/** Registry entry: the controller over the manager's shared StatefulSet, Pod, ControllerRevision and claim informers. */
export function newStatefulSetController(ctx: ControllerContext): StatefulSetController {
  return new StatefulSetController({
    client: ctx.client,
    statefulSets: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'statefulsets'}),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    revisions: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'controllerrevisions'}),
    claims: ctx.informers.informer({version: 'v1', resource: 'persistentvolumeclaims'}),
    recorder: newRecorder(ctx.client, 'statefulset-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
