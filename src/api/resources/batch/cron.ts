// The schedule parser of CronJobs: robfig/cron's standard parser (5 fields, names, macros, @every), with its error texts.
import {goQuote} from '../../validation/errors.js'

/** The macros the standard parser expands, as the 5-field schedules they stand for. */
const CRON_DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]]
const CRON_NAMES: Record<number, string[]> = {
  3: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  4: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
}
const GO_UNITS: Record<string, number> = {ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** A parsed 5-field schedule: the allowed values of each field, and whether day-of-month/day-of-week were `*` or `?`. */
export interface FieldSchedule {
  kind: 'fields'
  minutes: Set<number>
  hours: Set<number>
  daysOfMonth: Set<number>
  months: Set<number>
  daysOfWeek: Set<number>
  /** robfig's star bit: a bare `*`/`?` (or a step of 1) makes the day fields combine with AND instead of OR. */
  domStar: boolean
  dowStar: boolean
}

/** `@every <duration>`: a constant delay, whole seconds (at least one). */
export interface EverySchedule {
  kind: 'every'
  delayMs: number
}

export type CronSchedule = FieldSchedule | EverySchedule

function parseDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) return undefined
  return parts.reduce((ms, p) => ms + Number(p[1]) * GO_UNITS[p[2]], 0)
}

function parseField(field: string, i: number): {values: Set<number>; star: boolean} | string {
  const [lo, hi] = CRON_RANGES[i]
  const values = new Set<number>()
  let star = false
  for (const part of field.split(',')) {
    const [rangePart, stepText, ...extra] = part.split('/')
    if (extra.length) return `too many slashes: ${part}`
    if (stepText !== undefined && !/^\d+$/.test(stepText)) return `failed to parse int from ${stepText}: strconv.Atoi: parsing ${goQuote(stepText)}: invalid syntax`
    const step = stepText === undefined ? 1 : Number(stepText)
    let start: number
    let end: number
    if (rangePart === '*' || rangePart === '?') {
      ;[start, end] = [lo, hi]
      if (step <= 1) star = true
    } else {
      const bounds = rangePart.split('-')
      if (bounds.length > 2) return `too many hyphens: ${part}`
      const nums: number[] = []
      for (const b of bounds) {
        const named = CRON_NAMES[i]?.indexOf(b.toLowerCase()) ?? -1
        if (named >= 0) nums.push(named + (i === 3 ? 1 : 0))
        else if (/^\d+$/.test(b)) nums.push(Number(b))
        else return `failed to parse int from ${b}: strconv.Atoi: parsing ${goQuote(b)}: invalid syntax`
      }
      start = nums[0]
      // "N/step" means from N to the field's maximum.
      end = nums.length === 2 ? nums[1] : stepText === undefined ? start : hi
      if (start < lo) return `beginning of range (${start}) below minimum (${lo}): ${part}`
      if (end > hi) return `end of range (${end}) above maximum (${hi}): ${part}`
      if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${part}`
    }
    if (step === 0) return `step of range should be a positive number: ${part}`
    for (let v = start; v <= end; v += step) values.add(v)
  }
  return {values, star}
}

/** Parses a schedule as robfig/cron's ParseStandard does (a `TZ=` prefix is the caller's business): the schedule or the error text. */
export function parseCronSchedule(schedule: string): CronSchedule | string {
  const s = schedule.trim()
  if (s === '') return 'empty spec string'
  if (s.startsWith('@')) {
    if (CRON_DESCRIPTORS[s]) return parseCronSchedule(CRON_DESCRIPTORS[s])
    if (s.startsWith('@every ')) {
      const text = s.slice(7).trim()
      const ms = parseDuration(text)
      if (ms === undefined) return `failed to parse duration ${s}: time: invalid duration ${goQuote(text)}`
      // robfig rounds the delay down to whole seconds, with one second at least.
      return {kind: 'every', delayMs: Math.max(1000, Math.floor(ms / 1000) * 1000)}
    }
    return `unrecognized descriptor: ${s}`
  }
  const fields = s.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
  const parsed: {values: Set<number>; star: boolean}[] = []
  for (let i = 0; i < 5; i++) {
    const r = parseField(fields[i], i)
    if (typeof r === 'string') return r
    parsed.push(r)
  }
  const [minutes, hours, dom, months, dow] = parsed
  return {kind: 'fields', minutes: minutes.values, hours: hours.values, daysOfMonth: dom.values, months: months.values, daysOfWeek: dow.values, domStar: dom.star, dowStar: dow.star}
}

/** The error robfig/cron's standard parser gives for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  const r = parseCronSchedule(schedule)
  return typeof r === 'string' ? r : undefined
}
