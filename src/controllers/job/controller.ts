// Job controller: runs a Job's pods to the wanted number of completions, tracks each finished pod exactly once with a finalizer, and ends the Job as Complete or Failed.
import {isDeepStrictEqual} from 'node:util'
import {JOB_TRACKING_FINALIZER, type Job, type JobStatus} from '../../api/resources/batch/job.js'
import type {Pod} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {Expectations, EXPECTATIONS_TTL_MS} from '../util/expectations.js'
import {claimObjects, newControllerRef} from '../util/owners.js'
import {controllerRef, kubeTime} from '../util/pods.js'
import {messageOf} from '../util/errors.js'
import {selectorIsEmpty} from '../../api/selectors.js'
import {type BackoffRecord, type Counting, type JobView, countPods, nextBackoffRecord, deadlineRemainingMs, findCondition, finishCondition, isIndexed, jobFinished, newCondition, podCounts} from './decide.js'
import {hasTrackingFinalizer, isFailedPhase, isPodFailed, isTerminal, judgeFailure, JOB_API, JOB_KIND} from './pods.js'
import {manageJob} from './manage.js'
import {formatIndexes} from './indexes.js'

/** Keys of pods whose Job is gone but which still carry the tracking finalizer start with this. */
const ORPHAN = 'orphan-pod:'

/** Dependencies of the Job controller. */
export interface JobControllerOptions {
  client: ControllerClient
  jobs: Lister<Job>
  pods: Lister<Pod>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Converges each Job: creates and deletes its pods, counts finished ones into status, and sets its conditions. */
export class JobController implements Controller {
  readonly name = 'job'
  readonly queue: WorkQueue
  readonly expectations: Expectations
  /** Per Job key, the uids of pods whose finalizer we removed, with when, until the cache shows it gone. */
  readonly removals = new Map<string, Map<string, number>>()
  /** Per Job key, the pod-failure back-off of its counted pods. */
  readonly backoffs = new Map<string, BackoffRecord>()
  readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(readonly opts: JobControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.expectations = new Expectations(this.clock)
    opts.jobs.addHandlers({
      onAdd: (j) => this.queue.add(objectKey(j)),
      onUpdate: (_o, n) => this.queue.add(objectKey(n)),
      onDelete: (j) => {
        this.expectations.delete(objectKey(j))
        this.removals.delete(objectKey(j))
        this.backoffs.delete(objectKey(j))
        // Its pods may have changed for the last time while it was still cached: free them now.
        for (const p of opts.pods.list()) if (hasTrackingFinalizer(p) && controllerRef(p)?.uid === j.metadata.uid) this.queue.add(`${ORPHAN}${objectKey(p)}`)
      },
    })
    opts.pods.addHandlers({onAdd: (p) => this.podChanged(p), onUpdate: (o, n) => o.metadata.resourceVersion !== n.metadata.resourceVersion && this.podChanged(n, o), onDelete: (p) => this.podChanged(p, undefined, true)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.jobs.waitForSync(signal)) || !(await this.opts.pods.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 5,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** The cached Job a pod's controller reference points to (same uid), if any. */
  private jobOf(pod: Pod): Job | undefined {
    const ref = controllerRef(pod)
    if (ref?.kind !== JOB_KIND) return undefined
    const job = this.opts.jobs.get(`${pod.metadata.namespace}/${ref.name}`)
    return job?.metadata.uid === ref.uid ? job : undefined
  }

  private podChanged(pod: Pod, old?: Pod, deleted = false): void {
    const job = this.jobOf(pod)
    if (!job) {
      if (!deleted && hasTrackingFinalizer(pod) && controllerRef(pod)?.kind === JOB_KIND) this.queue.add(`${ORPHAN}${objectKey(pod)}`)
      return
    }
    const key = objectKey(job)
    if (!old && !deleted) this.expectations.creationObserved(key)
    // A deletion counts as observed once the pod is terminating: it no longer counts as active.
    if (deleted || (pod.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp)) this.expectations.deletionObserved(key, objectKey(pod))
    if (deleted || !hasTrackingFinalizer(pod)) this.removals.get(key)?.delete(pod.metadata.uid ?? '')
    this.queue.add(key)
  }

  /** Uids whose finalizer removal the cache has not shown yet (stale entries expire like expectations). */
  private pendingRemovals(key: string): Set<string> {
    const m = this.removals.get(key)
    if (!m) return new Set()
    const now = this.clock.now()
    for (const [uid, at] of m) if (now - at > EXPECTATIONS_TTL_MS) m.delete(uid)
    return new Set(m.keys())
  }

  /** Converges one Job (or frees one orphaned pod). */
  async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN)) return this.syncOrphan(key.slice(ORPHAN.length))
    const job = this.opts.jobs.get(key)
    if (!job) {
      this.expectations.delete(key)
      this.removals.delete(key)
      this.backoffs.delete(key)
      return
    }
    // Another controller manages this Job (spec.managedBy): leave it alone.
    if (job.spec?.managedBy && job.spec.managedBy !== 'kubernetes.io/job-controller') return
    if (!job.spec?.selector || selectorIsEmpty(job.spec.selector)) return
    const pods = await this.claimPods(job)
    const removing = this.pendingRemovals(key)
    if (jobFinished(job)) {
      // Everything is counted already; pods still holding the finalizer (deleted or late) are let go.
      await this.removeFinalizers(key, pods.filter((p) => hasTrackingFinalizer(p) && !removing.has(p.metadata.uid ?? '')))
      return
    }
    await this.syncJob(key, job, pods, removing)
  }

