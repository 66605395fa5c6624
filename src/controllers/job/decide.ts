// Pure decisions of one Job sync: which finished pods are new, the counts they give, whether the Job has failed or succeeded, and what to create.
import {JOB_INDEX_FAILURE_COUNT, type Job, type JobStatus} from '../../api/resources/batch/job.js'
import type {Condition, Pod} from '../../api/types/workloads.js'
import {restartCount, kubeTime} from '../util/pods.js'
import {parseIndexes} from './indexes.js'
import {completionIndex, failureBackoffMs, finishTime, hasTrackingFinalizer, isFailedPhase, isPodFailed, isSucceeded, isTerminal, isTerminating, judgeFailure, onlyReplaceFailed} from './pods.js'

/** What one sync knows about a Job and its pods before it acts. */
export interface JobView {
  job: Job
  pods: Pod[]
  now: number
  /** Pods whose tracking finalizer we removed and whose update the cache has not shown yet. */
  removing: Set<string>
  /** The failure back-off including this sync's newly finished pods. */
  backoff?: BackoffRecord
}

/** Failures since the last success and when the latest happened, kept per Job (as Kubernetes' backoff store). */
export interface BackoffRecord {
  failures: number
  lastFailure?: number
}

/** The record after newly finished pods (as newBackoffRecord): a success resets it to the failures that came later. */
export function nextBackoffRecord(prev: BackoffRecord, job: Job, newSucceeded: Pod[], newFailed: Pod[], now: number): BackoffRecord {
  const failedAt = newFailed.filter((p) => !isFailedPhase(p) || judgeFailure(job, p).count).map((p) => finishTime(p, now)).sort((a, b) => a - b)
  if (!newSucceeded.length) {
    if (!failedAt.length) return prev
    return {failures: prev.failures + failedAt.length, lastFailure: failedAt.at(-1)}
  }
  const lastSuccess = Math.max(...newSucceeded.map((p) => finishTime(p, now)))
  const later = failedAt.filter((t) => t > lastSuccess)
  return later.length ? {failures: later.length, lastFailure: later.at(-1)} : {failures: 0}
}

/** Milliseconds left of the back-off a record asks for. */
export function recordRemainingMs(r: BackoffRecord | undefined, now: number): number {
  if (!r?.failures || r.lastFailure === undefined) return 0
  return Math.max(0, r.lastFailure + failureBackoffMs(r.failures) - now)
}

export const isIndexed = (job: Job): boolean => job.spec?.completionMode === 'Indexed'
export const findCondition = (conditions: Condition[] | undefined, type: string): Condition | undefined => (conditions ?? []).find((c) => c.type === type)
export const conditionIs = (conditions: Condition[] | undefined, type: string): boolean => findCondition(conditions, type)?.status === 'True'
/** A Job is finished once it has a Complete or Failed condition that is True. */
export const jobFinished = (job: Job): boolean => conditionIs(job.status?.conditions, 'Complete') || conditionIs(job.status?.conditions, 'Failed')
export const isActive = (pod: Pod): boolean => !isTerminal(pod) && !pod.metadata.deletionTimestamp

/** A True condition as the Job controller writes them (probe and transition time now). */
export function newCondition(type: string, reason: string, message: string, now: number): Condition {
  const t = kubeTime(now)
  return {type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason, message}
}

/** The result of counting the pods that finished since the last status. */
export interface Counting {
  /** Finished pods not yet in status or uncountedTerminatedPods. */
  newSucceeded: Pod[]
  newFailed: Pod[]
  /** Succeeded so far, including new pods (for Indexed Jobs, the completed indexes). */
  succeeded: number
  /** Failures counted towards backoffLimit so far. */
  failed: number
  succeededIndexes: Set<number>
  failedIndexes: Set<number>
}

