// The Jobs of a CronJob: building one for a start time, reading whether one finished, and the active list in status.
import type {CronJob, JobReference} from '../../api/resources/batch/cronjob.js'
import type {Job} from '../../api/resources/batch/job.js'
import {newControllerRef} from '../util/owners.js'
import {formatInZone, jobNameFor} from './schedule.js'

export const CRONJOB_API = 'batch/v1'
export const CRONJOB_KIND = 'CronJob'
/** The annotation recording which start time a Job was made for, in the CronJob's zone. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp'

/** 'Complete' or 'Failed' when the Job has that condition True (a finished Job), else undefined. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type
  }
  return undefined
}

/** The Job a CronJob starts for one scheduled time (getJobFromTemplate2): template labels and annotations, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, tz: string): Job {
  const tpl = cj.spec?.jobTemplate ?? {}
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: {...tpl.metadata?.labels},
      annotations: {...tpl.metadata?.annotations, [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledMs, tz)},
      ownerReferences: [newControllerRef(cj, CRONJOB_API, CRONJOB_KIND)],
    },
    spec: structuredClone(tpl.spec ?? {}),
  }
}

/** The object reference status.active holds for a Job. */
export function jobReference(job: Job): JobReference {
  return {apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion}
}

/** Orders Jobs oldest first by start time; Jobs not started yet go last, ties by name (byJobStartTime). */
export function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime ? Date.parse(a.status.startTime) : undefined
  const sb = b.status?.startTime ? Date.parse(b.status.startTime) : undefined
  if (sa === undefined && sb !== undefined) return 1
  if (sa !== undefined && sb === undefined) return -1
  if (sa === sb) return String(a.metadata.name).localeCompare(String(b.metadata.name))
  return (sa ?? 0) - (sb ?? 0)
}

/** The active list with one uid taken out. */
export const withoutActive = (active: JobReference[] | undefined, uid: string | undefined): JobReference[] => (active ?? []).filter((r) => r.uid !== uid)
