// Tests of the shared Clock: the fake clock fires timers in deadline order only when advanced; sleeps end early on abort.
import {strict as assert} from 'node:assert'
import {FakeClock, realClock} from '../../../src/api/clock.js'

describe('api/clock', () => {
  it('fires fake timers in deadline order, ties in creation order, only inside advance()', async () => {
    const clock = new FakeClock(1000)
    const fired: string[] = []
    clock.setTimer(30, () => fired.push('c'))
    clock.setTimer(10, () => fired.push('a'))
    clock.setTimer(10, () => fired.push('b'))
    const cancelled = clock.setTimer(20, () => fired.push('x'))
    cancelled.cancel()
    assert.deepEqual(fired, [])
    await clock.advance(25)
    assert.deepEqual(fired, ['a', 'b'])
    assert.equal(clock.now(), 1025)
    assert.equal(clock.pending(), 1)
    await clock.advance(5)
    assert.deepEqual(fired, ['a', 'b', 'c'])
  })

  it('lets a sleeping loop schedule its next sleep within one advance', async () => {
    const clock = new FakeClock(0)
    const woke: number[] = []
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100)
        woke.push(clock.now())
      }
    })()
    await clock.advance(300)
    assert.deepEqual(woke, [100, 200, 300])
  })

  it('ends a sleep early, without rejecting, when its signal aborts', async () => {
    const fake = new FakeClock(0)
    const ac = new AbortController()
    const slept = fake.sleep(1000, ac.signal)
    ac.abort()
    await slept
    assert.equal(fake.pending(), 0)
    const real = new AbortController()
    const t0 = Date.now()
    const p = realClock.sleep(60_000, real.signal)
    real.abort()
    await p
    assert.ok(Date.now() - t0 < 1000)
  })
})
