// CronJob controller and schedule math: seed a fake cache, run one sync, compare the API calls; next times incl. macros, zones and DST.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {parseCronSchedule, type CronSchedule} from '../../../src/api/resources/batch/cron.js'
import {nextCronTime} from '../../../src/api/resources/batch/cron-next.js'
import {cronJob as cronJobDef} from '../../../src/api/resources/batch/cronjob.js'
import {CronJobController} from '../../../src/controllers/cronjob/controller.js'
import {cronJobSchedule, formatInZone, mostRecentScheduleTime} from '../../../src/controllers/cronjob/schedule.js'
import {alreadyExists, FakeLister, iso, recordingClient, recordingRecorder} from './fakes.js'

const parse = (s: string): CronSchedule => {
  const r = parseCronSchedule(s)
  if (typeof r === 'string') throw new Error(r)
  return r
}
const next = (s: string, from: string, tz?: string) => {
  const t = nextCronTime(parse(s), Date.parse(from), tz)
  return t === undefined ? undefined : new Date(t).toISOString()
}
/** Successive fire times from `from`. */
const series = (s: string, from: string, n: number, tz?: string) => {
  const out: string[] = []
  let t = Date.parse(from)
  for (let i = 0; i < n; i++) {
    t = nextCronTime(parse(s), t, tz)!
    out.push(new Date(t).toISOString())
  }
  return out
}

describe('cron schedule: next start time', () => {
  it('steps, ranges, lists and names', () => {
    assert.equal(next('*/15 * * * *', '2024-01-01T00:07:30Z'), '2024-01-01T00:15:00.000Z')
    assert.equal(next('5-10/2 * * * *', '2024-01-01T00:07:00Z'), '2024-01-01T00:09:00.000Z')
    assert.equal(next('0 9,17 * * *', '2024-01-01T09:00:00Z'), '2024-01-01T17:00:00.000Z')
    assert.equal(next('0 0 * FEB-MAR mon', '2024-01-01T00:00:00Z'), '2024-02-05T00:00:00.000Z')
    // "N/step" runs from N to the field maximum.
    assert.deepEqual(series('50/5 * * * *', '2024-01-01T00:00:00Z', 3), ['2024-01-01T00:50:00.000Z', '2024-01-01T00:55:00.000Z', '2024-01-01T01:50:00.000Z'])
  })

  it('day-of-month and day-of-week: OR when both are restricted, AND when either is a star', () => {
    // 2024-01-01 is a Monday: the 13th or any Friday.
    assert.deepEqual(series('0 0 13 * 5', '2024-01-01T00:00:00Z', 3), ['2024-01-05T00:00:00.000Z', '2024-01-12T00:00:00.000Z', '2024-01-13T00:00:00.000Z'])
    assert.equal(next('0 0 * * 5', '2024-01-01T00:00:00Z'), '2024-01-05T00:00:00.000Z')
    // A step over the whole range is not a star: robfig/cron ORs it with day-of-week.
    assert.equal(next('0 0 */2 * 1', '2024-01-01T00:00:00Z'), '2024-01-03T00:00:00.000Z')
    assert.equal(next('0 0 */1 * 1', '2024-01-01T00:00:00Z'), '2024-01-08T00:00:00.000Z')
  })

  it('macros', () => {
    const from = '2024-05-15T10:20:00Z'
    assert.equal(next('@yearly', from), '2025-01-01T00:00:00.000Z')
    assert.equal(next('@annually', from), '2025-01-01T00:00:00.000Z')
    assert.equal(next('@monthly', from), '2024-06-01T00:00:00.000Z')
    assert.equal(next('@weekly', from), '2024-05-19T00:00:00.000Z')
    assert.equal(next('@daily', from), '2024-05-16T00:00:00.000Z')
    assert.equal(next('@midnight', from), '2024-05-16T00:00:00.000Z')
    assert.equal(next('@hourly', from), '2024-05-15T11:00:00.000Z')
    assert.equal(next('@every 90s', '2024-05-15T10:20:00.500Z'), '2024-05-15T10:21:30.000Z')
  })

  it('leap days, and no time at all for February 31st', () => {
    assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z')
    assert.equal(next('0 0 31 2 *', '2024-01-01T00:00:00Z'), undefined)
  })

  it('in a time zone, across DST: a skipped wall time does not fire that day, a repeated one fires twice', () => {
    assert.equal(next('0 9 * * *', '2024-01-01T00:00:00Z', 'America/New_York'), '2024-01-01T14:00:00.000Z')
    assert.equal(next('0 9 * * *', '2024-07-01T00:00:00Z', 'America/New_York'), '2024-07-01T13:00:00.000Z')
    // 2024-03-10 02:30 does not exist in New York.
    assert.equal(next('30 2 * * *', '2024-03-10T05:00:00Z', 'America/New_York'), '2024-03-11T06:30:00.000Z')
    // 2024-11-03 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    assert.deepEqual(series('30 1 * * *', '2024-11-03T04:00:00Z', 3, 'America/New_York'), ['2024-11-03T05:30:00.000Z', '2024-11-03T06:30:00.000Z', '2024-11-04T06:30:00.000Z'])
    assert.equal(next('0 0 * * *', '2024-01-01T00:00:00Z', 'Asia/Kolkata'), '2024-01-01T18:30:00.000Z')
  })

  it('formats the scheduled timestamp in the zone, as RFC 3339 with the offset', () => {
    assert.equal(formatInZone(Date.parse('2024-01-01T14:00:00Z'), 'America/New_York'), '2024-01-01T09:00:00-05:00')
    assert.equal(formatInZone(Date.parse('2024-01-01T14:00:00Z'), 'UTC'), '2024-01-01T14:00:00Z')
    assert.equal(formatInZone(Date.parse('2024-01-01T14:00:00Z'), 'Europe/London'), '2024-01-01T14:00:00Z')
  })
})

