// Tests of the scheduling queue: ordering, backoff with a fake clock, and moving unschedulable pods on cluster changes.
import {strict as assert} from 'node:assert'
import {FakeClock} from '../../../src/api/clock.js'
import {SchedulingQueue} from '../../../src/scheduler/queue.js'

describe('scheduler/queue', () => {
  let clock: FakeClock
  let q: SchedulingQueue
  beforeEach(() => {
    clock = new FakeClock()
    q = new SchedulingQueue({clock})
  })
  afterEach(() => q.close())

  it('pops by priority, then in arrival order', async () => {
    q.add('ns/a')
    q.add('ns/b', 10)
    q.add('ns/c')
    assert.deepEqual([await q.pop(), await q.pop(), await q.pop()], ['ns/b', 'ns/a', 'ns/c'])
  })

  it('hands a new pod straight to a waiting pop', async () => {
    const next = q.pop()
    q.add('ns/a')
    assert.equal(await next, 'ns/a')
    assert.equal(q.where('ns/a'), 'inflight')
  })

  it('backs off 1s, doubling up to 10s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffFor(n)), [1000, 2000, 4000, 8000, 10000, 10000])
  })

  it('keeps an unschedulable pod parked until a cluster change, then respects its backoff', async () => {
    q.add('ns/a')
    assert.equal(await q.pop(), 'ns/a')
    q.addUnschedulable('ns/a')
    assert.equal(q.where('ns/a'), 'unschedulable')
    await clock.advance(60_000)
    assert.equal(q.where('ns/a'), 'unschedulable', 'nothing changed, so it stays parked')
    // Its 1 s backoff is long over: straight to active.
    q.moveAllToActiveOrBackoff()
    assert.equal(q.where('ns/a'), 'active')
    assert.equal(await q.pop(), 'ns/a')
    q.addUnschedulable('ns/a')
    // A change right after the second failure: it must wait out 2 s of backoff.
    q.moveAllToActiveOrBackoff()
    assert.equal(q.where('ns/a'), 'backoff')
    await clock.advance(1999)
    assert.equal(q.where('ns/a'), 'backoff')
    await clock.advance(1)
    assert.equal(q.where('ns/a'), 'active')
  })

  it('retries unschedulable pods after 5 minutes even without changes', async () => {
    q.add('ns/a')
    await q.pop()
    q.addUnschedulable('ns/a')
    await clock.advance(5 * 60_000)
    assert.equal(q.where('ns/a'), 'active')
  })

  it('does not park a pod when a change arrived while it was being scheduled', async () => {
    q.add('ns/a')
    await q.pop()
    q.moveAllToActiveOrBackoff()
    q.addUnschedulable('ns/a')
    assert.equal(q.where('ns/a'), 'backoff')
    await clock.advance(1000)
    assert.equal(q.where('ns/a'), 'active')
  })

  it('retries errors with backoff and forgets scheduled or deleted pods', async () => {
    q.add('ns/a')
    q.add('ns/b')
    await q.pop()
    q.addBackoff('ns/a')
    assert.equal(q.where('ns/a'), 'backoff')
    await clock.advance(1000)
    assert.equal(q.where('ns/a'), 'active')
    q.delete('ns/a')
    assert.equal(q.has('ns/a'), false)
    assert.equal(await q.pop(), 'ns/b')
    q.done('ns/b')
    assert.deepEqual(q.stats(), {active: 0, backoff: 0, unschedulable: 0, inflight: 0})
  })

  it('moves an unschedulable pod when the pod itself is updated', async () => {
    q.add('ns/a')
    await q.pop()
    q.addUnschedulable('ns/a')
    await clock.advance(1000)
    q.update('ns/a')
    assert.equal(q.where('ns/a'), 'active')
  })

  it('resolves pending pops with undefined when closed', async () => {
    const p = q.pop()
    q.close()
    assert.equal(await p, undefined)
  })
})
