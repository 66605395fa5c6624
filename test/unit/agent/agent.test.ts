// Tests of the agent's registration and heartbeat against a fake API on a fake clock: what it writes, and when.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {NodeAgent, leaseRenewInterval, type AgentClient} from '../../../src/agent/agent.js'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {ApiError} from '../../../src/client/errors.js'
import {toPath} from '../../../src/client/paths.js'

const status = (code: number, reason: string) => new ApiError({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message: reason})

/** A tiny object store behind the agent's client calls; records every call as `VERB path`. */
function fakeApi(opts: {namespaces?: string[]} = {}) {
  const objects = new Map<string, KubeObject>()
  const namespaces = new Set(opts.namespaces ?? ['kube-node-lease'])
  const calls: string[] = []
  let rv = 0
  let down = 0
  const save = (path: string, obj: KubeObject) => {
    const stored = structuredClone({...obj, metadata: {...obj.metadata, resourceVersion: String(++rv), uid: obj.metadata.uid ?? `uid-${rv}`}})
    objects.set(path, stored)
    return structuredClone(stored)
  }
  const client: AgentClient = {
    async get(target: any) {
      const path = toPath(target)
      calls.push(`GET ${path}`)
      if (down > 0) throw new Error('connect ECONNREFUSED')
      const o = objects.get(path)
      if (!o) throw status(404, 'NotFound')
      return structuredClone(o)
    },
    async create(target: any, body: any) {
      const path = `${toPath(target)}/${body.metadata.name}`
      calls.push(`POST ${toPath(target)}`)
      if (down > 0) {
        down--
        throw new Error('connect ECONNREFUSED')
      }
      if (target.namespace && !namespaces.has(target.namespace)) throw status(404, 'NotFound')
      if (target.resource === 'namespaces') namespaces.add(body.metadata.name)
      if (objects.has(path)) throw status(409, 'AlreadyExists')
      return save(path, body)
    },
    async update(target: any, body: any) {
      const path = toPath(target)
      calls.push(`PUT ${path}`)
      const objPath = path.replace(/\/status$/, '')
      const cur = objects.get(objPath)
      if (!cur) throw status(404, 'NotFound')
      if (body.metadata.resourceVersion !== cur.metadata.resourceVersion) throw status(409, 'Conflict')
      // Like the apiserver: a status write changes only status, a main write keeps status.
      const next = path.endsWith('/status') ? {...cur, status: body.status} : {...body, status: cur.status}
      return save(objPath, next)
    },
    async list() {
      return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: String(rv)}, items: []} as any
    },
    watch() {
      // The own-node watch is exercised in the in-process test; here it stays open until stopped.
      let end!: () => void
      const done = new Promise<void>((r) => (end = r))
      return {stop: () => end(), done}
    },
  } as AgentClient
  return {
    client,
    calls,
    objects,
    failNext: (n: number) => (down = n),
  }
}

