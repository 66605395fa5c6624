// Creating and deleting a Job's pods: as many active pods as parallelism and the remaining completions allow, after the failure back-off.
import type {Pod} from '../../api/types/workloads.js'
import type {WorkQueue} from '../../client/workqueue.js'
import {isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import type {ControllerClient} from '../types.js'
import {type Recorder, typed} from '../util/events.js'
import type {Expectations} from '../util/expectations.js'
import {compareForDeletion, slowStartBatch} from '../util/podcontrol.js'
import {messageOf} from '../util/errors.js'
import {isPodReady} from '../util/pods.js'
import {type Counting, type JobView, backoffRemainingMs, isActive, recordRemainingMs, isIndexed, lastFailedPerIndex, pendingIndexes, wantActive} from './decide.js'
import {completionIndex, indexFailureCounts, isPodFailed, isTerminating, JOB_API, JOB_KIND, onlyReplaceFailed, podForJob} from './pods.js'

/** At most this many pods are created or deleted per sync (Kubernetes' MaxPodCreateDeletePerSync). */
export const MAX_POD_CHANGES_PER_SYNC = 500

/** What manageJob needs of the controller. */
export interface PodControl {
  opts: {client: ControllerClient; recorder: Recorder}
  expectations: Expectations
  queue: WorkQueue
}

/** What one manageJob call changed, so status can report it before the cache does. */
export interface PodChanges {
  created: number
  deleted: number
  deletedReady: number
}

/** Active pods an Indexed Job should not keep: no valid index, an index already done or failed, or a second pod for one index. */
function surplusIndexed(v: JobView, c: Counting, active: Pod[]): Pod[] {
  const completions = v.job.spec?.completions ?? 0
  const out: Pod[] = []
  const kept = new Map<number, Pod>()
  // The pods most worth keeping come last in deletion order, so visit them first.
  for (const p of [...active].sort(compareForDeletion).reverse()) {
    const i = completionIndex(p)
    if (i < 0 || i >= completions || c.succeededIndexes.has(i) || c.failedIndexes.has(i) || kept.has(i)) out.push(p)
    else kept.set(i, p)
  }
  return out
}

/**
 * Brings the Job's active pods to what it wants (as manageJob): 'run' creates or deletes the difference, 'suspend' and
 * 'stop' delete every active pod. Creation waits out the pod-failure back-off, requeueing for when it ends.
 */
export async function manageJob(ctl: PodControl, key: string, v: JobView, c: Counting, mode: 'run' | 'suspend' | 'stop'): Promise<PodChanges> {
  const {job, pods, now} = v
  const active = pods.filter(isActive)
  if (mode !== 'run') return deletePods(ctl, key, v, active)
  const doomed = isIndexed(job) ? surplusIndexed(v, c, active) : []
  const keep = active.filter((p) => !doomed.includes(p))
  let want = wantActive(job, c.succeeded, keep.length)
  // With podReplacementPolicy Failed a terminating pod still holds its place until it has failed.
  if (!isIndexed(job) && onlyReplaceFailed(job)) want = Math.max(0, want - pods.filter((p) => isTerminating(p) && !isPodFailed(p, job)).length)
  if (keep.length > want) doomed.push(...[...keep].sort(compareForDeletion).slice(0, keep.length - want))
  if (doomed.length) return deletePods(ctl, key, v, doomed.slice(0, MAX_POD_CHANGES_PER_SYNC))
  if (keep.length >= want) return {created: 0, deleted: 0, deletedReady: 0}
  const perIndex = job.spec?.backoffLimitPerIndex != null
  if (!perIndex) {
    // The in-memory record remembers failed pods that are gone; the pods themselves cover a restarted controller.
    const wait = Math.max(backoffRemainingMs(job, pods, now), recordRemainingMs(v.backoff, now))
    if (wait > 0) {
      ctl.queue.addAfter(key, wait)
      return {created: 0, deleted: 0, deletedReady: 0}
    }
  }
  let count = Math.min(want - keep.length, MAX_POD_CHANGES_PER_SYNC)
  let indexes: number[] = []
  if (isIndexed(job)) {
    const pending = pendingIndexes(v, c, count)
    if (pending.retryInMs !== undefined) ctl.queue.addAfter(key, pending.retryInMs)
    indexes = pending.indexes
    count = indexes.length
  }
  if (!count) return {created: 0, deleted: 0, deletedReady: 0}
  const lastFailed = perIndex ? lastFailedPerIndex(job, pods, now) : new Map<number, Pod>()
  const jobEvent = typed(job, JOB_API, JOB_KIND)
  // Expect before creating: the informer may deliver the new pods before the create calls return.
  ctl.expectations.expectCreations(key, count)
  let next = 0
  const {successes, error} = await slowStartBatch(count, 1, async () => {
    const index = isIndexed(job) ? indexes[next++] : -1
    const template = podForJob(job, index, perIndex ? indexFailureCounts(lastFailed.get(index), job) : undefined)
    try {
      const pod = await ctl.opts.client.create<Pod>({version: 'v1', resource: 'pods', namespace: job.metadata.namespace}, template)
      ctl.opts.recorder.record(jobEvent, 'Normal', 'SuccessfulCreate', 'Create', `Created pod: ${pod.metadata.name}`)
    } catch (err: unknown) {
      // A terminating namespace refuses new pods; that is expected while it goes away.
      if ((err as {code?: number})?.code === 403 && /being terminated/.test(messageOf(err))) return
      ctl.opts.recorder.record(jobEvent, 'Warning', 'FailedCreate', 'Create', `Error creating: ${messageOf(err)}`)
      throw err
    }
  })
  for (let i = successes; i < count; i++) ctl.expectations.creationObserved(key)
  if (error !== undefined) throw error
  return {created: successes, deleted: 0, deletedReady: 0}
}

async function deletePods(ctl: PodControl, key: string, v: JobView, victims: Pod[]): Promise<PodChanges> {
  if (!victims.length) return {created: 0, deleted: 0, deletedReady: 0}
  const jobEvent = typed(v.job, JOB_API, JOB_KIND)
  ctl.expectations.expectDeletions(key, victims.map(objectKey))
  let deleted = 0
  let deletedReady = 0
  let firstError: unknown
  await Promise.all(
    victims.map(async (pod) => {
      try {
        await ctl.opts.client.delete({version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name}, {preconditions: {uid: pod.metadata.uid}})
        deleted++
        if (isPodReady(pod)) deletedReady++
        ctl.opts.recorder.record(jobEvent, 'Normal', 'SuccessfulDelete', 'Delete', `Deleted pod: ${pod.metadata.name}`)
      } catch (err: unknown) {
        ctl.expectations.deletionObserved(key, objectKey(pod))
        if (isNotFound(err)) return
        ctl.opts.recorder.record(jobEvent, 'Warning', 'FailedDelete', 'Delete', `Error deleting: ${messageOf(err)}`)
        firstError ??= err
      }
    }),
  )
  if (firstError) throw firstError
  return {created: 0, deleted, deletedReady}
}