const NOW = Date.parse('2024-01-01T10:00:30Z')

function cronJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}, created = '2024-01-01T09:58:10Z'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {name: 'tick', namespace: 'default', uid: 'uid-cj', resourceVersion: '7', creationTimestamp: created},
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {metadata: {labels: {app: 'tick'}, annotations: {team: 'a'}}, spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'c', image: 'busybox'}]}}}},
      ...spec,
    },
    status,
  }
}

function job(name: string, opts: {finished?: 'Complete' | 'Failed'; start?: string; done?: string; owner?: string} = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '3', ownerReferences: [{apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: opts.owner ?? 'uid-cj', controller: true, blockOwnerDeletion: true}]},
    spec: {},
    status: {
      ...(opts.start ? {startTime: opts.start} : {}),
      ...(opts.done ? {completionTime: opts.done} : {}),
      ...(opts.finished ? {conditions: [{type: opts.finished, status: 'True'}]} : {}),
    },
  }
}
const ref = (name: string) => ({apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name, uid: `uid-${name}`, resourceVersion: '3'})

function setup(cj: KubeObject, jobs: KubeObject[] = [], script: Parameters<typeof recordingClient>[0] = {}) {
  const clock = new FakeClock(NOW)
  const {client, actions} = recordingClient(script)
  const recorder = recordingRecorder()
  const ctl = new CronJobController({client, cronJobs: new FakeLister([cj]), jobs: new FakeLister(jobs), recorder, clock})
  const calls = () => actions.map((a) => `${a.verb} ${a.path}`)
  return {ctl, actions, recorder, calls, clock}
}
const JOBS = '/apis/batch/v1/namespaces/default/jobs'
const STATUS = '/apis/batch/v1/namespaces/default/cronjobs/tick/status'
// 10:00:00Z in minutes since the epoch.
const M10 = Date.parse('2024-01-01T10:00:00Z') / 60_000