/** Pods that finished and are not counted anywhere yet (as getNewFinishedPods), and the totals including them. */
export function countPods(v: JobView): Counting {
  const {job, pods} = v
  const status = job.status ?? {}
  const completions = job.spec?.completions ?? 0
  const uncounted = new Set([...(status.uncountedTerminatedPods?.succeeded ?? []), ...(status.uncountedTerminatedPods?.failed ?? [])])
  const fresh = pods.filter((p) => hasTrackingFinalizer(p) && !v.removing.has(p.metadata.uid ?? '') && !uncounted.has(p.metadata.uid ?? ''))
  const validIndex = (p: Pod) => !isIndexed(job) || (completionIndex(p) >= 0 && completionIndex(p) < completions)
  const newSucceeded = fresh.filter((p) => isSucceeded(p) && validIndex(p))
  const newFailed = fresh.filter((p) => !isSucceeded(p) && isPodFailed(p, job) && validIndex(p))
  const countedFailures = newFailed.filter((p) => !isFailedPhase(p) || judgeFailure(job, p).count).length
  const failed = (status.failed ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0) + countedFailures
  const succeededIndexes = new Set<number>()
  const failedIndexes = new Set<number>()
  let succeeded: number
  if (isIndexed(job)) {
    for (const i of parseIndexes(status.completedIndexes, completions)) succeededIndexes.add(i)
    for (const p of newSucceeded) succeededIndexes.add(completionIndex(p))
    succeeded = succeededIndexes.size
    if (job.spec?.backoffLimitPerIndex != null) {
      for (const i of parseIndexes(status.failedIndexes, completions)) failedIndexes.add(i)
      for (const p of newFailed) {
        const verdict = isFailedPhase(p) ? judgeFailure(job, p) : {count: true, action: undefined}
        const earlier = Number(p.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT] ?? 0) || 0
        if (verdict.action === 'FailIndex' || (verdict.count && earlier + 1 > job.spec.backoffLimitPerIndex)) failedIndexes.add(completionIndex(p))
      }
      for (const i of succeededIndexes) failedIndexes.delete(i)
    }
  } else {
    succeeded = (status.succeeded ?? 0) + (status.uncountedTerminatedPods?.succeeded?.length ?? 0) + newSucceeded.length
  }
  return {newSucceeded, newFailed, succeeded, failed, succeededIndexes, failedIndexes}
}

/** With restartPolicy OnFailure, failures are in-place restarts: their total over running pods counts against backoffLimit. */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false
  let restarts = 0
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue
    restarts += restartCount(p) + (p.status?.initContainerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0)
  }
  const limit = job.spec?.backoffLimit ?? 6
  return limit === 0 ? restarts > 0 : restarts >= limit
}

/** The first FailJob verdict among the Job's failed pods, as the message of its failure condition. */
export function failJobMessage(job: Job, pods: Pod[]): string | undefined {
  if (!job.spec?.podFailurePolicy) return undefined
  for (const p of pods) if (isFailedPhase(p)) {
    const m = judgeFailure(job, p).failJobMessage
    if (m) return m
  }
  return undefined
}

/** Whether the successPolicy is met by these succeeded indexes, and the message of SuccessCriteriaMet. */
export function matchSuccessPolicy(job: Job, succeeded: Set<number>): string | undefined {
  const completions = job.spec?.completions ?? 0
  for (const [i, rule] of (job.spec?.successPolicy?.rules ?? []).entries()) {
    const wanted = rule.succeededIndexes === undefined ? undefined : parseIndexes(rule.succeededIndexes, completions)
    const hits = wanted ? [...wanted].filter((x) => succeeded.has(x)).length : succeeded.size
    const enough = rule.succeededCount == null ? (wanted ? hits === wanted.size : false) : hits >= rule.succeededCount
    if (enough) return `Matched rules at index ${i}`
  }
  return undefined
}

/**
 * The condition that ends the Job, if any (as syncJob): an existing FailureTarget or SuccessCriteriaMet, a FailJob
 * verdict, the backoff limit, the active deadline, failed indexes, or the success policy. Failures are FailureTarget
 * first; Failed follows once no pod is left running (Kubernetes 1.31+).
 */
export function finishCondition(v: JobView, c: Counting): Condition | undefined {
  const {job, pods, now} = v
  const conds = job.status?.conditions
  const target = findCondition(conds, 'FailureTarget')
  if (target?.status === 'True') return target
  const criteria = findCondition(conds, 'SuccessCriteriaMet')
  if (criteria?.status === 'True') return criteria
  const msg = failJobMessage(job, pods)
  if (msg) return newCondition('FailureTarget', 'PodFailurePolicy', msg, now)
  if (c.failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
    return newCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now)
  }
  if (deadlineRemainingMs(job, now) === 0) return newCondition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', now)
  if (isIndexed(job)) {
    const completions = job.spec?.completions ?? 0
    const maxFailed = job.spec?.maxFailedIndexes
    if (maxFailed != null && c.failedIndexes.size > maxFailed) {
      return newCondition('FailureTarget', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes', now)
    }
    if (c.failedIndexes.size > 0 && c.failedIndexes.size + c.succeededIndexes.size >= completions) {
      return newCondition('FailureTarget', 'FailedIndexes', 'Job has failed indexes', now)
    }
    const matched = matchSuccessPolicy(job, c.succeededIndexes)
    if (matched) return newCondition('SuccessCriteriaMet', 'SuccessPolicy', matched, now)
  }
  return undefined
}

