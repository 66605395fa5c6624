// Tests of the node lifecycle controller: seed a fake cache, run syncs on a fake clock, compare the writes.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {toPath} from '../../../src/client/paths.js'
import {NodeLifecycleController, gracePeriodMs} from '../../../src/controllers/nodelifecycle/controller.js'
import type {ControllerClient} from '../../../src/controllers/types.js'
import {FakeLister} from './fakes.js'


/** Records writes; updates echo the object back (with a bumped resourceVersion) and land in the fake cache, as a watch would. */
function recordingClient(nodes: FakeLister) {
  const actions: {verb: string; path: string; body: any}[] = []
  let rv = 100
  const client = {
    async update(target: any, body: any) {
      const path = toPath(target)
      actions.push({verb: 'update', path, body: structuredClone(body)})
      const stored = {...body, metadata: {...body.metadata, resourceVersion: String(++rv)}}
      nodes.set(stored)
      return stored
    },
  } as unknown as ControllerClient
  return {client, actions}
}

const T0 = Date.parse('2024-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const micro = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z')

const readyNode = (name: string, heartbeat: number, taints?: unknown[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: iso(T0)},
  spec: taints ? {taints} : {},
  status: {
    conditions: [
      {type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: iso(heartbeat), lastTransitionTime: iso(T0)},
      {type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso(heartbeat), lastTransitionTime: iso(T0)},
    ],
  },
})

const lease = (name: string, renew: number): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {name, namespace: 'kube-node-lease', resourceVersion: String(renew)},
  spec: {holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(renew)},
})

