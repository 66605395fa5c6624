// Tests of TaintNodesByCondition: NoSchedule taints for pressure and network conditions, added and removed as they change.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import type {Node} from '../../../src/api/types/cluster.js'
import {FakeClock} from '../../../src/api/clock.js'
import {toPath} from '../../../src/client/paths.js'
import {withConditionTaints} from '../../../src/controllers/nodelifecycle/condition-taints.js'
import {NodeLifecycleController} from '../../../src/controllers/nodelifecycle/controller.js'
import type {ControllerClient} from '../../../src/controllers/types.js'
import {FakeLister} from './fakes.js'

const T0 = Date.parse('2024-01-01T00:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const CP = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}

const node = (conditions: Record<string, string>, taints: unknown[] = [], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {name: 'n1', uid: 'uid-n1', resourceVersion: '1', creationTimestamp: iso(T0)},
  spec: {taints, ...extra},
  status: {conditions: Object.entries({Ready: 'True', ...conditions}).map(([type, status]) => ({type, status, lastHeartbeatTime: iso(T0), lastTransitionTime: iso(T0)}))},
})

describe('node condition taints', () => {
  it('adds a NoSchedule taint for each of MemoryPressure, DiskPressure, PIDPressure and NetworkUnavailable that is True', () => {
    const taints = withConditionTaints(node({MemoryPressure: 'True', DiskPressure: 'True', PIDPressure: 'True', NetworkUnavailable: 'True'}, [CP]) as Node, T0)
    assert.deepEqual(taints, [
      CP,
      {key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z'},
      {key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z'},
      {key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z'},
      {key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z'},
    ])
  })

  it('removes a taint when its condition is False, Unknown or gone, keeps a present one as it is, and leaves others\' taints', () => {
    const disk = {key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: 'earlier'}
    const mem = {key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule'}
    const pid = {key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule'}
    const userNoExecute = {key: 'node.kubernetes.io/disk-pressure', effect: 'NoExecute'}
    const taints = withConditionTaints(node({DiskPressure: 'True', MemoryPressure: 'False', PIDPressure: 'Unknown'}, [CP, disk, mem, pid, userNoExecute]) as Node, T0)
    assert.deepEqual(taints, [CP, disk, userNoExecute])
    assert.equal(withConditionTaints(node({DiskPressure: 'True'}, [CP, disk]) as Node, T0), undefined, 'already right: no write')
    assert.equal(withConditionTaints(node({NetworkUnavailable: 'False'}, [CP]) as Node, T0), undefined)
  })
})

describe('NodeLifecycleController condition taints', () => {
  it('taints a node whose agent reports DiskPressure, in the same write as a cordon, and untaints it when it clears', async () => {
    const clock = new FakeClock(T0)
    const nodes = new FakeLister()
    const leases = new FakeLister()
    const actions: {path: string; body: any}[] = []
    let rv = 100
    const client = {
      async update(target: any, body: any) {
        actions.push({path: toPath(target), body: structuredClone(body)})
        const stored = {...body, metadata: {...body.metadata, resourceVersion: String(++rv)}}
        nodes.set(stored)
        return stored
      },
    } as unknown as ControllerClient
    const ctl = new NodeLifecycleController({client, nodes, leases, clock, gracePeriodMs: 40_000})
    leases.set({apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {name: 'n1', namespace: 'kube-node-lease'}, spec: {renewTime: iso(T0)}})
    nodes.set(node({DiskPressure: 'True'}, [CP], {unschedulable: true}))
    await ctl.sync('n1')
    assert.deepEqual(actions.map((a) => a.path), ['/api/v1/nodes/n1'], 'one write for the whole NoSchedule pass')
    assert.deepEqual(actions[0].body.spec.taints.map((t: any) => t.key), [CP.key, 'node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure'])
    await ctl.sync('n1')
    assert.equal(actions.length, 1, 'nothing more to do')

    const tainted = nodes.get('n1')!
    nodes.set({...tainted, status: node({DiskPressure: 'False'}).status})
    await ctl.sync('n1')
    assert.equal(actions.length, 2)
    assert.deepEqual(actions[1].body.spec.taints.map((t: any) => t.key), [CP.key, 'node.kubernetes.io/unschedulable'])
  })
})
