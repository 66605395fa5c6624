// Polling for tests that watch a real system converge (no fixed sleeps): the shared poller with test defaults.
import {poll} from '../../src/api/poll.js'

/** Polls `check` until it returns a truthy value; throws with the last value or error seen at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const result = await poll(async () => (await check()) || undefined, {what, intervalMs, deadline: Date.now() + timeoutMs})
  return result as T
}