const config = {nodeName: 'w1', role: 'worker' as const, nodeIP: '172.30.0.3', podCIDR: '10.244.1.0/24', taintControlPlane: false, clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local'}
const host = () => ({kernelVersion: '6.1', osImage: 'Debian', machineID: 'm', systemUUID: 'u', bootID: 'b'})
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/w1'

describe('NodeAgent', () => {
  let clock: FakeClock
  let stop: AbortController
  let running: Promise<void>

  beforeEach(() => {
    clock = new FakeClock()
    stop = new AbortController()
  })

  afterEach(async () => {
    stop.abort()
    await running
  })

  const start = (api: ReturnType<typeof fakeApi>, runtime = {ping: async () => {}, version: async () => 'containerd://1.6.20'}) => {
    const agent = new NodeAgent({client: api.client, config, runtime, clock, capacity: () => ({cpu: '1', memory: '1Gi', pods: '110'}), hostInfo: host})
    running = agent.run(stop.signal)
    return agent
  }

  it('waits for the runtime, registers the Node with its Ready status in one write, then creates the lease', async () => {
    const api = fakeApi()
    let pings = 0
    const agent = start(api, {
      ping: async () => {
        if (++pings < 3) throw new Error('ENOENT /run/containerd/containerd.sock')
      },
      version: async () => 'containerd://1.6.20',
    })
    await flushMicrotasks()
    assert.equal(api.calls.length, 0, 'nothing is written before the runtime answers')
    await clock.advance(100)
    await agent.registered()
    // The Node first, created with its status (no separate status write); the lease needs its UID.
    assert.deepEqual(api.calls, ['POST /api/v1/nodes', `GET ${LEASE}`, 'POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'])
    const node = api.objects.get('/api/v1/nodes/w1')!
    assert.equal(node.status.conditions.find((c: any) => c.type === 'Ready').status, 'True')
    assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20')
    const lease = api.objects.get(LEASE)!
    assert.deepEqual(lease.metadata.ownerReferences, [{apiVersion: 'v1', kind: 'Node', name: 'w1', uid: node.metadata.uid}])
  })

  it('renews the lease every 10 s from the last written copy, without a GET', async () => {
    const api = fakeApi()
    const agent = start(api)
    await agent.registered()
    const before = api.objects.get(LEASE)!.spec.renewTime
    api.calls.length = 0
    await clock.advance(10_000)
    assert.deepEqual(api.calls, [`PUT ${LEASE}`])
    assert.notEqual(api.objects.get(LEASE)!.spec.renewTime, before)
    await clock.advance(10_000)
    assert.equal(api.calls.length, 2)
  })

  it('retries registration quickly while the apiserver is down', async () => {
    const api = fakeApi()
    api.failNext(3)
    const agent = start(api)
    await clock.advance(50 + 100 + 200)
    await agent.registered()
    assert.deepEqual(api.calls.slice(0, 4), ['POST /api/v1/nodes', 'POST /api/v1/nodes', 'POST /api/v1/nodes', 'POST /api/v1/nodes'])
  })

  it('creates kube-node-lease when the apiserver has not', async () => {
    const api = fakeApi({namespaces: []})
    const agent = start(api)
    await agent.registered()
    assert.ok(api.calls.includes('POST /api/v1/namespaces'))
    assert.ok(api.objects.has(LEASE))
  })

  it('re-registers over an existing node, keeping its uid and foreign labels', async () => {
    const api = fakeApi()
    api.objects.set('/api/v1/nodes/w1', {apiVersion: 'v1', kind: 'Node', metadata: {name: 'w1', uid: 'old-uid', resourceVersion: '1', labels: {team: 'a'}}, spec: {}})
    const agent = start(api)
    await agent.registered()
    const node = api.objects.get('/api/v1/nodes/w1')!
    assert.equal(node.metadata.uid, 'old-uid')
    assert.equal(node.metadata.labels!.team, 'a')
    assert.equal(node.metadata.labels!['kubernetes.io/hostname'], 'w1')
    assert.equal(node.spec.podCIDR, '10.244.1.0/24')
    assert.equal(api.objects.get(LEASE)!.metadata.ownerReferences![0].uid, 'old-uid')
  })

  it('posts not Ready with KubeletNotReady once the runtime has not answered for 30 s (a hung ping counts), and Ready when it is back', async () => {
    const api = fakeApi()
    let mode: 'up' | 'down' | 'hung' = 'up'
    const agent = start(api, {
      ping: () => (mode === 'up' ? Promise.resolve() : mode === 'down' ? Promise.reject(new Error('connection refused')) : new Promise<void>(() => {})),
      version: async () => 'containerd://1.6.20',
    })
    await agent.registered()
    const ready = () => api.objects.get('/api/v1/nodes/w1')!.status.conditions.find((c: any) => c.type === 'Ready')
    mode = 'hung'
    // Each check waits up to 5 s for an answer, then sleeps 5 s: misses at 10, 20 and 30 s after the hang.
    for (let i = 0; i < 5; i++) await clock.advance(5000)
    assert.equal(ready().status, 'True', 'a few slow answers are not enough')
    for (let i = 0; i < 2; i++) await clock.advance(5000)
    assert.deepEqual([ready().status, ready().reason, ready().message], ['False', 'KubeletNotReady', 'container runtime is down'])
    const since = ready().lastTransitionTime
    mode = 'down'
    await clock.advance(10_000)
    assert.equal(ready().lastTransitionTime, since, 'still down: no new transition')
    mode = 'up'
    await clock.advance(5000)
    assert.deepEqual([ready().status, ready().reason], ['True', 'KubeletReady'])
  })

  it('posts status again every 60 s', async () => {
    const api = fakeApi()
    const agent = start(api)
    await agent.registered()
    api.calls.length = 0
    await clock.advance(60_000)
    assert.ok(api.calls.includes('PUT /api/v1/nodes/w1/status'))
  })
})

describe('leaseRenewInterval', () => {
  it('renews every 10 s, or four times per shorter grace period', () => {
    assert.equal(leaseRenewInterval(), 10_000)
    assert.equal(leaseRenewInterval(40), 10_000)
    assert.equal(leaseRenewInterval(5), 1250)
    assert.equal(leaseRenewInterval(0.1), 200)
  })
})
