// Job pod facts: the pods a Job creates from its template, their completion index, finish time, and how the pod failure policy judges a failure.
import {JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT, JOB_TRACKING_FINALIZER, type Job, type PodFailurePolicyRule} from '../../api/resources/batch/job.js'
import type {Condition, Container, ContainerStatus, Pod} from '../../api/types/workloads.js'
import {newControllerRef} from '../util/owners.js'

export const JOB_API = 'batch/v1'
export const JOB_KIND = 'Job'
/** First pod-failure back-off and its cap (Kubernetes' DefaultJobPodFailureBackOff; the cap as the Job docs state it). */
export const POD_FAILURE_BACKOFF_MS = 10_000
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000
/** A generated name's prefix may be at most 58 characters so the 5 random ones keep it a DNS label. */
const MAX_GENERATE_NAME = 58

/** The completion index a pod carries (annotation first, then label), or -1 when it has none or a malformed one. */
export function completionIndex(pod: Pod): number {
  const raw = pod.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX]
  if (raw === undefined || !/^(0|[1-9]\d*)$/.test(raw)) return -1
  return Number(raw)
}

export const hasTrackingFinalizer = (pod: Pod): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded'
export const isFailedPhase = (pod: Pod): boolean => pod.status?.phase === 'Failed'
export const isTerminal = (pod: Pod): boolean => isSucceeded(pod) || isFailedPhase(pod)
/** Being deleted but still running: counted in status.terminating. */
export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp && !isTerminal(pod)

/** Whether the Job replaces a pod only once it has failed, not while it terminates (podReplacementPolicy Failed). */
export const onlyReplaceFailed = (job: Job): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy

/**
 * Whether a pod counts as failed (as Kubernetes' isPodFailed): phase Failed; or, unless only failed pods are replaced,
 * deleted before it succeeded, so a pod removed by hand or by eviction still counts as a failure. When only failed
 * pods are replaced, a deleted pod whose grace period is over (its node stopped it and deleted it with period 0, or it
 * never ran) counts too: skiff's agent does not write a terminal phase for deleted pods, and waiting for one would
 * keep the pod in Terminating for ever.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (isFailedPhase(pod)) return true
  if (!pod.metadata.deletionTimestamp || isSucceeded(pod)) return false
  return !onlyReplaceFailed(job) || pod.metadata.deletionGracePeriodSeconds === 0
}

/** When the pod finished: the latest container finish, else when it was deleted, else fallback. */
export function finishTime(pod: Pod, fallback: number): number {
  let latest = 0
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const t = Date.parse(s.state?.terminated?.finishedAt ?? '')
    if (Number.isFinite(t) && t > latest) latest = t
  }
  if (latest) return latest
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? '')
  return Number.isFinite(deleted) ? deleted : fallback
}

/** The pod-failure back-off after `failures` consecutive failures: 10 s doubling, capped. */
export function failureBackoffMs(failures: number): number {
  if (failures <= 0) return 0
  return Math.min(POD_FAILURE_BACKOFF_MS * 2 ** Math.min(failures - 1, 30), MAX_POD_FAILURE_BACKOFF_MS)
}

/** What the pod failure policy says about one failed pod. */
export interface FailureVerdict {
  /** Set when a FailJob rule matched: the message of the Job's failure condition. */
  failJobMessage?: string
  /** Whether the failure counts towards backoffLimit (false for Ignore). */
  count: boolean
  action?: string
}

function matchExitCodes(pod: Pod, req: NonNullable<PodFailurePolicyRule['onExitCodes']>): ContainerStatus | undefined {
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (req.containerName && req.containerName !== s.name) continue
    const code = s.state?.terminated?.exitCode
    // Exit code 0 is never a failure, whatever the operator.
    if (code === undefined || code === 0) continue
    const listed = (req.values ?? []).includes(code)
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return s
  }
  return undefined
}

