// Tests of the agent posting its pressure conditions: a sampled signal crossing its threshold reaches the Node's status at once.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {NodeAgent, type AgentClient} from '../../../src/agent/agent.js'
import {evictionConfig} from '../../../src/agent/config.js'
import {DEFAULT_EVICTION_HARD, type Observations} from '../../../src/agent/eviction.js'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {ApiError} from '../../../src/client/errors.js'
import {toPath} from '../../../src/client/paths.js'

const notFound = () => new ApiError({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'not found'})

/** Just enough of the API for registration, status and lease: objects by path, every status write recorded. */
function fakeApi() {
  const objects = new Map<string, KubeObject>()
  const statusWrites: KubeObject[] = []
  let rv = 0
  const save = (path: string, obj: KubeObject) => {
    const stored = structuredClone({...obj, metadata: {...obj.metadata, resourceVersion: String(++rv), uid: obj.metadata.uid ?? `uid-${rv}`}})
    objects.set(path, stored)
    return structuredClone(stored)
  }
  const client: AgentClient = {
    async get(target: any) {
      const o = objects.get(toPath(target))
      if (!o) throw notFound()
      return structuredClone(o)
    },
    async create(target: any, body: any) {
      return save(`${toPath(target)}/${body.metadata.name}`, body)
    },
    async update(target: any, body: any) {
      const path = toPath(target)
      const objPath = path.replace(/\/status$/, '')
      const cur = objects.get(objPath)
      if (!cur) throw notFound()
      if (path.endsWith('/status')) statusWrites.push(structuredClone(body))
      return save(objPath, path.endsWith('/status') ? {...cur, status: body.status} : {...body, status: cur.status})
    },
    async list() {
      return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: String(rv)}, items: []} as any
    },
    watch() {
      let end!: () => void
      const done = new Promise<void>((r) => (end = r))
      return {stop: () => end(), done}
    },
  } as AgentClient
  return {client, objects, statusWrites}
}

const GiB = 1024 ** 3
const healthy: Observations = {'nodefs.available': {available: 50 * GiB, capacity: 100 * GiB}, 'memory.available': {available: GiB, capacity: 2 * GiB}}

describe('NodeAgent pressure conditions', () => {
  it('posts the first status from a first sample, then a crossing within one 10 s sample, and clears after the transition period', async () => {
    const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'))
    const stop = new AbortController()
    const api = fakeApi()
    let current: Observations = {...healthy, 'memory.available': {available: 10 * 1024 * 1024, capacity: 2 * GiB}}
    const config = {
      nodeName: 'w1', role: 'worker' as const, nodeIP: '172.30.0.3', podCIDR: '10.244.1.0/24', taintControlPlane: false, clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local',
      eviction: evictionConfig({evictionHard: {...DEFAULT_EVICTION_HARD}, evictionPressureTransitionPeriod: '20s'}),
    }
    const agent = new NodeAgent({
      client: api.client, config, clock, runtime: {ping: async () => {}, version: async () => 'containerd://1.7'},
      capacity: () => ({cpu: '1', memory: '2Gi', pods: '110'}), hostInfo: () => ({kernelVersion: '6.1', osImage: 'Debian', machineID: 'm', systemUUID: 'u', bootID: 'b'}),
      signals: async () => current,
    })
    const running = agent.run(stop.signal)
    await agent.registered()
    const cond = (type: string) => (api.objects.get('/api/v1/nodes/w1')!.status.conditions as any[]).find((c) => c.type === type)
    assert.equal(cond('MemoryPressure').status, 'True', 'the very first status is measured: 10Mi < 100Mi')
    assert.equal(cond('MemoryPressure').reason, 'KubeletHasInsufficientMemory')
    assert.equal(cond('NetworkUnavailable'), undefined, 'no pod runtime: the agent manages no network and posts no NetworkUnavailable')
    const writes = api.statusWrites.length

    current = {...healthy, 'nodefs.available': {available: GiB, capacity: 100 * GiB}}
    await clock.advance(10_000)
    await flushMicrotasks()
    assert.equal(api.statusWrites.length, writes + 1, 'a change is posted at once, not at the next 60 s status update')
    assert.equal(cond('DiskPressure').reason, 'KubeletHasDiskPressure')
    assert.equal(cond('MemoryPressure').status, 'True', 'memory freed 10 s ago: within the 20 s transition period')

    current = healthy
    await clock.advance(10_000)
    await flushMicrotasks()
    assert.equal(cond('MemoryPressure').status, 'False', '20 s after the last low-memory sample')
    assert.equal(cond('DiskPressure').status, 'True')
    await clock.advance(10_000)
    await flushMicrotasks()
    assert.equal(cond('DiskPressure').status, 'False')
    assert.equal(cond('Ready').status, 'True')
    stop.abort()
    await running
  })
})
