// DefaultPreemption: victim selection (minimal, least important, budgets), node choice, eligibility, and the running scheduler evicting and nominating.
import {strict as assert} from 'node:assert'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import type {KubeObject} from '../../../src/api/types.js'
import {NodeInfo, schedule} from '../../../src/scheduler/framework.js'
import {pickCandidate, splitByBudgetViolation} from '../../../src/scheduler/preemption.js'
import {buildProfile} from '../../../src/scheduler/profile.js'
import {type RunningScheduler, startScheduler} from '../../../src/scheduler/index.js'
import {FakeSchedulerApi} from './fake-api.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

const labelled = (pod: KubeObject, labels: Record<string, string>): KubeObject => ({...pod, metadata: {...pod.metadata, labels}})
const names = (pods: readonly KubeObject[]) => pods.map((p) => p.metadata.name)

describe('DefaultPreemption', () => {
  const profile = buildProfile()

  it('evicts only as many lower-priority pods as needed, the least important first', () => {
    const ni = new NodeInfo(makeNode('w1', {cpu: '2'}), [
      makePod('mid', {node: 'w1', cpu: '800m', priority: 5}),
      makePod('low', {node: 'w1', cpu: '800m', priority: 1}),
      makePod('high', {node: 'w1', cpu: '400m', priority: 100}),
    ])
    const r = schedule(makePod('p', {cpu: '700m', priority: 10}), [ni], profile)
    assert.ok('unschedulable' in r)
    assert.equal(r.nominated?.node, 'w1')
    assert.deepEqual(names(r.nominated!.victims), ['low'])
    // A nomination leaves the message without a preemption part, as kube-scheduler's event does.
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu.')
  })

  it('picks the node whose victims matter least, and never pods of equal or higher priority', () => {
    const w1 = new NodeInfo(makeNode('w1', {cpu: '1'}), [makePod('a', {node: 'w1', cpu: '1', priority: 5})])
    const w2 = new NodeInfo(makeNode('w2', {cpu: '1'}), [makePod('b', {node: 'w2', cpu: '1', priority: 1})])
    const w3 = new NodeInfo(makeNode('w3', {cpu: '1'}), [makePod('c', {node: 'w3', cpu: '1', priority: 10})])
    const r = schedule(makePod('p', {cpu: '1', priority: 10}), [w1, w2, w3], profile)
    assert.ok('unschedulable' in r)
    assert.equal(r.nominated?.node, 'w2')
  })

  it('frees a host port by evicting the pod holding it', () => {
    const infos = [new NodeInfo(controlPlane('cp')), new NodeInfo(makeNode('w1'), [makePod('low', {node: 'w1', hostPort: 8080, priority: 0})])]
    const r = schedule(makePod('high', {hostPort: 8080, priority: 1000}), infos, profile)
    assert.ok('unschedulable' in r)
    assert.deepEqual([r.nominated?.node, names(r.nominated!.victims)], ['w1', ['low']])
  })

  it('lifts anti-affinity by evicting the lower-priority pod it repels', () => {
    const anti = {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: 'x'}}, topologyKey: 'kubernetes.io/hostname'}]}}
    const ni = new NodeInfo(makeNode('w1'), [labelled(makePod('other', {node: 'w1', priority: 0}), {app: 'x'})])
    const r = schedule(labelled(makePod('p', {priority: 10, spec: {affinity: anti}}), {app: 'p'}), [ni], profile)
    assert.ok('unschedulable' in r)
    assert.deepEqual(names(r.nominated!.victims), ['other'])
  })

  it('prefers victims whose disruption budget allows it', () => {
    const budget = {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'pdb', namespace: 'default'}, spec: {selector: {matchLabels: {app: 'guarded'}}}, status: {disruptionsAllowed: 0}}
    const guarded = labelled(makePod('g', {cpu: '1', priority: 1}), {app: 'guarded'})
    const free = makePod('f', {cpu: '1', priority: 1})
    const split = splitByBudgetViolation([guarded, free], [budget])
    assert.deepEqual([names(split.violating), names(split.nonViolating)], [['g'], ['f']])
    const picked = pickCandidate([{node: 'w1', victims: [guarded], violations: 1}, {node: 'w2', victims: [free], violations: 0}])
    assert.equal(picked?.node, 'w2')
    const withBudgets = buildProfile(undefined, {disruptionBudgets: () => [budget]})
    const infos = [new NodeInfo(makeNode('w1', {cpu: '1'}), [{...guarded, spec: {...guarded.spec, nodeName: 'w1'}}]), new NodeInfo(makeNode('w2', {cpu: '1'}), [{...free, spec: {...free.spec, nodeName: 'w2'}}])]
    const r = schedule(makePod('p', {cpu: '1', priority: 10}), infos, withBudgets)
    assert.ok('unschedulable' in r)
    assert.equal(r.nominated?.node, 'w2')
  })

  it('does not preempt again while its victims on the nominated node are still terminating', () => {
    const dying = {...makePod('low', {node: 'w1', cpu: '1', priority: 0}), status: {phase: 'Running', conditions: [{type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler'}]}}
    dying.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'
    const pod = {...makePod('p', {cpu: '1', priority: 10}), status: {phase: 'Pending', nominatedNodeName: 'w1'}}
    const r = schedule(pod, [new NodeInfo(makeNode('w1', {cpu: '1'}), [dying])], profile)
    assert.ok('unschedulable' in r)
    assert.equal(r.nominated, undefined)
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.')
  })
})

describe('DefaultPreemption (running, fake API)', () => {
  let api: FakeSchedulerApi
  let sched: RunningScheduler
  const clock = new FakeClock()

  beforeEach(async () => {
    api = new FakeSchedulerApi()
    api.put('nodes', makeNode('w1', {cpu: '1'}))
    sched = await startScheduler(api, {clock, random: () => 0, instance: 'test'})
    assert.equal(await sched.synced(), true)
  })
  afterEach(async () => sched.stop())

  it('marks the victim DisruptionTarget, deletes it, records Preempted, nominates the preemptor, then binds it', async () => {
    api.put('pods', makePod('low', {cpu: '800m', priority: 0}))
    await flushMicrotasks()
    assert.equal(api.objects.pods.get('default/low')?.spec.nodeName, 'w1')
    api.put('pods', makePod('high', {cpu: '800m', priority: 100}))
    await flushMicrotasks()
    await clock.advance(1000)
    await flushMicrotasks()
    assert.deepEqual(api.writes.filter((w) => !w.startsWith('BIND low')), ['STATUS low', 'DELETE low', 'STATUS high', 'BIND high w1'])
    const preempted = api.events.find((e) => e.reason === 'Preempted')
    assert.equal(preempted?.message, 'Preempted by pod uid-high on node w1')
    assert.equal(preempted?.involvedObject?.name, 'low')
    assert.equal(api.objects.pods.get('default/high')?.status.nominatedNodeName, 'w1')
    assert.equal(api.objects.pods.get('default/high')?.spec.nodeName, 'w1')
  })

  it('keeps the nominated room from a lower-priority pod created meanwhile', async () => {
    api.put('pods', makePod('low', {cpu: '800m', priority: 0}))
    await flushMicrotasks()
    // Hold the delete, so the victim is still on the node while another pod arrives.
    const realDelete = api.delete.bind(api)
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    api.delete = async (t) => {
      await held
      return realDelete(t)
    }
    api.put('pods', makePod('high', {cpu: '800m', priority: 100}))
    await flushMicrotasks()
    release()
    await flushMicrotasks()
    api.put('pods', makePod('mid', {cpu: '800m', priority: 50}))
    await flushMicrotasks()
    await clock.advance(2000)
    await flushMicrotasks()
    assert.equal(api.objects.pods.get('default/high')?.spec.nodeName, 'w1')
    assert.equal(api.objects.pods.get('default/mid')?.spec.nodeName, undefined)
  })

  it('drops a nomination that preemption can no longer honour', async () => {
    api.put('pods', {...makePod('huge', {cpu: '2', priority: 100}), status: {phase: 'Pending', nominatedNodeName: 'w1'}})
    await flushMicrotasks()
    const huge = api.objects.pods.get('default/huge')!
    assert.equal(huge.status.nominatedNodeName, null)
    assert.match(huge.status.conditions[0].message, /preemption: 0\/1 nodes are available: 1 No preemption victims found for incoming pod\./)
  })
})