/** Milliseconds left before activeDeadlineSeconds runs out (0 once past), or undefined without a running deadline. */
export function deadlineRemainingMs(job: Job, now: number): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds
  const start = Date.parse(job.status?.startTime ?? '')
  if (ads == null || job.spec?.suspend || !Number.isFinite(start)) return undefined
  return Math.max(0, start + ads * 1000 - now)
}

/** How many pods should run now (as manageJob's wantActive). */
export function wantActive(job: Job, succeeded: number, active: number): number {
  const parallelism = job.spec?.parallelism ?? 1
  const completions = job.spec?.completions
  if (completions == null) return succeeded > 0 ? Math.min(active, parallelism) : parallelism
  return Math.max(0, Math.min(completions - succeeded, parallelism))
}

/**
 * Milliseconds to wait before replacing failed pods: the back-off after the failures since the last success, counted
 * from the latest failure (Kubernetes keeps the same record in memory; it is rebuilt here from the pods themselves).
 */
export function backoffRemainingMs(job: Job, pods: Pod[], now: number, index?: number): number {
  const finished = pods.filter((p) => (isSucceeded(p) || isPodFailed(p, job)) && (index === undefined || completionIndex(p) === index))
  const lastSuccess = Math.max(0, ...finished.filter(isSucceeded).map((p) => finishTime(p, now)))
  const failures = finished.filter((p) => !isSucceeded(p) && (!isFailedPhase(p) || judgeFailure(job, p).count)).map((p) => finishTime(p, now)).filter((t) => t >= lastSuccess)
  if (!failures.length) return 0
  return Math.max(0, Math.max(...failures) + failureBackoffMs(failures.length) - now)
}

/** The newest failed pod of each index (for backoffLimitPerIndex's failure counts). */
export function lastFailedPerIndex(job: Job, pods: Pod[], now: number): Map<number, Pod> {
  const out = new Map<number, Pod>()
  for (const p of pods) {
    if (!isPodFailed(p, job) || isSucceeded(p)) continue
    const i = completionIndex(p)
    const prev = out.get(i)
    if (!prev || finishTime(prev, now) <= finishTime(p, now)) out.set(i, p)
  }
  return out
}

/**
 * The lowest indexes that have no succeeded, failed, active (or, when only failed pods are replaced, terminating) pod
 * and whose per-index back-off is over; the smallest remaining back-off is returned to look again then.
 */
export function pendingIndexes(v: JobView, c: Counting, count: number): {indexes: number[]; retryInMs?: number} {
  const {job, pods, now} = v
  const completions = job.spec?.completions ?? 0
  const busy = new Set<number>()
  for (const p of pods) if (isActive(p) || (onlyReplaceFailed(job) && isTerminating(p) && !isPodFailed(p, job))) busy.add(completionIndex(p))
  const perIndex = job.spec?.backoffLimitPerIndex != null
  const indexes: number[] = []
  let retryInMs: number | undefined
  for (let i = 0; i < completions && indexes.length < count; i++) {
    if (c.succeededIndexes.has(i) || c.failedIndexes.has(i) || busy.has(i)) continue
    if (perIndex) {
      const wait = backoffRemainingMs(job, pods, now, i)
      if (wait > 0) {
        retryInMs = Math.min(retryInMs ?? wait, wait)
        continue
      }
    }
    indexes.push(i)
  }
  return {indexes, retryInMs}
}

/** The status fields counted from pods that every write carries: active, ready, terminating. */
export function podCounts(pods: Pod[]): Pick<JobStatus, 'active' | 'ready' | 'terminating'> {
  const active = pods.filter(isActive)
  const ready = active.filter((p) => (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True')).length
  return {active: active.length, ready, terminating: pods.filter(isTerminating).length}
}