describe('NodeLifecycleController', () => {
  let clock: FakeClock
  let nodes: FakeLister
  let leases: FakeLister
  let ctl: NodeLifecycleController
  let actions: {verb: string; path: string; body: any}[]

  beforeEach(() => {
    clock = new FakeClock(T0)
    nodes = new FakeLister()
    leases = new FakeLister()
    const rec = recordingClient(nodes)
    actions = rec.actions
    ctl = new NodeLifecycleController({client: rec.client, nodes, leases, clock, gracePeriodMs: 40_000})
  })

  it('reads the grace period from the environment', () => {
    assert.equal(gracePeriodMs({SKIFF_NODE_GRACE_PERIOD: '5'}), 5000)
    assert.equal(gracePeriodMs({}), 40_000)
    assert.equal(gracePeriodMs({SKIFF_NODE_GRACE_PERIOD: 'x'}), 40_000)
  })

  it('does nothing to a node whose lease is fresh', async () => {
    nodes.set(readyNode('n1', T0))
    leases.set(lease('n1', T0))
    await ctl.sync('n1')
    await clock.advance(39_000)
    leases.set(lease('n1', T0 + 39_000))
    await ctl.sync('n1')
    await clock.advance(39_000)
    await ctl.sync('n1')
    assert.deepEqual(actions, [])
  })

  it('taints a cordoned node node.kubernetes.io/unschedulable:NoSchedule and removes the taint on uncordon', async () => {
    const cordoned = readyNode('n1', T0, [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
    nodes.set({...cordoned, spec: {...cordoned.spec, unschedulable: true}})
    leases.set(lease('n1', T0))
    await ctl.sync('n1')
    await ctl.sync('n1')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['update /api/v1/nodes/n1'])
    assert.deepEqual(actions[0].body.spec.taints, [
      {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z'},
    ])
    const tainted = nodes.get('n1')!
    nodes.set({...tainted, spec: {...tainted.spec, unschedulable: undefined}})
    await ctl.sync('n1')
    assert.deepEqual(actions[1].body.spec.taints, [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
  })

  it('marks a silent node Unknown and unreachable after the grace period: taints first, status last', async () => {
    nodes.set(readyNode('n1', T0, [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}]))
    leases.set(lease('n1', T0))
    await ctl.sync('n1')
    await clock.advance(40_000)
    await ctl.sync('n1')
    assert.deepEqual(
      actions.map((a) => `${a.verb} ${a.path}`),
      ['update /api/v1/nodes/n1', 'update /api/v1/nodes/n1/status'],
    )
    assert.deepEqual(actions[0].body.spec.taints, [
      {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule'},
      {key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:40Z'},
    ])
    const status = actions[1].body
    assert.equal(status.metadata.resourceVersion, '101', 'status written on top of the taint write')
    const conds = Object.fromEntries(status.status.conditions.map((c: any) => [c.type, c]))
    assert.deepEqual(conds.Ready, {
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: '2024-01-01T00:00:00Z',
      lastTransitionTime: '2024-01-01T00:00:40Z',
    })
    assert.equal(conds.MemoryPressure.status, 'Unknown')
    assert.equal(conds.DiskPressure.reason, 'NodeStatusNeverUpdated')

    // Idempotent: another sync of the same state writes nothing.
    await ctl.sync('n1')
    assert.equal(actions.length, 2)
  })

  it('marks the pods of an unreachable node not Ready, and taints a node reporting Ready=False not-ready', async () => {
    const pods = new FakeLister()
    const patches: {path: string; body: any}[] = []
    const rec = recordingClient(nodes)
    const client = {...rec.client, patch: async (target: any, body: any) => void patches.push({path: toPath(target), body})} as unknown as ControllerClient
    const withPods = new NodeLifecycleController({client, nodes, leases, pods, clock, gracePeriodMs: 40_000})
    const ready = {type: 'Ready', status: 'True', lastTransitionTime: iso(T0)}
    pods.set({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'a', namespace: 'default', uid: 'uid-a'}, spec: {nodeName: 'n1'}, status: {conditions: [ready]}})
    pods.set({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'b', namespace: 'default', uid: 'uid-b'}, spec: {nodeName: 'n2'}, status: {conditions: [ready]}})
    nodes.set(readyNode('n1', T0))
    leases.set(lease('n1', T0))
    await withPods.sync('n1')
    await clock.advance(40_000)
    await withPods.sync('n1')
    assert.deepEqual(patches.map((p) => p.path), ['/api/v1/namespaces/default/pods/a/status'])
    assert.deepEqual(patches[0].body, {metadata: {uid: 'uid-a'}, status: {conditions: [{type: 'Ready', status: 'False', lastTransitionTime: iso(T0 + 40_000)}]}})

    const notReady = readyNode('n2', T0 + 40_000)
    notReady.status.conditions[1] = {...notReady.status.conditions[1], status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down'}
    nodes.set(notReady)
    leases.set(lease('n2', T0 + 40_000))
    await withPods.sync('n2')
    const taints = nodes.get('n2')!.spec.taints
    assert.deepEqual(taints, [{key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}, {key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: iso(T0 + 40_000)}])
    assert.deepEqual(patches.map((p) => p.path).slice(1), ['/api/v1/namespaces/default/pods/b/status'])
  })

  it('removes the taints once the lease is renewed and the agent reports Ready again', async () => {
    nodes.set(readyNode('n1', T0))
    leases.set(lease('n1', T0))
    await ctl.sync('n1')
    await clock.advance(41_000)
    await ctl.sync('n1')
    assert.equal(actions.length, 2)

    // Lease renewed, but Ready is still Unknown: the taints stay until the agent says Ready.
    leases.set(lease('n1', T0 + 41_000))
    await ctl.sync('n1')
    assert.equal(actions.length, 2)

    const marked = nodes.get('n1')!
    nodes.set({...readyNode('n1', T0 + 41_000, marked.spec.taints), metadata: {...marked.metadata}})
    await ctl.sync('n1')
    assert.equal(actions.length, 3)
    assert.equal(actions[2].path, '/api/v1/nodes/n1')
    assert.deepEqual(actions[2].body.spec.taints, [])
  })

  it('re-checks a node when its grace period runs out without any event', async () => {
    nodes.set(readyNode('n1', T0))
    leases.set(lease('n1', T0))
    const stop = new AbortController()
    const running = ctl.run(stop.signal)
    await flushMicrotasks()
    assert.equal(actions.length, 0)
    await clock.advance(39_999)
    assert.equal(actions.length, 0)
    await clock.advance(1)
    assert.equal(actions.length, 2, 'the sync scheduled at expiry marked the node')
    stop.abort()
    await running
  })

  it('retries a failed write with backoff', async () => {
    let fail = 1
    const rec = recordingClient(nodes)
    const flaky = {
      async update(target: any, body: any) {
        if (fail-- > 0) throw new Error('connection reset')
        return rec.client.update(target, body)
      },
    } as unknown as ControllerClient
    ctl = new NodeLifecycleController({client: flaky, nodes, leases, clock, gracePeriodMs: 1000})
    nodes.set(readyNode('n1', T0))
    const stop = new AbortController()
    const running = ctl.run(stop.signal)
    await clock.advance(1000)
    assert.equal(rec.actions.length, 0, 'first attempt failed')
    await clock.advance(5)
    assert.equal(rec.actions.length, 2, 'retried after 5 ms')
    stop.abort()
    await running
  })
})
