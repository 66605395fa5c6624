// The schedule parser of CronJobs: the errors robfig/cron's standard parser gives, as the real server reports them.
import {goQuote} from '../../validation/errors.js'

const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']
const CRON_RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]]
const CRON_NAMES: Record<number, string[]> = {
  3: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  4: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
}

/** The error robfig/cron's standard parser gives for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  const s = schedule.trim()
  if (s.startsWith('@')) {
    if (CRON_DESCRIPTORS.includes(s)) return undefined
    if (s.startsWith('@every ')) return /^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s) ? undefined : `failed to parse duration ${s}: time: invalid duration ${goQuote(s.slice(7).trim())}`
    return `unrecognized descriptor: ${s}`
  }
  const fields = s.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`
  for (let i = 0; i < 5; i++) {
    const [lo, hi] = CRON_RANGES[i]
    for (const part of fields[i].split(',')) {
      const [rangePart, step] = part.split('/')
      if (step !== undefined && !/^\d+$/.test(step)) return `failed to parse int from ${step}: strconv.Atoi: parsing ${goQuote(step)}: invalid syntax`
      if (rangePart === '*' || rangePart === '?') continue
      const bounds = rangePart.split('-')
      const nums: number[] = []
      for (const b of bounds) {
        const named = CRON_NAMES[i]?.indexOf(b.toLowerCase()) ?? -1
        if (named >= 0) nums.push(named + (i === 3 ? 1 : 0))
        else if (/^\d+$/.test(b)) nums.push(Number(b))
        else return `failed to parse int from ${b}: strconv.Atoi: parsing ${goQuote(b)}: invalid syntax`
      }
      if (nums[0] < lo) return `beginning of range (${nums[0]}) below minimum (${lo}): ${part}`
      const end = nums[nums.length - 1]
      if (end > hi) return `end of range (${end}) above maximum (${hi}): ${part}`
      if (nums[0] > end) return `beginning of range (${nums[0]}) beyond end of range (${end}): ${part}`
    }
  }
  return undefined
}