describe('CronJobController', () => {
  it('creates the Job of the most recent start time, owned and annotated, then records it in status and requeues for the next minute', async () => {
    const {ctl, actions, calls, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T09:59:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`create ${JOBS}`, `update ${STATUS}`])
    const created = actions[0].body
    assert.equal(created.metadata.name, `tick-${M10}`)
    assert.deepEqual(created.metadata.labels, {app: 'tick'})
    assert.deepEqual(created.metadata.annotations, {team: 'a', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2024-01-01T10:00:00Z'})
    assert.deepEqual(created.metadata.ownerReferences, [{apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'uid-cj', controller: true, blockOwnerDeletion: true}])
    assert.deepEqual(created.spec.template.spec.containers, [{name: 'c', image: 'busybox'}])
    const status = actions[1].body.status
    assert.equal(status.lastScheduleTime, '2024-01-01T10:00:00Z')
    assert.deepEqual(status.active.map((r: {name: string; kind: string}) => `${r.kind}/${r.name}`), [`Job/tick-${M10}`])
    assert.deepEqual(recorder.events, [`Normal SuccessfulCreate Created job tick-${M10}`])
  })

  it('does nothing before the first start time after creation, and requeues at it', async () => {
    const {ctl, calls, clock} = setup(cronJob({schedule: '0 11 * * *'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
    // The key comes back just after 11:00: nothing before, present after.
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(Date.parse('2024-01-01T11:00:00Z') - NOW)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(200)
    assert.equal(ctl.queue.len(), 1)
  })

  it('does not start the same time twice (already the last schedule time)', async () => {
    const {ctl, calls} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T10:00:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
  })

  it('suspend: starts nothing', async () => {
    const {ctl, calls} = setup(cronJob({suspend: true}, {lastScheduleTime: '2024-01-01T09:50:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
  })

  it('Forbid: skips the start while a Job is active, with JobAlreadyActive', async () => {
    const running = job(`tick-${M10 - 1}`, {start: '2024-01-01T09:59:01Z'})
    const {ctl, calls, recorder} = setup(cronJob({concurrencyPolicy: 'Forbid'}, {lastScheduleTime: '2024-01-01T09:59:00Z', active: [ref(`tick-${M10 - 1}`)]}), [running])
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
    assert.deepEqual(recorder.events, ['Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid'])
  })

  it('Allow: starts the next Job beside the running one', async () => {
    const running = job(`tick-${M10 - 1}`, {start: '2024-01-01T09:59:01Z'})
    const {ctl, actions, calls} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T09:59:00Z', active: [ref(`tick-${M10 - 1}`)]}), [running])
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`create ${JOBS}`, `update ${STATUS}`])
    assert.deepEqual(actions[1].body.status.active.map((r: {name: string}) => r.name), [`tick-${M10 - 1}`, `tick-${M10}`])
  })

  it('Replace: deletes the running Job (background propagation), then starts the new one', async () => {
    const old = `tick-${M10 - 1}`
    const running = job(old, {start: '2024-01-01T09:59:01Z'})
    const {ctl, actions, calls, recorder} = setup(cronJob({concurrencyPolicy: 'Replace'}, {lastScheduleTime: '2024-01-01T09:59:00Z', active: [ref(old)]}), [running], {get: (p) => (p === `${JOBS}/${old}` ? running : undefined)})
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`get ${JOBS}/${old}`, `delete ${JOBS}/${old}`, `create ${JOBS}`, `update ${STATUS}`])
    assert.deepEqual(actions[1].body, {propagationPolicy: 'Background'})
    assert.deepEqual(actions[3].body.status.active.map((r: {name: string}) => r.name), [`tick-${M10}`])
    assert.deepEqual(recorder.events, [`Normal SuccessfulDelete Deleted job ${old}`, `Normal SuccessfulCreate Created job tick-${M10}`])
  })

  it('a finished active Job leaves the active list (SawCompletedJob) and sets lastSuccessfulTime', async () => {
    const done = job(`tick-${M10 - 1}`, {finished: 'Complete', start: '2024-01-01T09:59:01Z', done: '2024-01-01T09:59:20Z'})
    const {ctl, actions, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T10:00:00Z', active: [ref(`tick-${M10 - 1}`)]}), [done])
    await ctl.sync('default/tick')
    assert.deepEqual(actions.map((a) => a.verb), ['update'])
    assert.deepEqual(actions[0].body.status, {lastScheduleTime: '2024-01-01T10:00:00Z', active: [], lastSuccessfulTime: '2024-01-01T09:59:20Z'})
    assert.deepEqual(recorder.events, [`Normal SawCompletedJob Saw completed job: tick-${M10 - 1}, condition: Complete`])
  })

  it('history limits: deletes the oldest succeeded and failed Jobs beyond the limits', async () => {
    const jobs = [
      job('tick-1', {finished: 'Complete', start: '2024-01-01T09:50:00Z'}),
      job('tick-3', {finished: 'Complete', start: '2024-01-01T09:52:00Z'}),
      job('tick-2', {finished: 'Complete', start: '2024-01-01T09:51:00Z'}),
      job('tick-4', {finished: 'Failed', start: '2024-01-01T09:53:00Z'}),
      job('tick-5', {finished: 'Failed', start: '2024-01-01T09:54:00Z'}),
      job('tick-6', {start: '2024-01-01T09:55:00Z'}),
    ]
    const {ctl, actions, calls, recorder} = setup(cronJob({successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1}, {lastScheduleTime: '2024-01-01T10:00:00Z', active: [ref('tick-6')]}), jobs)
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`delete ${JOBS}/tick-1`, `delete ${JOBS}/tick-2`, `delete ${JOBS}/tick-4`])
    assert.ok(actions.every((a) => a.body.propagationPolicy === 'Background'))
    assert.deepEqual(recorder.events, ['Normal SuccessfulDelete Deleted job tick-1', 'Normal SuccessfulDelete Deleted job tick-2', 'Normal SuccessfulDelete Deleted job tick-4'])
  })

  it('a listed Job that is gone from the cache and the apiserver is dropped (MissingJob) and its start time is not retried', async () => {
    const {ctl, actions, calls, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T10:00:00Z', active: [ref('tick-gone')]}), [], {get: () => undefined})
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`get ${JOBS}/tick-gone`, `update ${STATUS}`])
    assert.deepEqual(actions[1].body.status.active, [])
    assert.deepEqual(recorder.events, ['Normal MissingJob Active job went missing: tick-gone'])
  })

  it('a Job it controls but does not list (kubectl create job --from) is reported, not adopted into active', async () => {
    const manual = job('once')
    const {ctl, calls, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T10:00:00Z'}), [manual])
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
    assert.deepEqual(recorder.events, ['Warning UnexpectedJob Saw a job that the controller did not create or forgot: once'])
  })

  it('startingDeadlineSeconds: a start time older than the deadline is not started, and the next one is waited for', async () => {
    // The search for unmet times starts at now - deadline (as Kubernetes), so 10:00:00 is out of a 10 s window at 10:00:30.
    const cj = cronJob({schedule: '0 10 * * *', startingDeadlineSeconds: 10}, {lastScheduleTime: '2023-12-31T10:00:00Z'})
    const {ctl, calls, recorder} = setup(cj)
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
    assert.deepEqual(recorder.events, [])
  })

  it('startingDeadlineSeconds within the window still starts', async () => {
    const {ctl, calls} = setup(cronJob({schedule: '0 10 * * *', startingDeadlineSeconds: 60}, {lastScheduleTime: '2023-12-31T10:00:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`create ${JOBS}`, `update ${STATUS}`])
  })

  it('more than 100 missed start times: TooManyMissedTimes, and only the most recent is started', async () => {
    const {ctl, actions, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T07:00:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(actions.filter((a) => a.verb === 'create').map((a) => a.body.metadata.name), [`tick-${M10}`])
    assert.deepEqual(recorder.events, [
      'Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      `Normal SuccessfulCreate Created job tick-${M10}`,
    ])
  })

  it('a few missed start times: starts only the most recent, without a warning', async () => {
    const {ctl, actions, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T09:55:00Z'}))
    await ctl.sync('default/tick')
    assert.deepEqual(actions.filter((a) => a.verb === 'create').map((a) => a.body.metadata.name), [`tick-${M10}`])
    assert.deepEqual(recorder.events, [`Normal SuccessfulCreate Created job tick-${M10}`])
  })

  it('timeZone: the scheduled time is computed and annotated in that zone', async () => {
    // 05:00 in New York is 10:00Z in winter.
    const {ctl, actions} = setup(cronJob({schedule: '0 5 * * *', timeZone: 'America/New_York'}, {lastScheduleTime: '2023-12-31T10:00:00Z'}))
    await ctl.sync('default/tick')
    assert.equal(actions[0].body.metadata.name, `tick-${M10}`)
    assert.equal(actions[0].body.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T05:00:00-05:00')
  })

  it('the Job already exists and is ours: it goes into active without a second create event', async () => {
    const existing = job(`tick-${M10}`)
    const {ctl, actions, calls, recorder} = setup(cronJob({}, {lastScheduleTime: '2024-01-01T09:59:00Z'}), [], {
      get: (p) => (p === `${JOBS}/tick-${M10}` ? existing : undefined),
      fail: (verb) => (verb === 'create' ? alreadyExists() : undefined),
    })
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [`create ${JOBS}`, `get ${JOBS}/tick-${M10}`, `update ${STATUS}`])
    assert.deepEqual(actions[2].body.status.active.map((r: {uid: string}) => r.uid), [`uid-tick-${M10}`])
    assert.deepEqual(recorder.events, [])
  })

  it('a schedule that never fires (February 31st) gets an InvalidSchedule warning and no requeue', async () => {
    const {ctl, calls, recorder} = setup(cronJob({schedule: '0 0 31 2 *'}))
    await ctl.sync('default/tick')
    assert.deepEqual(calls(), [])
    assert.deepEqual(recorder.events, ['Warning InvalidSchedule invalid schedule: 0 0 31 2 * : time difference between two schedules is less than 1 second'])
    assert.equal(ctl.queue.len(), 0)
  })

  it('mostRecentScheduleTime counts missed times from the interval', () => {
    const cj = cronJob({}, {lastScheduleTime: iso(NOW - 30 * 60_000 - 30_000)}) as never
    const sched = cronJobSchedule(cj)
    assert.ok(typeof sched !== 'string')
    const r = mostRecentScheduleTime(cj, NOW, sched, true)
    assert.equal(r.missed, 30)
    assert.equal(iso(r.mostRecentMs!), '2024-01-01T10:00:00Z')
  })
})

describe('CronJob validation: schedule and timeZone', () => {
  const errors = (spec: Record<string, unknown>) => {
    const obj = {apiVersion: 'batch/v1', kind: 'CronJob', metadata: {name: 'c', namespace: 'd'}, spec: {jobTemplate: {spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'c', image: 'x'}]}}}}, ...spec}}
    cronJobDef.default?.(obj)
    return (cronJobDef.validate?.(obj) ?? []).filter((c) => !c.field?.includes('template')).map((c) => `${c.field}: ${c.message}`)
  }
  it('rejects TZ=/CRON_TZ= in the schedule, pointing at timeZone', () => {
    assert.deepEqual(errors({schedule: 'TZ=UTC */5 * * * *'}), ['spec.schedule: Invalid value: "TZ=UTC */5 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'])
    assert.deepEqual(errors({schedule: 'CRON_TZ=Nowhere/Land 0 * * * *'}).length, 2)
  })
  it('timeZone: a loadable IANA name, not empty, not Local, case-sensitive', () => {
    assert.deepEqual(errors({schedule: '@daily', timeZone: 'America/New_York'}), [])
    assert.deepEqual(errors({schedule: '@daily', timeZone: ''}), ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'])
    assert.deepEqual(errors({schedule: '@daily', timeZone: 'Local'}), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'])
    assert.deepEqual(errors({schedule: '@daily', timeZone: 'Mars/Olympus'}), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'])
    assert.deepEqual(errors({schedule: '@daily', timeZone: 'america/new_york'}), ['spec.timeZone: Invalid value: "america/new_york": unknown time zone america/new_york'])
  })
  it('parse errors in the robfig/cron wording', () => {
    assert.deepEqual(errors({schedule: '*/0 * * * *'}), ['spec.schedule: Invalid value: "*/0 * * * *": step of range should be a positive number: */0'])
    assert.deepEqual(errors({schedule: '0 0 * * 7'}), ['spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7'])
    assert.deepEqual(errors({schedule: '@fortnightly'}), ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'])
  })
})
