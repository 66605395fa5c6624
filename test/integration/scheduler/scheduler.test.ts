// Integration: the scheduler in-process against a real apiserver over HTTPS (MemoryStore): binds pods, reports unschedulable ones.
import {strict as assert} from 'node:assert'
import type {KubeObject} from '../../../src/api/types.js'
import {ApiClient} from '../../../src/client/api-client.js'
import {type RunningScheduler, startScheduler} from '../../../src/scheduler/index.js'
import {MemoryStore} from '../../../src/store/index.js'
import {type TestServer, startTestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'
import {controlPlane, makeNode, makePod} from '../../unit/scheduler/fixtures.js'

/** Polls fast: scheduling here takes milliseconds. */
const until = <T>(what: string, check: () => Promise<T | undefined | false>, ms = 5000) => waitFor(what, check, ms, 10)

describe('scheduler (in-process with apiserver)', () => {
  let server: TestServer
  let store: MemoryStore
  let client: ApiClient
  let sched: RunningScheduler
  const logs: string[] = []

  const createNode = async (node: KubeObject) => {
    await client.create({version: 'v1', resource: 'nodes'}, node)
    // Status is a subresource: the create drops it, as Kubernetes does.
    await client.patch({version: 'v1', resource: 'nodes', name: String(node.metadata.name), subresource: 'status'}, {status: node.status}, 'merge')
  }
  const createPod = (pod: KubeObject) => {
    const {uid: _uid, ...metadata} = pod.metadata
    const {nodeName: _n, priority: _p, ...spec} = pod.spec
    return client.create({version: 'v1', resource: 'pods', namespace: 'default'}, {...pod, metadata, spec, status: undefined})
  }
  const getPod = (name: string) => client.get({version: 'v1', resource: 'pods', namespace: 'default', name})
  const events = async (name: string) =>
    (await client.list({version: 'v1', resource: 'events', namespace: 'default'})).items.filter((e) => e.involvedObject?.name === name)

  before(async () => {
    store = new MemoryStore()
    server = await startTestServer(store)
    client = new ApiClient({server: `https://127.0.0.1:${server.port}`, ca: server.ca, cert: server.admin.cert, key: server.admin.key})
    await createNode(controlPlane('cp', {cpu: '2'}))
    await createNode(makeNode('w1', {cpu: '1'}))
    await createNode(makeNode('w2', {cpu: '1'}))
    sched = await startScheduler(client, {log: (m) => logs.push(m)})
    assert.equal(await sched.synced(), true)
  })
  after(async () => {
    await sched?.stop()
    client?.close()
    await server?.close()
    await store?.close()
  })

  it('binds pods within milliseconds, spread over the workers, and records Scheduled events', async () => {
    const start = Date.now()
    await Promise.all([1, 2, 3].map((i) => createPod(makePod(`web-${i}`, {cpu: '200m', owner: 'web'}))))
    const nodes = await until('all bound', async () => {
      const pods = await Promise.all([1, 2, 3].map((i) => getPod(`web-${i}`)))
      return pods.every((p) => p.spec.nodeName) && pods.map((p) => p.spec.nodeName as string)
    })
    const elapsed = Date.now() - start
    assert.ok(elapsed < 2000, `took ${elapsed} ms`)
    assert.ok(!nodes.includes('cp'))
    assert.ok(nodes.includes('w1') && nodes.includes('w2'), nodes.join())
    const ev = await until('Scheduled event', async () => (await events('web-1')).find((e) => e.reason === 'Scheduled'))
    assert.match(ev.message, /^Successfully assigned default\/web-1 to w[12]$/)
    assert.equal(ev.type, 'Normal')
    assert.equal(ev.source.component, 'default-scheduler')
  })

  it('does not overcommit a burst, and leaves the rest Pending with PodScheduled=False and a FailedScheduling event', async () => {
    // 1.4 cpu left on the workers (1 - 0.4 on one, 1 - 0.2 on the other → 0.6 + 0.8); four 300m pods leave one out at most.
    await Promise.all([1, 2, 3, 4, 5].map((i) => createPod(makePod(`burst-${i}`, {cpu: '300m'}))))
    await until('burst settled', async () => {
      const pods = await Promise.all([1, 2, 3, 4, 5].map((i) => getPod(`burst-${i}`)))
      return pods.every((p) => p.spec.nodeName || p.status?.conditions?.some((c: any) => c.type === 'PodScheduled'))
    })
    const pods = await Promise.all([1, 2, 3, 4, 5].map((i) => getPod(`burst-${i}`)))
    const all = await client.list({version: 'v1', resource: 'pods', namespace: 'default'})
    for (const w of ['w1', 'w2']) {
      const used = all.items.filter((p) => p.spec.nodeName === w).reduce((n, p) => n + (String(p.metadata.name).startsWith('web') ? 200 : 300), 0)
      assert.ok(used <= 1000, `${w} overcommitted: ${used}m`)
    }
    const pending = pods.filter((p) => !p.spec.nodeName)
    assert.ok(pending.length >= 1)
    const cond = pending[0].status.conditions.find((c: any) => c.type === 'PodScheduled')
    assert.equal(cond.status, 'False')
    assert.equal(cond.reason, 'Unschedulable')
    assert.equal(
      cond.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    )
    const ev = await until('FailedScheduling', async () => (await events(String(pending[0].metadata.name))).find((e) => e.reason === 'FailedScheduling'))
    assert.equal(ev.type, 'Warning')
    assert.equal(ev.message, cond.message)
    assert.equal(ev.reportingComponent, 'default-scheduler')
  })

  it('retries an unschedulable pod when a node is added', async () => {
    await createPod(makePod('big', {cpu: '1500m'}))
    await until('big unschedulable', async () => (await getPod('big')).status?.conditions?.some((c: any) => c.type === 'PodScheduled'))
    await createNode(makeNode('w3', {cpu: '2'}))
    const p = await until('big bound', async () => {
      const pod = await getPod('big')
      return pod.spec.nodeName && pod
    })
    assert.equal(p.spec.nodeName, 'w3')
  })

  it('ignores pods for other schedulers', async () => {
    await createPod(makePod('other', {spec: {schedulerName: 'my-scheduler'}}))
    // A barrier instead of a sleep: the watch delivers events in order, so once a pod created after "other" is
    // bound, the scheduler has already seen "other" and passed it over.
    await createPod(makePod('after-other', {cpu: '10m'}))
    await until('after-other bound', async () => (await getPod('after-other')).spec.nodeName)
    assert.equal((await getPod('other')).spec.nodeName, undefined)
    assert.deepEqual(await events('other'), [])
  })
})
