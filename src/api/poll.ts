// One poller for every "wait until it answers" loop: retry a check on an interval, with a deadline, abort and progress reports.
import {type Clock, realClock} from './clock.js'

/** The part of a Clock a poll needs (tests may pass a clock whose sleep just advances time). */
export type PollClock = Pick<Clock, 'now' | 'sleep'>

/** How to poll. */
export interface PollOptions {
  /** What is awaited, for messages: "the apiserver to answer". */
  what: string
  /** Pause between checks. */
  intervalMs: number
  /** Clock time (clock.now()) after which the poll fails with PollTimeoutError; no deadline when absent. */
  deadline?: number
  clock?: PollClock
  /** Stops the poll: it then resolves undefined. */
  signal?: AbortSignal
  /** Called while still waiting, at most every reportEveryMs, with the last error or non-result (log lines for slow waits). */
  onWaiting?: (last: unknown) => void
  reportEveryMs?: number
}

/** Thrown when a poll reaches its deadline; carries the last error the check threw, if any. */
export class PollTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly lastError: unknown,
    readonly lastValue: unknown,
  ) {
    super(`timed out waiting for ${what}${describeLast(lastError, lastValue)}`)
    this.name = 'PollTimeoutError'
  }
}

function describeLast(err: unknown, value: unknown): string {
  if (err) return ` (last error: ${err instanceof Error ? err.message : String(err)})`
  return value === undefined ? '' : ` (last: ${JSON.stringify(value)})`
}

/** A result that means "not yet". */
function notYet(v: unknown): v is undefined | null | false {
  return v === undefined || v === null || v === false
}

/**
 * Calls check until it returns a result (anything but undefined, null or false) and returns it. A check that throws
 * counts as "not yet" and its error is kept for the timeout message. Resolves undefined if signal aborts.
 */
export async function poll<T>(check: () => Promise<T | undefined | null | false>, opts: PollOptions): Promise<T | undefined> {
  const clock = opts.clock ?? realClock
  let lastReport = clock.now()
  let lastError: unknown
  let lastValue: unknown
  while (!opts.signal?.aborted) {
    try {
      const v = await check()
      if (!notYet(v)) return v
      lastValue = v
    } catch (err) {
      lastError = err
    }
    const now = clock.now()
    if (opts.deadline !== undefined && now >= opts.deadline) throw new PollTimeoutError(opts.what, lastError, lastValue)
    if (opts.onWaiting && now - lastReport >= (opts.reportEveryMs ?? 5000)) {
      opts.onWaiting(lastError ?? lastValue)
      lastReport = now
    }
    await clock.sleep(opts.intervalMs, opts.signal)
  }
  return undefined
}