  private async syncJob(key: string, cached: Job, pods: Pod[], removing: Set<string>): Promise<void> {
    const now = this.clock.now()
    const status: JobStatus = structuredClone(cached.status ?? {})
    const suspended = cached.spec?.suspend === true
    if (!status.startTime && !suspended) status.startTime = kubeTime(now)
    const job: Job = {...cached, status}
    const view: JobView = {job, pods, now, removing}
    const counting = countPods(view)
    view.backoff = nextBackoffRecord(this.backoffs.get(key) ?? {failures: 0}, job, counting.newSucceeded, counting.newFailed, now)
    let finished = finishCondition(view, counting)
    let manageError: unknown
    let changes = {created: 0, deleted: 0, deletedReady: 0}
    const jobEvent = typed(cached, JOB_API, JOB_KIND)
    if (finished) {
      // A failing (or already successful) Job stops its remaining pods.
      changes = await manageJob(this, key, view, counting, 'stop')
    } else {
      const remaining = deadlineRemainingMs(job, now)
      if (remaining !== undefined) this.queue.addAfter(key, remaining + 100)
      let managed = false
      if (this.expectations.satisfied(key) && removing.size === 0 && !cached.metadata.deletionTimestamp) {
        try {
          changes = await manageJob(this, key, view, counting, suspended ? 'suspend' : 'run')
        } catch (err: unknown) {
          manageError = err
        }
        managed = true
      }
      const active = podCounts(pods).active! + changes.created - changes.deleted
      const completions = job.spec?.completions
      const complete = completions == null ? counting.succeeded > 0 && active === 0 : counting.succeeded >= completions && active === 0
      if (complete) finished = newCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', now)
      else if (managed) this.suspendConditions(status, jobEvent, suspended, now)
    }
    await this.trackAndRemoveFinalizers(key, cached, status, view, counting, finished, changes)
    // Only once the new pods are recorded as counted, or the next sync would add them to the back-off again.
    this.backoffs.set(key, view.backoff)
    if (manageError) throw manageError
  }

  /** Suspended True (startTime cleared) while spec.suspend; on resume Suspended turns False and startTime restarts, so the deadline counts active time only. */
  private suspendConditions(status: JobStatus, jobEvent: Job, suspended: boolean, now: number): void {
    const conds = (status.conditions ??= [])
    const cur = findCondition(conds, 'Suspended')
    if (suspended && cur?.status !== 'True') {
      const c = newCondition('Suspended', 'JobSuspended', 'Job suspended', now)
      if (cur) Object.assign(cur, c)
      else conds.push(c)
      // A suspended Job is not active: its deadline counts from the next resume (startTime may only go while suspended).
      delete status.startTime
      this.opts.recorder.record(jobEvent, 'Normal', 'Suspended', 'Suspend', 'Job suspended')
    } else if (!suspended && cur?.status === 'True') {
      Object.assign(cur, {...newCondition('Suspended', 'JobResumed', 'Job resumed', now), status: 'False'})
      status.startTime = kubeTime(now)
      this.opts.recorder.record(jobEvent, 'Normal', 'Resumed', 'Resume', 'Job resumed')
    }
    if (!conds.length) delete status.conditions
  }

