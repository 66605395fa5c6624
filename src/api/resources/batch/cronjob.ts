// CronJob (batch/v1): Jobs on a schedule; defaults, schedule and job template validation, its table and protobuf schema.
import type {KubeObject, ObjectMeta, StatusCause} from '../../types.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
import {validateLabels} from '../../validation/meta.js'
import {defineResource, statusSubresource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {kindPatch} from '../shared/patch.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {B, I32, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {AGE, age, col, CONTAINERS, containerCells, formatLabelSelector, IMAGES, name, NAME, since} from '../shared/table.js'
import {cronScheduleError} from './cron.js'
import {isKnownTimeZone} from './cron-next.js'
import {jobSpecMessages, jobTemplatePatch, validateJobSpecCommon, type JobSpec} from './job.js'

/** The CronJob fields skiff defaults, validates and prints. */
export interface CronJobSpec {
  schedule?: string
  timeZone?: string
  startingDeadlineSeconds?: number
  concurrencyPolicy?: string
  suspend?: boolean
  successfulJobsHistoryLimit?: number
  failedJobsHistoryLimit?: number
  jobTemplate?: {metadata?: ObjectMeta; spec?: JobSpec}
}

/** A reference to one running Job in status.active (core ObjectReference). */
export interface JobReference {
  apiVersion?: string
  kind?: string
  namespace?: string
  name?: string
  uid?: string
  resourceVersion?: string
}

export interface CronJobStatus {
  active?: JobReference[]
  lastScheduleTime?: string
  lastSuccessfulTime?: string
}

export interface CronJob extends KubeObject {
  spec?: CronJobSpec
  status?: CronJobStatus
}

/** Kubernetes' timeZone checks: non-empty, not "Local", and a zone the runtime can load (names are case-sensitive, as Go's). */
function validateTimeZone(tz: string | undefined): StatusCause[] {
  if (tz === undefined || tz === null) return []
  if (tz === '') return [invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string')]
  if (tz.toLowerCase() === 'local') return [invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')]
  if (!isKnownTimeZone(tz)) return [invalid('spec.timeZone', tz, `unknown time zone ${tz}`)]
  return []
}

function defaultCronJob(obj: KubeObject): void {
  const spec = ((obj as CronJob).spec ??= {})
  setIfAbsent(spec, 'concurrencyPolicy', 'Allow')
  if (spec.suspend == null) spec.suspend = false
  if (spec.successfulJobsHistoryLimit == null) spec.successfulJobsHistoryLimit = 3
  if (spec.failedJobsHistoryLimit == null) spec.failedJobsHistoryLimit = 1
  const jobTemplate = (spec.jobTemplate ??= {})
  jobTemplate.metadata ??= {}
  defaultPodTemplate(((jobTemplate.spec ??= {}).template ??= {}))
}

function validateCronJob(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const nm = obj.metadata.name ?? ''
  // Jobs get "<name>-<unix minutes>" names which must stay a valid 63-character label.
  if (nm.length > 52) causes.push(invalid('metadata.name', nm, 'must be no more than 52 characters'))
  const spec = (obj as CronJob).spec ?? {}
  if (!spec.schedule) causes.push(required('spec.schedule'))
  else {
    // The parser accepts a leading TZ=/CRON_TZ= zone; the API does not, and says so as well as any parse error.
    const prefix = /^(CRON_)?TZ=(\S*)\s*/.exec(spec.schedule.trim())
    const zone = prefix?.[2]
    const err = zone !== undefined && !isKnownTimeZone(zone) ? `provided bad location ${zone}: unknown time zone ${zone}` : cronScheduleError(prefix ? spec.schedule.trim().slice(prefix[0].length) : spec.schedule)
    if (err) causes.push(invalid('spec.schedule', spec.schedule, err))
    if (spec.schedule.includes('TZ')) causes.push(invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'))
  }
  causes.push(...validateTimeZone(spec.timeZone))
  causes.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'))
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) {
    causes.push(spec.concurrencyPolicy === '' ? required('spec.concurrencyPolicy') : notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']))
  }
  causes.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'))
  causes.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'))
  if (!spec.jobTemplate) causes.push(required('spec.jobTemplate'))
  else {
    causes.push(...validateLabels(spec.jobTemplate.metadata?.labels, 'spec.jobTemplate.metadata.labels'))
    causes.push(...validateJobSpecCommon(spec.jobTemplate.spec ?? {}, 'spec.jobTemplate.spec'))
  }
  return causes
}

function row(obj: KubeObject, now: Date): unknown[] {
  const o = obj as CronJob
  const js = o.spec?.jobTemplate?.spec ?? {}
  const [c, i] = containerCells(js.template?.spec?.containers)
  const suspend = o.spec?.suspend == null ? '<unset>' : o.spec.suspend ? 'True' : 'False'
  const last = o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>'
  return [name(o), o.spec?.schedule ?? '', o.spec?.timeZone ?? '<none>', suspend, (o.status?.active ?? []).length, last, age(o, now), c, i, formatLabelSelector(js.selector)]
}

export const cronJob = defineResource('batch', 'v1', 'CronJob', {
  shortNames: ['cj'],
  categories: ['all'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default: defaultCronJob,
  validate: validateCronJob,
  table: {
    columns: [
      NAME,
      col('Schedule', 'string', 0, 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'string', 0, 'The time zone name for the given schedule.'),
      col('Suspend', 'boolean', 0, 'This flag tells the controller to suspend subsequent executions.'),
      col('Active', 'integer', 0, 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 0, 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    row,
  },
  patch: kindPatch({spec: {type: {jobTemplate: {type: jobTemplatePatch}}}}),
  protobuf: {
    ...jobSpecMessages,
    CronJob: specStatusMessage('CronJobSpec', 'CronJobStatus'),
    CronJobSpec: {
      1: ['schedule', S, 'k'], 2: ['startingDeadlineSeconds', I64, 'k'], 3: ['concurrencyPolicy', S], 4: ['suspend', B, 'k'],
      5: ['jobTemplate', 'JobTemplateSpec'], 6: ['successfulJobsHistoryLimit', I32, 'k'], 7: ['failedJobsHistoryLimit', I32, 'k'], 8: ['timeZone', S, 'k'],
    },
    JobTemplateSpec: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec']},
    CronJobStatus: {1: ['active', 'ObjectReference', 'r'], 4: ['lastScheduleTime', 'Time'], 5: ['lastSuccessfulTime', 'Time']},
  },
  strategy: {deleteReturnsObject: true},
})
