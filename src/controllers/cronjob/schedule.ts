// CronJob schedule decisions on data alone: which start time is due, how many were missed, and when to look again.
import type {CronJob} from '../../api/resources/batch/cronjob.js'
import {type CronSchedule, parseCronSchedule} from '../../api/resources/batch/cron.js'
import {nextCronTime} from '../../api/resources/batch/cron-next.js'

/** More missed start times than this gets a TooManyMissedTimes warning (Kubernetes' arbitrary 100). */
export const MANY_MISSED = 100
/** Requeues land this long after the start time, so the sync that wakes up sees it as due (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100

/** A CronJob's parsed schedule with the zone it runs in. */
export interface ZonedSchedule {
  schedule: CronSchedule
  tz: string
  next(afterMs: number): number | undefined
}

/** Parses spec.schedule (a legacy TZ=/CRON_TZ= prefix picks the zone when spec.timeZone is unset): the schedule or an error text. */
export function cronJobSchedule(cj: CronJob): ZonedSchedule | string {
  let text = (cj.spec?.schedule ?? '').trim()
  let tz = cj.spec?.timeZone || 'UTC'
  const prefix = /^(CRON_)?TZ=(\S*)\s*/.exec(text)
  if (prefix) {
    text = text.slice(prefix[0].length)
    if (!cj.spec?.timeZone) tz = prefix[2]
  }
  const schedule = parseCronSchedule(text)
  if (typeof schedule === 'string') return schedule
  return {schedule, tz, next: (afterMs) => nextCronTime(schedule, afterMs, tz)}
}

/** The result of looking for the most recent start time that has come but was not started. */
export interface UnmetStart {
  /** Where the search began: the last schedule time, else the creation time (later with a starting deadline). */
  earliestMs: number
  /** The most recent start time at or before now, if any. */
  mostRecentMs?: number
  /** How many start times passed since earliestMs (an estimate from the schedule's interval, as Kubernetes). */
  missed: number
  /** Set when the schedule never fires twice at least a second apart (e.g. February 31st). */
  error?: string
}

/**
 * The most recent unmet start time (mostRecentScheduleTime): counting every missed time would be unbounded after a
 * long outage or clock skew, so the count is estimated from the interval of the first two and only the tail is walked.
 */
export function mostRecentScheduleTime(cj: CronJob, nowMs: number, sched: ZonedSchedule, includeDeadline: boolean): UnmetStart {
  let earliestMs = Date.parse(cj.status?.lastScheduleTime ?? '') || Date.parse(cj.metadata.creationTimestamp ?? '') || nowMs
  const deadline = cj.spec?.startingDeadlineSeconds
  if (includeDeadline && deadline != null) earliestMs = Math.max(earliestMs, nowMs - deadline * 1000)
  const t1 = sched.next(earliestMs)
  const t2 = t1 === undefined ? undefined : sched.next(t1)
  // A schedule that never fires (February 31st) is what robfig/cron reports as two zero times: zero seconds apart.
  if (t1 === undefined || (t2 === undefined && nowMs >= t1)) return {earliestMs, missed: 0, error: 'time difference between two schedules is less than 1 second'}
  if (nowMs < t1) return {earliestMs, missed: 0}
  if (t2 === undefined || nowMs < t2) return {earliestMs, mostRecentMs: t1, missed: 1}
  const interval = Math.round((t2 - t1) / 1000)
  if (interval < 1) return {earliestMs, missed: 0, error: 'time difference between two schedules is less than 1 second'}
  const missed = Math.floor((nowMs - t1) / 1000 / interval) + 1
  // Start one interval before the estimate so irregular schedules (e.g. `30 6-16/4 * * 1-5`) are walked correctly.
  let mostRecentMs: number | undefined
  for (let t = sched.next(t1 + (missed - 2) * interval * 1000); t !== undefined && t <= nowMs; t = sched.next(t)) mostRecentMs = t
  return {earliestMs, mostRecentMs, missed}
}

/** Milliseconds from now until just after the next start time, or undefined when the schedule never fires again. */
export function nextScheduleDelay(sched: ZonedSchedule, nowMs: number): number | undefined {
  const next = sched.next(nowMs)
  return next === undefined ? undefined : next - nowMs + NEXT_SCHEDULE_DELTA_MS
}

/** Job names carry the start time in minutes since the epoch, so one start time can only ever make one Job. */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`
}

/** RFC 3339 at second precision in the zone, with its offset (Go's Format(time.RFC3339) of the time in that location). */
export function formatInZone(ms: number, tz: string): string {
  const utc = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
  if (tz === 'UTC') return utc
  const parts: Record<string, string> = {}
  const f = new Intl.DateTimeFormat('en-US', {timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'})
  for (const p of f.formatToParts(ms)) parts[p.type] = p.value
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second)
  const offMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000)
  if (offMin === 0) return utc
  const sign = offMin < 0 ? '-' : '+'
  const abs = Math.abs(offMin)
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${parts.year}-${parts.month}-${parts.day}T${String(+parts.hour % 24).padStart(2, '0')}:${parts.minute}:${parts.second}${off}`
}