  /**
   * Counts newly finished pods: their uids go to uncountedTerminatedPods (written first), then their finalizers are
   * removed, and only then are they moved into succeeded/failed, so a pod is counted once even across restarts and
   * even when it was deleted in between. The terminal condition is added once nothing is uncounted or terminating.
   */
  private async trackAndRemoveFinalizers(key: string, cached: Job, status: JobStatus, view: JobView, c: Counting, finished: ReturnType<typeof finishCondition>, changes: {created: number; deleted: number; deletedReady: number}): Promise<void> {
    const {job, pods, removing} = view
    const uncounted = {succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])]}
    const withFinalizer = new Set(pods.filter(hasTrackingFinalizer).map((p) => p.metadata.uid ?? ''))
    // Uncounted pods whose finalizer is gone were counted by an earlier sync's removal: move them now.
    const moveRemoved = (gone: (uid: string) => boolean) => {
      const s = uncounted.succeeded.filter(gone).length
      const f = uncounted.failed.filter(gone).length
      uncounted.succeeded = uncounted.succeeded.filter((u) => !gone(u))
      uncounted.failed = uncounted.failed.filter((u) => !gone(u))
      if (!isIndexed(job)) status.succeeded = (status.succeeded ?? 0) + s
      status.failed = (status.failed ?? 0) + f
    }
    moveRemoved((u) => !withFinalizer.has(u))
    for (const p of c.newSucceeded) if (!isIndexed(job)) uncounted.succeeded.push(p.metadata.uid ?? '')
    for (const p of c.newFailed) if (!isFailedPhase(p) || judgeFailure(job, p).count) uncounted.failed.push(p.metadata.uid ?? '')
    const failing = finished?.type === 'FailureTarget'
    const known = new Set([...uncounted.succeeded, ...uncounted.failed])
    const toRemove = pods.filter((p) => {
      const uid = p.metadata.uid ?? ''
      if (!hasTrackingFinalizer(p) || removing.has(uid)) return false
      if (isTerminal(p) || isPodFailed(p, job)) return true
      if (!finished) return false
      // Once the Job fails, the pods still running count as failed.
      if (failing && !known.has(uid)) uncounted.failed.push(uid)
      return true
    })
    if (isIndexed(job)) {
      status.completedIndexes = formatIndexes(c.succeededIndexes)
      status.succeeded = c.succeededIndexes.size
      if (job.spec?.backoffLimitPerIndex != null) status.failedIndexes = formatIndexes(c.failedIndexes)
    }
    const counts = podCounts(pods)
    status.active = counts.active! + changes.created - changes.deleted
    status.ready = counts.ready! - changes.deletedReady
    status.terminating = counts.terminating! + changes.deleted
    if (finished && !findCondition(status.conditions, finished.type)) (status.conditions ??= []).push(finished)
    status.uncountedTerminatedPods = pruneUncounted(uncounted)
    let rv = cached.metadata.resourceVersion
    if (toRemove.length) {
      // The uncounted uids (and any new finish condition) must be stored before a finalizer goes.
      rv = await this.writeStatus(cached, status, rv)
      const removed = await this.removeFinalizers(key, toRemove)
      moveRemoved((u) => removed.has(u))
      status.uncountedTerminatedPods = pruneUncounted(uncounted)
    }
    let done: string | undefined
    if (finished && !uncounted.succeeded.length && !uncounted.failed.length && status.terminating === 0) done = this.enactFinished(status, finished, view.now)
    if (!isDeepStrictEqual(normalize(status), normalize(cached.status ?? {})) || rv !== cached.metadata.resourceVersion) await this.writeStatus(cached, status, rv)
    if (done) {
      const ev = typed(cached, JOB_API, JOB_KIND)
      if (done === 'Complete') this.opts.recorder.record(ev, 'Normal', 'Completed', 'Complete', 'Job completed')
      else this.opts.recorder.record(ev, 'Warning', finished!.reason ?? 'Failed', 'Fail', finished!.message ?? '')
    }
  }

  /** Turns FailureTarget into Failed and SuccessCriteriaMet into Complete (with completionTime); returns which. */
  private enactFinished(status: JobStatus, finished: NonNullable<ReturnType<typeof finishCondition>>, now: number): string {
    const type = finished.type === 'SuccessCriteriaMet' ? 'Complete' : 'Failed'
    if (!findCondition(status.conditions, type)) (status.conditions ??= []).push(newCondition(type, finished.reason ?? '', finished.message ?? '', now))
    if (type === 'Complete') status.completionTime = kubeTime(now)
    return type
  }

  /** Writes status through the status subresource at resourceVersion rv; returns the new resourceVersion. */
  private async writeStatus(job: Job, status: JobStatus, rv: string | undefined): Promise<string | undefined> {
    const body = {...typed(job, JOB_API, JOB_KIND), metadata: {...job.metadata, resourceVersion: rv}, status: normalize(status)}
    const target = {group: 'batch', version: 'v1', resource: 'jobs', namespace: job.metadata.namespace, name: job.metadata.name, subresource: 'status'}
    const out = await this.opts.client.update<Job>(target, body)
    return out?.metadata?.resourceVersion ?? rv
  }

  /** Removes the tracking finalizer from pods; returns the uids now free of it (removed, or pod gone). */
  async removeFinalizers(key: string, pods: Pod[]): Promise<Set<string>> {
    const done = new Set<string>()
    const pending = this.removals.get(key) ?? new Map<string, number>()
    this.removals.set(key, pending)
    let firstError: unknown
    await Promise.all(
      pods.map(async (p) => {
        const uid = p.metadata.uid ?? ''
        pending.set(uid, this.clock.now())
        try {
          await this.dropFinalizer(p)
          done.add(uid)
        } catch (err: unknown) {
          if (isNotFound(err)) done.add(uid)
          else firstError ??= err
          pending.delete(uid)
        }
      }),
    )
    if (firstError) throw firstError
    return done
  }

  private dropFinalizer(p: Pod): Promise<unknown> {
    const finalizers = (p.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER)
    const target = {version: 'v1', resource: 'pods', namespace: p.metadata.namespace, name: p.metadata.name}
    // The resourceVersion makes a concurrent finalizer change conflict rather than be overwritten.
    return this.opts.client.patch(target, {metadata: {resourceVersion: p.metadata.resourceVersion, uid: p.metadata.uid, finalizers: finalizers.length ? finalizers : null}}, 'merge')
  }

  /** A pod whose Job is gone keeps nothing to be counted for: its finalizer goes so it can be deleted. */
  private async syncOrphan(podKey: string): Promise<void> {
    const pod = this.opts.pods.get(podKey)
    if (!pod || !hasTrackingFinalizer(pod) || this.jobOf(pod)) return
    await this.dropFinalizer(pod).catch((err: unknown) => {
      if (!isNotFound(err)) throw err
    })
  }

  /** All pods the Job controls (finished ones too: they are counted), adopting matching orphans. */
  private async claimPods(job: Job): Promise<Pod[]> {
    const ns = job.metadata.namespace
    return (await claimObjects({
      client: this.opts.client,
      owner: job,
      ref: newControllerRef(job, JOB_API, JOB_KIND),
      selector: job.spec!.selector!,
      candidates: this.opts.pods.list().filter((p) => p.metadata.namespace === ns),
      target: (p) => ({version: 'v1', resource: 'pods', namespace: ns, name: p.metadata.name}),
    })) as Pod[]
  }
}

function pruneUncounted(u: {succeeded: string[]; failed: string[]}): JobStatus['uncountedTerminatedPods'] {
  return {...(u.succeeded.length ? {succeeded: u.succeeded} : {}), ...(u.failed.length ? {failed: u.failed} : {})}
}

/** Status as the API stores it: zero counters omitted (omitempty) except the pointer fields ready and terminating. */
function normalize(s: JobStatus): JobStatus {
  const out: JobStatus = {...s}
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!out[k]) delete out[k]
  if (out.completedIndexes === '') delete out.completedIndexes
  if (out.conditions && !out.conditions.length) delete out.conditions
  return out
}

/** Registry entry: the Job controller over the manager's shared Job and Pod informers. */
export function newJobController(ctx: ControllerContext): JobController {
  return new JobController({
    client: ctx.client,
    jobs: ctx.informers.informer({group: 'batch', version: 'v1', resource: 'jobs'}),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    recorder: newRecorder(ctx.client, 'job-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}