function matchConditions(pod: Pod, patterns: NonNullable<PodFailurePolicyRule['onPodConditions']>): Condition | undefined {
  for (const c of pod.status?.conditions ?? []) for (const p of patterns) if (c.type === p.type && c.status === (p.status ?? 'True')) return c
  return undefined
}

/** Applies spec.podFailurePolicy to a failed pod: the first matching rule decides; no match counts the failure. */
export function judgeFailure(job: Job, pod: Pod): FailureVerdict {
  const rules = job.spec?.podFailurePolicy?.rules ?? []
  for (const [i, rule] of rules.entries()) {
    let what: string | undefined
    if (rule.onExitCodes) {
      const s = matchExitCodes(pod, rule.onExitCodes)
      if (s) what = `Container ${s.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${s.state?.terminated?.exitCode}`
    } else if (rule.onPodConditions) {
      const c = matchConditions(pod, rule.onPodConditions)
      if (c) what = `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${c.type}`
    }
    if (what === undefined) continue
    if (rule.action === 'Ignore') return {count: false, action: 'Ignore'}
    if (rule.action === 'FailJob') return {count: true, action: 'FailJob', failJobMessage: `${what} matching FailJob rule at index ${i}`}
    if (rule.action === 'FailIndex' || rule.action === 'Count') return {count: true, action: rule.action}
  }
  return {count: true}
}

/** Earlier failures of an index as its newest failed pod records them: [counted, ignored]. */
export function indexFailureCounts(lastFailed: Pod | undefined, job: Job): [number, number] {
  if (!lastFailed) return [0, 0]
  const counted = Number(lastFailed.metadata.annotations?.[JOB_INDEX_FAILURE_COUNT] ?? 0) || 0
  const ignored = Number(lastFailed.metadata.annotations?.[JOB_INDEX_IGNORED_FAILURE_COUNT] ?? 0) || 0
  return judgeFailure(job, lastFailed).count ? [counted + 1, ignored] : [counted, ignored + 1]
}

function withIndexEnv(c: Container): Container {
  if ((c.env ?? []).some((e) => e.name === 'JOB_COMPLETION_INDEX')) return c
  return {...c, env: [...(c.env ?? []), {name: 'JOB_COMPLETION_INDEX', valueFrom: {fieldRef: {fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']`}}}]}
}

/**
 * The pod a Job creates: its template with the tracking finalizer and a controller reference; for an Indexed Job also
 * the completion index (annotation, label, JOB_COMPLETION_INDEX), hostname <job>-<index> and, with backoffLimitPerIndex,
 * the index's earlier failure counts.
 */
export function podForJob(job: Job, index = -1, failures?: [number, number]): Pod {
  const tpl = job.spec?.template ?? {}
  const md = tpl.metadata ?? {}
  const spec = structuredClone(tpl.spec ?? {containers: []})
  const labels: Record<string, string> = {...md.labels}
  const annotations: Record<string, string> = {...md.annotations}
  const jobName = job.metadata.name ?? ''
  let generateName = `${jobName}-`
  if (index >= 0) {
    annotations[JOB_COMPLETION_INDEX] = String(index)
    labels[JOB_COMPLETION_INDEX] = String(index)
    spec.hostname = `${jobName}-${index}`
    spec.containers = (spec.containers ?? []).map(withIndexEnv)
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withIndexEnv)
    const suffix = `-${index}-`
    generateName = `${jobName.slice(0, MAX_GENERATE_NAME - suffix.length)}${suffix}`
    if (failures) {
      annotations[JOB_INDEX_FAILURE_COUNT] = String(failures[0])
      if (failures[1] > 0) annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(failures[1])
    }
  } else if (generateName.length > MAX_GENERATE_NAME) generateName = generateName.slice(0, MAX_GENERATE_NAME)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: job.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? {annotations} : {}),
      finalizers: [...new Set([...(md.finalizers ?? []), JOB_TRACKING_FINALIZER])],
      ownerReferences: [newControllerRef(job, JOB_API, JOB_KIND)],
    },
    spec,
  }
}
