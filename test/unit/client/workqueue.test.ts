// Tests of the work queue: dedup, per-key exclusivity, delayed adds and exponential backoff, on a fake clock.
import assert from 'node:assert/strict'
import {FakeClock} from '../../../src/api/clock.js'
import {ExponentialRateLimiter, WorkQueue, processQueue} from '../../../src/client/workqueue.js'

describe('WorkQueue', () => {
  it('dedups keys while queued', async () => {
    const q = new WorkQueue({clock: new FakeClock()})
    q.add('a')
    q.add('b')
    q.add('a')
    assert.equal(q.len(), 2)
    assert.equal(await q.get(), 'a')
    assert.equal(await q.get(), 'b')
  })

  it('does not hand out a key being processed; re-queues it once done', async () => {
    const q = new WorkQueue({clock: new FakeClock()})
    q.add('a')
    const k = await q.get()
    q.add('a')
    assert.equal(q.len(), 0, 'a is processing, so it waits outside the queue')
    q.add('a')
    q.done(k!)
    assert.equal(q.len(), 1, 'added twice during processing, queued once')
    assert.equal(await q.get(), 'a')
  })

  it('wakes a waiting get() and returns undefined after shutDown', async () => {
    const q = new WorkQueue({clock: new FakeClock()})
    const pending = q.get()
    q.add('x')
    assert.equal(await pending, 'x')
    const after = q.get()
    q.shutDown()
    assert.equal(await after, undefined)
  })

  it('adds after a delay, keeping the earliest deadline', async () => {
    const clock = new FakeClock()
    const q = new WorkQueue({clock})
    q.addAfter('a', 100)
    q.addAfter('a', 50)
    q.addAfter('a', 500)
    await clock.advance(49)
    assert.equal(q.len(), 0)
    await clock.advance(1)
    assert.equal(q.len(), 1)
    await clock.advance(1000)
    assert.equal(q.len(), 1, 'the later deadlines were dropped')
  })

  it('backs off exponentially from 5 ms to 1000 s per key and forgets on success', () => {
    const rl = new ExponentialRateLimiter()
    const delays = Array.from({length: 5}, () => rl.when('k'))
    assert.deepEqual(delays, [5, 10, 20, 40, 80])
    for (let i = 0; i < 100; i++) rl.when('k')
    assert.equal(rl.when('k'), 1_000_000)
    assert.equal(rl.when('other'), 5)
    rl.forget('k')
    assert.equal(rl.when('k'), 5)
  })

  it('processQueue retries a failing sync with backoff and forgets after success', async () => {
    const clock = new FakeClock()
    const q = new WorkQueue({clock})
    const calls: number[] = []
    let failures = 2
    const run = processQueue(q, async () => {
      calls.push(clock.now())
      if (failures-- > 0) throw new Error('boom')
    })
    const t0 = clock.now()
    q.add('k')
    await clock.advance(0)
    assert.equal(calls.length, 1)
    await clock.advance(5)
    assert.equal(calls.length, 2)
    await clock.advance(10)
    assert.equal(calls.length, 3)
    assert.deepEqual(calls.map((t) => t - t0), [0, 5, 15])
    assert.equal(q.numRequeues('k'), 0, 'forgotten after success')
    q.shutDown()
    await run
  })

  it('never runs the same key concurrently with several workers', async () => {
    const clock = new FakeClock()
    const q = new WorkQueue({clock})
    let active = 0
    let maxActive = 0
    let runs = 0
    const run = processQueue(
      q,
      async () => {
        active++
        maxActive = Math.max(maxActive, active)
        runs++
        await clock.sleep(10)
        active--
      },
      {workers: 4},
    )
    q.add('same')
    await clock.advance(0)
    q.add('same')
    q.add('same')
    await clock.advance(10)
    await clock.advance(10)
    assert.equal(maxActive, 1)
    assert.equal(runs, 2)
    q.shutDown()
    await run
  })
})
