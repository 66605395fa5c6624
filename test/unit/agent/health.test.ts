// Tests of NodeHealth on a fake clock with a fake sampler: when pressure and network changes reach the posted status.
import assert from 'node:assert/strict'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {DEFAULT_EVICTION_HARD, type Observations} from '../../../src/agent/eviction.js'
import {evictionConfig} from '../../../src/agent/config.js'
import {NodeHealth} from '../../../src/agent/health.js'
import {agentConditions} from '../../../src/agent/node-object.js'

const GiB = 1024 ** 3
const healthy: Observations = {
  'memory.available': {available: 2 * GiB, capacity: 4 * GiB},
  'nodefs.available': {available: 50 * GiB, capacity: 100 * GiB},
  'imagefs.available': {available: 50 * GiB, capacity: 100 * GiB},
}
const diskFull: Observations = {...healthy, 'nodefs.available': {available: 1 * GiB, capacity: 100 * GiB}}

describe('NodeHealth', () => {
  let clock: FakeClock
  let stop: AbortController
  beforeEach(() => {
    clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'))
    stop = new AbortController()
  })
  afterEach(() => stop.abort())

  const statusOf = (h: NodeHealth, type: string) => agentConditions(h.state()).find((c) => c.type === type)

  it('samples every 10 s and reports a change only when a condition turns, after the transition period on the way back', async () => {
    let current = healthy
    const logs: string[] = []
    const h = new NodeHealth({eviction: evictionConfig({evictionHard: {...DEFAULT_EVICTION_HARD}, evictionPressureTransitionPeriod: '30s'}), sample: async () => current, clock, log: (m) => logs.push(m)})
    await h.refresh()
    assert.equal(statusOf(h, 'DiskPressure')?.status, 'False')
    let changes = 0
    const running = h.run(stop.signal, async () => void changes++)

    current = diskFull
    await clock.advance(9_999)
    assert.equal(changes, 0, 'no sample before 10 s')
    await clock.advance(1)
    await flushMicrotasks()
    assert.equal(changes, 1)
    assert.deepEqual([statusOf(h, 'DiskPressure')?.status, statusOf(h, 'DiskPressure')?.reason], ['True', 'KubeletHasDiskPressure'])
    assert.match(logs.join('\n'), /DiskPressure on: nodefs.available 1Gi < 10% of 100Gi/)

    current = healthy
    await clock.advance(20_000)
    await flushMicrotasks()
    assert.equal(changes, 1, 'freed, but within the 30 s transition period: still True')
    assert.equal(statusOf(h, 'DiskPressure')?.status, 'True')
    await clock.advance(10_000)
    await flushMicrotasks()
    assert.equal(changes, 2, 'off 30 s after the last sample under the threshold')
    assert.deepEqual([statusOf(h, 'DiskPressure')?.status, statusOf(h, 'DiskPressure')?.reason], ['False', 'KubeletHasNoDiskPressure'])
    stop.abort()
    await running
  })

  it('keeps the last state when the sampler fails', async () => {
    let fail = false
    const h = new NodeHealth({sample: async () => (fail ? Promise.reject(new Error('EIO')) : diskFull), clock})
    assert.equal(await h.refresh(), true)
    fail = true
    assert.equal(await h.refresh(), false)
    assert.equal(statusOf(h, 'DiskPressure')?.status, 'True')
  })

  it('posts NetworkUnavailable True until the CNI config serves the Node pod CIDR, then False naming it', async () => {
    let configured: string | undefined = undefined
    const h = new NodeHealth({network: async () => configured, clock})
    await h.refresh()
    assert.deepEqual(statusOf(h, 'NetworkUnavailable'), {type: 'NetworkUnavailable', status: 'True', reason: 'NoPodCIDR', message: 'the node has no pod CIDR (spec.podCIDR) to configure the pod network from'})
    h.setPodCIDR('10.244.1.0/24')
    assert.equal(await h.refresh(), true)
    assert.equal(statusOf(h, 'NetworkUnavailable')?.reason, 'CNINotConfigured')
    assert.match(statusOf(h, 'NetworkUnavailable')!.message, /not configured for pod CIDR 10.244.1.0\/24: there is no CNI config yet/)
    configured = '10.244.1.0/24'
    assert.equal(await h.refresh(), true)
    assert.deepEqual(statusOf(h, 'NetworkUnavailable'), {type: 'NetworkUnavailable', status: 'False', reason: 'CNIConfigured', message: 'the pod network is configured for pod CIDR 10.244.1.0/24'})
    h.setPodCIDR('10.244.7.0/24')
    await h.refresh()
    assert.equal(statusOf(h, 'NetworkUnavailable')?.status, 'True', 'a new range not yet in the config')
    assert.match(statusOf(h, 'NetworkUnavailable')!.message, /it is configured for 10.244.1.0\/24/)
  })

  it('without a network probe or sampler reports no NetworkUnavailable and no pressure, and its loop returns at once', async () => {
    const h = new NodeHealth({clock})
    await h.refresh()
    assert.deepEqual(agentConditions(h.state()).map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True'])
    await h.run(stop.signal, async () => assert.fail('no change'))
  })
})
