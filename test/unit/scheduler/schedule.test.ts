// Tests of the pure schedule() algorithm over several nodes, including kube-scheduler's exact failure messages.
import {strict as assert} from 'node:assert'
import type {KubeObject} from '../../../src/api/types.js'
import {NO_NODES_MESSAGE, NodeInfo, formatFitError, schedule} from '../../../src/scheduler/framework.js'
import {buildProfile} from '../../../src/scheduler/profile.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

const profile = buildProfile()

/** Schedules pods one after another, placing each on its chosen node as the scheduler's cache would. */
function placeAll(nodes: KubeObject[], pods: KubeObject[], random = () => 0.5): string[] {
  const infos = new Map(nodes.map((n) => [String(n.metadata.name), new NodeInfo(n)]))
  return pods.map((pod) => {
    const r = schedule(pod, [...infos.values()], profile, {random})
    assert.ok('node' in r, `expected ${pod.metadata.name} to fit: ${'message' in r ? r.message : ''}`)
    infos.set(r.node, (infos.get(r.node) as NodeInfo).withPod({...pod, spec: {...pod.spec, nodeName: r.node}}))
    return r.node
  })
}

describe('scheduler/schedule', () => {
  const cluster = () => [controlPlane('cp'), makeNode('w1'), makeNode('w2')]

  it('spreads 3 replicas of one ReplicaSet across the two workers, never on the control plane', () => {
    for (const r of [0, 0.3, 0.7, 0.99]) {
      const nodes = placeAll(cluster(), [1, 2, 3].map((i) => makePod(`web-${i}`, {owner: 'web', cpu: '100m'})), () => r)
      assert.ok(!nodes.includes('cp'))
      assert.ok(nodes.includes('w1') && nodes.includes('w2'), nodes.join())
      // After two pods (one per worker) the third may go either way; the first two must differ.
      assert.notEqual(nodes[0], nodes[1])
    }
  })

  it('spreads pods without requests too (non-zero defaults in scoring)', () => {
    const nodes = placeAll([makeNode('w1'), makeNode('w2')], [1, 2, 3, 4].map((i) => makePod(`p${i}`)))
    assert.deepEqual(nodes.filter((n) => n === 'w1').length, 2)
  })

  it('bin-packs by requests: a burst never overcommits', () => {
    const nodes = [makeNode('w1', {cpu: '1'}), makeNode('w2', {cpu: '1'})]
    const placed = placeAll(nodes, [1, 2, 3, 4].map((i) => makePod(`p${i}`, {cpu: '500m'})))
    assert.equal(placed.filter((n) => n === 'w1').length, 2)
    const infos = [new NodeInfo(nodes[0], [makePod('a', {cpu: '500m'}), makePod('b', {cpu: '500m'})]), new NodeInfo(nodes[1], [makePod('c', {cpu: '600m'})])]
    const r = schedule(makePod('p5', {cpu: '500m'}), infos, profile)
    assert.ok('unschedulable' in r)
    assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.')
  })

  it('reports the taint for the control plane and Insufficient cpu for the workers, as kube-scheduler 1.32 does', () => {
    const r = schedule(makePod('big', {cpu: '4'}), cluster().map((n) => new NodeInfo(n)), profile)
    assert.ok('unschedulable' in r)
    assert.equal(
      r.message,
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    )
    assert.deepEqual(r.perNodeReasons, {
      cp: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
      w1: ['Insufficient cpu'],
      w2: ['Insufficient cpu'],
    })
    assert.equal(r.statuses.cp.plugin, 'TaintToleration')
  })

  it('counts every reason of a node and sorts "count reason" strings as strings', () => {
    const nodes = Array.from({length: 10}, (_, i) => makeNode(`n${i}`, {cpu: '1', memory: '1Gi'}))
    nodes.push(makeNode('small', {cpu: '100m', memory: '1Gi', labels: {}}))
    nodes.push(makeNode('x', {unschedulable: true}), makeNode('y', {unschedulable: true}))
    const r = schedule(makePod('p', {cpu: '2', memory: '2Gi'}), nodes.map((n) => new NodeInfo(n)), profile)
    assert.ok('unschedulable' in r)
    assert.equal(
      r.message,
      '0/13 nodes are available: 11 Insufficient cpu, 11 Insufficient memory, 2 node(s) were unschedulable. ' +
        'preemption: 0/13 nodes are available: 11 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    )
  })

  it('respects nodeSelector, tolerations, host ports and not-ready nodes', () => {
    const nodes = [controlPlane('cp'), makeNode('w1', {labels: {disk: 'ssd'}}), makeNode('w2', {ready: 'False'})]
    const infos = nodes.map((n) => new NodeInfo(n))
    const sel = schedule(makePod('p', {spec: {nodeSelector: {disk: 'ssd'}}}), infos, profile)
    assert.ok('node' in sel && sel.node === 'w1')
    const tolerant = makePod('p', {spec: {nodeSelector: {'node-role.kubernetes.io/control-plane': ''}, tolerations: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}]}})
    const t = schedule(tolerant, infos, profile)
    assert.ok('node' in t && t.node === 'cp')
    const none = schedule(makePod('p', {spec: {nodeSelector: {disk: 'hdd'}}}), infos, profile)
    assert.ok('unschedulable' in none)
    assert.equal(
      none.message,
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. " +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    )
    const busyPort = [new NodeInfo(makeNode('w1'), [makePod('a', {hostPort: 80})])]
    const port = schedule(makePod('p', {hostPort: 80}), busyPort, profile)
    assert.ok('unschedulable' in port)
    assert.equal(port.message, "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
  })

  it('says so when there are no nodes, or when preemption is disabled for the pod', () => {
    const r = schedule(makePod('p'), [], profile)
    assert.ok('unschedulable' in r && r.message === NO_NODES_MESSAGE)
    const never = schedule(makePod('p', {cpu: '8', spec: {preemptionPolicy: 'Never'}}), [new NodeInfo(makeNode('w1'))], profile)
    assert.ok('unschedulable' in never)
    assert.equal(never.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.')
  })

  it('explains why removing lower-priority pods would not help either', () => {
    const ni = new NodeInfo(makeNode('w1', {cpu: '1'}), [makePod('low', {cpu: '500m', priority: 0})])
    const r = schedule(makePod('p', {cpu: '2', priority: 10}), [ni], profile)
    assert.ok('unschedulable' in r)
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.')
  })

  it('formats an empty histogram like kube-scheduler', () => {
    assert.equal(formatFitError(0, []), '0/0 nodes are available:')
  })

  it('skips scoring with a single feasible node', () => {
    const r = schedule(makePod('p'), [new NodeInfo(controlPlane()), new NodeInfo(makeNode('w1'))], profile)
    assert.deepEqual(r, {node: 'w1', feasibleNodes: 1})
  })
})
