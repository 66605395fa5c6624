// Retries the agent's first writes (registration, first status and lease) at the pace a booting cluster needs.
import type {Clock} from '../api/clock.js'
import {errorText} from './errors.js'

/**
 * Runs fn until it succeeds or signal aborts. Every node starts before its apiserver answers, and Ready should follow
 * within a beat of it: retry every 50 ms for the first 10 s (a refused connection costs nothing), every 250 ms to the
 * end of the first minute, then 2 s. Logs the first failure and every 20th.
 */
export async function retryWhileBooting(clock: Clock, signal: AbortSignal, log: (msg: string) => void, what: string, fn: () => Promise<void>): Promise<void> {
  const start = clock.now()
  let delay = 50
  for (let failures = 0; !signal.aborted; failures++) {
    try {
      await fn()
      return
    } catch (err) {
      if (failures % 20 === 0) log(`${what} failed (attempt ${failures + 1}, retrying): ${errorText(err)}`)
      await clock.sleep(delay, signal)
      const waited = clock.now() - start
      delay = waited < 10_000 ? 50 : waited < 60_000 ? 250 : 2000
    }
  }
}
