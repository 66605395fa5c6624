// When a CronJob schedule fires next, in an IANA time zone: robfig/cron's SpecSchedule.Next walk, DST quirks included.
import type {CronSchedule, FieldSchedule} from './cron.js'

/** Wall-clock fields of an instant in a zone (month 1-12, weekday 0 = Sunday). */
interface Wall {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  weekday: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** True when Intl knows the IANA zone name (what Go's time.LoadLocation would load); "Local" is not a zone here. */
export function isKnownTimeZone(tz: string): boolean {
  if (!tz || tz.toLowerCase() === 'local') return false
  try {
    const resolved = formatter(tz).resolvedOptions().timeZone
    // Intl folds case ("america/new_york"); Go loads zone files by exact name, so a differently cased name is unknown.
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase()
  } catch {
    return false
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short'})
    formatters.set(tz, f)
  }
  return f
}

function wall(ms: number, tz: string): Wall {
  if (tz === 'UTC') {
    const d = new Date(ms)
    return {year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay()}
  }
  const p: Record<string, string> = {}
  for (const part of formatter(tz).formatToParts(ms)) p[part.type] = part.value
  return {year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute, second: +p.second, weekday: WEEKDAYS.indexOf(p.weekday)}
}

/** The zone's offset from UTC at an instant, in ms. */
function offset(ms: number, tz: string): number {
  const w = wall(ms, tz)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000
}

/** The instant of a wall-clock time in the zone (fields may overflow, as Go's time.Date normalises them). */
export function zonedInstant(tz: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const local = Date.UTC(year, month - 1, day, hour, minute)
  const guess = local - offset(local, tz)
  // Near a transition the offset at the guess may differ; a skipped wall time lands just after the gap.
  const second = local - offset(guess, tz)
  return offset(second, tz) === offset(guess, tz) ? second : guess
}

function dayMatches(s: FieldSchedule, w: Wall): boolean {
  const dom = s.daysOfMonth.has(w.day)
  const dow = s.daysOfWeek.has(w.weekday)
  // robfig/cron: when either day field is a bare star, both must match; otherwise either one suffices.
  return s.domStar || s.dowStar ? dom && dow : dom || dow
}

/**
 * The first time strictly after afterMs that the schedule fires in tz (UTC by default), or undefined when none does
 * within five years (an impossible date such as February 31st). Steps in absolute time like robfig/cron, so a wall
 * time skipped by a DST change does not fire that day and a repeated one fires twice.
 */
export function nextCronTime(schedule: CronSchedule, afterMs: number, tz = 'UTC'): number | undefined {
  if (schedule.kind === 'every') return afterMs - (afterMs % 1000) + schedule.delayMs
  const s = schedule
  // Round up to the next whole minute (seconds are always 0 in the standard format).
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE
  const yearLimit = wall(t, tz).year + 5
  let added = false
  let w = wall(t, tz)
  wrap: for (;;) {
    if (w.year > yearLimit) return undefined
    while (!s.months.has(w.month)) {
      if (!added) {
        added = true
        t = zonedInstant(tz, w.year, w.month, 1)
      }
      w = wall(t, tz)
      t = zonedInstant(tz, w.year, w.month + 1, 1)
      w = wall(t, tz)
      if (w.month === 1) continue wrap
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true
        t = zonedInstant(tz, w.year, w.month, w.day)
        w = wall(t, tz)
      }
      t = zonedInstant(tz, w.year, w.month, w.day + 1)
      w = wall(t, tz)
      if (w.day === 1) continue wrap
    }
    while (!s.hours.has(w.hour)) {
      if (!added) {
        added = true
        t -= w.minute * MINUTE + w.second * 1000
      }
      t += HOUR
      w = wall(t, tz)
      if (w.hour === 0) continue wrap
    }
    while (!s.minutes.has(w.minute)) {
      if (!added) {
        added = true
        t -= w.second * 1000
      }
      t += MINUTE
      w = wall(t, tz)
      if (w.minute === 0) continue wrap
    }
    return t
  }
}
