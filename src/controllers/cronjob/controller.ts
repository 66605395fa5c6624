// CronJob controller (Kubernetes' v2): starts a Job per scheduled time, honours concurrency, deadlines and suspend, trims history.
import {isDeepStrictEqual} from 'node:util'
import type {CronJob, CronJobStatus} from '../../api/resources/batch/cronjob.js'
import type {Job} from '../../api/resources/batch/job.js'
import {isKnownTimeZone} from '../../api/resources/batch/cron-next.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isAlreadyExists, isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {messageOf} from '../util/errors.js'
import {controllerRef, kubeTime} from '../util/pods.js'
import {byStartTime, CRONJOB_API, CRONJOB_KIND, finishedCondition, jobFromTemplate, jobReference, withoutActive} from './jobs.js'
import {cronJobSchedule, MANY_MISSED, mostRecentScheduleTime, nextScheduleDelay} from './schedule.js'

const JOBS = {group: 'batch', version: 'v1', resource: 'jobs'}

/** Dependencies of the CronJob controller. */
export interface CronJobControllerOptions {
  client: ControllerClient
  cronJobs: Lister<CronJob>
  jobs: Lister<Job>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Starts the Jobs of each CronJob on schedule and keeps its status and Job history. */
export class CronJobController implements Controller {
  readonly name = 'cronjob'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: CronJobControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const enqueue = (cj: CronJob) => this.queue.add(objectKey(cj))
    opts.cronJobs.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n)})
    opts.jobs.addHandlers({
      onAdd: (j) => this.jobChanged(j),
      onUpdate: (o, n) => {
        if (controllerRef(o)?.uid !== controllerRef(n)?.uid) this.jobChanged(o)
        this.jobChanged(n)
      },
      onDelete: (j) => this.jobChanged(j),
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.cronJobs.waitForSync(signal)) || !(await this.opts.jobs.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 5,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** A Job's controlling CronJob (from the cache, uid checked) gets a sync. */
  private jobChanged(job: Job): void {
    const ref = controllerRef(job)
    if (ref?.kind !== CRONJOB_KIND) return
    const cj = this.opts.cronJobs.get(`${job.metadata.namespace}/${ref.name}`)
    if (cj?.metadata.uid === ref.uid) this.queue.add(objectKey(cj))
  }

  private event(cj: CronJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder.record(typed(cj, CRONJOB_API, CRONJOB_KIND), type, reason, reason, message)
  }

  /** Converges one CronJob: trim finished history, reconcile the active list, start a due Job; status last, then requeue for the next start. */
  async sync(key: string): Promise<void> {
    const cj = this.opts.cronJobs.get(key)
    if (!cj) return
    const {namespace} = splitKey(key)
    // Every Job this CronJob controls, whatever its labels: a CronJob has no selector.
    const jobs = this.opts.jobs.list().filter((j) => j.metadata.namespace === namespace && controllerRef(j)?.uid === cj.metadata.uid)
    const status: CronJobStatus = structuredClone(cj.status ?? {})
    await this.cleanupFinishedJobs(cj, status, jobs)
    let syncError: unknown
    let requeueMs: number | undefined
    try {
      requeueMs = await this.syncCronJob(cj, status, jobs)
    } catch (err: unknown) {
      syncError = err
    }
    if (!isDeepStrictEqual(status, cj.status ?? {})) {
      await this.opts.client.update({...JOBS, resource: 'cronjobs', namespace, name: cj.metadata.name, subresource: 'status'}, {...typed(cj, CRONJOB_API, CRONJOB_KIND), status})
    }
    if (requeueMs !== undefined) this.queue.addAfter(key, requeueMs)
    else if (syncError) throw syncError
  }

  /** Deletes the oldest finished Jobs beyond the success and failure history limits. */
  private async cleanupFinishedJobs(cj: CronJob, status: CronJobStatus, jobs: Job[]): Promise<void> {
    const spec = cj.spec ?? {}
    const succeeded = jobs.filter((j) => finishedCondition(j) === 'Complete')
    const failed = jobs.filter((j) => finishedCondition(j) === 'Failed')
    if (spec.successfulJobsHistoryLimit != null) await this.removeOldest(cj, status, succeeded, spec.successfulJobsHistoryLimit)
    if (spec.failedJobsHistoryLimit != null) await this.removeOldest(cj, status, failed, spec.failedJobsHistoryLimit)
  }

  private async removeOldest(cj: CronJob, status: CronJobStatus, jobs: Job[], limit: number): Promise<void> {
    const excess = jobs.length - limit
    if (excess <= 0) return
    for (const job of [...jobs].sort(byStartTime).slice(0, excess)) await this.deleteJob(cj, status, job)
  }

  /** Deletes a Job (its pods go with it in the background) and drops it from the active list; false when that failed. */
  private async deleteJob(cj: CronJob, status: CronJobStatus, job: Job): Promise<boolean> {
    try {
      await this.opts.client.delete({...JOBS, namespace: job.metadata.namespace, name: job.metadata.name}, {propagationPolicy: 'Background'})
    } catch (err: unknown) {
      if (!isNotFound(err)) {
        this.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${messageOf(err)}`)
        return false
      }
    }
    status.active = withoutActive(status.active, job.metadata.uid)
    this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`)
    return true
  }

  /** The sync proper (syncCronJob): fills status in place and returns when to look again (ms), if ever. */
  private async syncCronJob(cj: CronJob, status: CronJobStatus, jobs: Job[]): Promise<number | undefined> {
    const now = this.clock.now()
    const children = new Set(jobs.map((j) => j.metadata.uid))
    for (const j of jobs) {
      const active = (status.active ?? []).some((r) => r.uid === j.metadata.uid)
      const finished = finishedCondition(j)
      if (!active && !finished) {
        // A Job we control but do not list: made by hand (kubectl create job --from) or our status write was lost.
        this.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`)
      } else if (active && finished) {
        status.active = withoutActive(status.active, j.metadata.uid)
        this.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${finished}`)
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        const last = Date.parse(status.lastSuccessfulTime ?? '') || 0
        if (Date.parse(j.status.completionTime) > last) status.lastSuccessfulTime = j.status.completionTime
      }
    }
    // A listed Job the cache does not have: ask the apiserver, the cache may only be behind.
    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid)) continue
      try {
        await this.opts.client.get({...JOBS, namespace: ref.namespace ?? cj.metadata.namespace, name: ref.name})
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err
        this.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`)
        status.active = withoutActive(status.active, ref.uid)
      }
    }
    if (cj.metadata.deletionTimestamp) return undefined
    const tz = cj.spec?.timeZone
    if (tz !== undefined && tz !== null && !isKnownTimeZone(tz)) {
      this.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`)
      return undefined
    }
    if (cj.spec?.suspend) return undefined
    const sched = cronJobSchedule(cj)
    if (typeof sched === 'string') {
      this.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${sched}`)
      return undefined
    }
    const unmet = mostRecentScheduleTime(cj, now, sched, true)
    if (unmet.error) {
      this.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${unmet.error}`)
      return undefined
    }
    const requeue = nextScheduleDelay(sched, now)
    const scheduled = unmet.mostRecentMs
    if (scheduled === undefined) return requeue
    if (unmet.missed > MANY_MISSED) {
      this.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew')
    }
    const deadline = cj.spec?.startingDeadlineSeconds
    if (deadline != null && scheduled + deadline * 1000 < now) {
      this.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString().replace('GMT', '+0000')}`)
      return requeue
    }
    const fresh = jobFromTemplate(cj, scheduled, sched.tz)
    const lastScheduled = Date.parse(status.lastScheduleTime ?? '')
    if ((status.active ?? []).some((r) => r.name === fresh.metadata.name) || lastScheduled === Math.floor(scheduled / 1000) * 1000) return requeue
    if (cj.spec?.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      this.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid')
      return requeue
    }
    if (cj.spec?.concurrencyPolicy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        let job: Job
        try {
          job = await this.opts.client.get<Job>({...JOBS, namespace: ref.namespace ?? cj.metadata.namespace, name: ref.name})
        } catch (err: unknown) {
          this.event(cj, 'Warning', 'FailedGet', `Get job: ${messageOf(err)}`)
          throw err
        }
        if (!(await this.deleteJob(cj, status, job))) throw new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`)
      }
    }
    let created: Job
    try {
      created = await this.opts.client.create<Job>({...JOBS, namespace: cj.metadata.namespace}, fresh)
      this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`)
    } catch (err: unknown) {
      // A terminating namespace refuses every create: nothing to report, the CronJob is going too.
      if ((err as {code?: number})?.code === 403 && /being terminated/.test(messageOf(err))) throw err
      if (!isAlreadyExists(err)) {
        this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${messageOf(err)}`)
        throw err
      }
      // Someone (another controller instance, or we before a crash) made it: adopt it into status only if it is ours.
      created = await this.opts.client.get<Job>({...JOBS, namespace: cj.metadata.namespace, name: fresh.metadata.name})
      if (controllerRef(created)?.uid !== cj.metadata.uid || (status.active ?? []).some((r) => r.uid === created.metadata.uid)) return undefined
    }
    status.active = [...(status.active ?? []), jobReference(created)]
    status.lastScheduleTime = kubeTime(scheduled)
    return requeue
  }
}

/** Registry entry: the controller over the manager's shared CronJob and Job informers. */
export function newCronJobController(ctx: ControllerContext): CronJobController {
  return new CronJobController({
    client: ctx.client,
    cronJobs: ctx.informers.informer({group: 'batch', version: 'v1', resource: 'cronjobs'}),
    jobs: ctx.informers.informer({group: 'batch', version: 'v1', resource: 'jobs'}),
    recorder: newRecorder(ctx.client, 'cronjob-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
