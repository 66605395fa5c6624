// The running scheduler on a fake API and a fake clock: informer handlers, queue, bind, events and retries, without a server.
import {strict as assert} from 'node:assert'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {type RunningScheduler, startScheduler} from '../../../src/scheduler/index.js'
import {FakeSchedulerApi} from './fake-api.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

describe('scheduler (running, fake API)', () => {
  let api: FakeSchedulerApi
  let clock: FakeClock
  let sched: RunningScheduler

  beforeEach(async () => {
    api = new FakeSchedulerApi()
    clock = new FakeClock()
    api.put('nodes', controlPlane('cp', {cpu: '2'}))
    api.put('nodes', makeNode('w1', {cpu: '1'}))
    sched = await startScheduler(api, {clock, random: () => 0, instance: 'test'})
    assert.equal(await sched.synced(), true)
  })
  afterEach(async () => sched.stop())

  const nodeOf = (name: string) => api.objects.pods.get(`default/${name}`)?.spec.nodeName

  it('binds a pending pod to the node that fits and records a Scheduled event', async () => {
    api.put('pods', makePod('web', {cpu: '500m'}))
    await flushMicrotasks()
    assert.equal(nodeOf('web'), 'w1', 'the control plane is tainted')
    assert.deepEqual(api.writes, ['BIND web w1'])
    const ev = api.events.find((e) => e.reason === 'Scheduled')
    assert.equal(ev?.message, 'Successfully assigned default/web to w1')
  })

  it('passes over pods of other schedulers and pods already bound', async () => {
    api.put('pods', makePod('other', {spec: {schedulerName: 'my-scheduler'}}))
    api.put('pods', makePod('placed', {node: 'cp'}))
    await flushMicrotasks()
    assert.deepEqual(api.writes, [])
    assert.equal(nodeOf('other'), undefined)
  })

  it('reports an unschedulable pod, then binds it after backoff once a node that fits appears', async () => {
    api.put('pods', makePod('big', {cpu: '1500m'}))
    await flushMicrotasks()
    assert.deepEqual(api.writes, ['STATUS big'])
    const cond = api.objects.pods.get('default/big')!.status.conditions.find((c: {type: string}) => c.type === 'PodScheduled')
    assert.equal(cond.status, 'False')
    assert.equal(cond.reason, 'Unschedulable')
    assert.match(cond.message, /^0\/2 nodes are available: .*1 Insufficient cpu/)
    assert.ok(api.events.some((e) => e.reason === 'FailedScheduling' && e.message === cond.message))

    api.put('nodes', makeNode('w2', {cpu: '2'}))
    await flushMicrotasks()
    assert.equal(nodeOf('big'), undefined, 'still in backoff after its failed attempt')
    await clock.advance(1000)
    assert.equal(nodeOf('big'), 'w2')
  })

  it('does not overcommit a node within one burst', async () => {
    for (const i of [1, 2, 3]) api.put('pods', makePod(`p${i}`, {cpu: '400m'}))
    await flushMicrotasks()
    const bound = [1, 2, 3].map((i) => nodeOf(`p${i}`)).filter(Boolean)
    assert.deepEqual(bound, ['w1', 'w1'])
    assert.ok(api.writes.includes('STATUS p3'))
  })
})
