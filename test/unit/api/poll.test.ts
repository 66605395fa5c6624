// Tests of the shared poller, on a fake clock: no sleeping.
import {strict as assert} from 'node:assert'
import {FakeClock} from '../../../src/api/clock.js'
import {poll, PollTimeoutError, type PollClock} from '../../../src/api/poll.js'

/** A clock whose sleep just moves time on. */
function steppingClock(): PollClock & {t: number} {
  const c = {t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms)}
  return c
}

describe('api/poll', () => {
  it('returns the first result, treating undefined, null, false and throws as "not yet"', async () => {
    const clock = steppingClock()
    const answers: unknown[] = [undefined, null, false, new Error('refused'), 0]
    const v = await poll(async () => {
      const a = answers.shift()
      if (a instanceof Error) throw a
      return a as number | undefined
    }, {what: 'x', intervalMs: 10, clock})
    assert.equal(v, 0)
    assert.equal(clock.t, 40)
  })

  it('fails at the deadline naming what it waited for and the last error', async () => {
    const clock = steppingClock()
    await assert.rejects(
      poll(async () => {
        throw new Error('connection refused')
      }, {what: 'the apiserver', intervalMs: 100, deadline: 1000, clock}),
      (err: unknown) => err instanceof PollTimeoutError && err.message === 'timed out waiting for the apiserver (last error: connection refused)',
    )
    assert.equal(clock.t, 1000)
  })

  it('names the last non-result when nothing threw', async () => {
    const clock = steppingClock()
    await assert.rejects(poll(async () => false, {what: 'ready', intervalMs: 100, deadline: 200, clock}), /timed out waiting for ready \(last: false\)/)
  })

  it('resolves undefined once its signal aborts, and reports progress while waiting', async () => {
    const clock = new FakeClock(0)
    const ac = new AbortController()
    const reports: unknown[] = []
    const p = poll(async () => {
      throw new Error('not up')
    }, {what: 'docker', intervalMs: 1000, clock, signal: ac.signal, onWaiting: (last) => reports.push((last as Error).message), reportEveryMs: 5000})
    await clock.advance(12_000)
    assert.deepEqual(reports, ['not up', 'not up'])
    ac.abort()
    assert.equal(await p, undefined)
  })
})
