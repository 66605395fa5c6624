// Tests of taint eviction: when a pod must go given NoExecute taints and tolerations, and what the controller writes.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {TaintEvictionController, evictionTime} from '../../../src/controllers/tainteviction/controller.js'
import {FakeLister, T0, iso, pod, recordingClient, recordingRecorder} from './fakes.js'

const unreachable = (added: number) => ({key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(added)})
const tolerateUnreachable = (seconds?: number) => ({key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : {tolerationSeconds: seconds})})

describe('evictionTime', () => {
  it('is now for an untolerated NoExecute taint, and ignores NoSchedule ones', () => {
    assert.deepEqual(evictionTime([unreachable(T0)], [], T0), {at: -Infinity})
    assert.equal(evictionTime([{key: 'x', effect: 'NoSchedule'}], [], T0), 'never')
  })
  it('is timeAdded plus the shortest matching tolerationSeconds; without seconds, never', () => {
    assert.deepEqual(evictionTime([unreachable(T0)], [tolerateUnreachable(300), tolerateUnreachable(60)], T0 + 5000), {at: T0 + 60_000})
    assert.equal(evictionTime([unreachable(T0)], [tolerateUnreachable()], T0), 'never')
    assert.deepEqual(evictionTime([unreachable(T0)], [tolerateUnreachable(-5)], T0), {at: T0})
  })
  it('takes the earliest deadline across taints, and an untolerated one wins', () => {
    const notReady = {key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: iso(T0 + 10_000)}
    const tol = [tolerateUnreachable(100), {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20}]
    assert.deepEqual(evictionTime([unreachable(T0), notReady], tol, T0), {at: T0 + 30_000})
    assert.deepEqual(evictionTime([unreachable(T0), {key: 'other', effect: 'NoExecute'}], tol, T0), {at: -Infinity})
  })
})

describe('TaintEvictionController', () => {
  const node = (taints: unknown[]): KubeObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name: 'w1'}, spec: {taints}})
  const running = (name: string, tolerations: unknown[]) => {
    const p = pod(name, {node: 'w1', phase: 'Running', ready: true})
    return {...p, spec: {...p.spec, tolerations}}
  }

  it('evicts when the toleration runs out: DisruptionTarget condition, event, then a graceful delete with the uid precondition', async () => {
    const clock = new FakeClock(T0)
    const pods = new FakeLister()
    const nodes = new FakeLister()
    const {client, actions} = recordingClient()
    const recorder = recordingRecorder()
    const ctl = new TaintEvictionController({client, pods, nodes, clock, recorder})
    nodes.set(node([unreachable(T0)]))
    pods.set(running('web', [tolerateUnreachable(30)]))
    pods.set(running('daemon', [tolerateUnreachable()]))
    await ctl.sync('default/web')
    await ctl.sync('default/daemon')
    assert.equal(actions.length, 0, 'within its toleration: nothing yet')
    await clock.advance(30_000)
    await ctl.sync('default/web')
    await ctl.sync('default/daemon')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['update /api/v1/namespaces/default/pods/web/status', 'delete /api/v1/namespaces/default/pods/web'])
    const cond = actions[0].body.status.conditions.find((c: any) => c.type === 'DisruptionTarget')
    assert.deepEqual([cond.status, cond.reason, cond.message], ['True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint'])
    assert.deepEqual(actions[1].body, {preconditions: {uid: 'uid-web'}})
    assert.deepEqual(recorder.events, ['Normal TaintManagerEviction Marking for deletion Pod default/web'])
  })

  it('leaves pods that are finished, already deleting, or on untainted nodes', async () => {
    const pods = new FakeLister()
    const nodes = new FakeLister()
    const {client, actions} = recordingClient()
    const ctl = new TaintEvictionController({client, pods, nodes, clock: new FakeClock(T0)})
    nodes.set(node([unreachable(T0)]))
    pods.set({...running('done', []), status: {phase: 'Succeeded'}})
    pods.set({...running('going', []), metadata: {...running('going', []).metadata, deletionTimestamp: iso(T0)}})
    for (const k of ['default/done', 'default/going']) await ctl.sync(k)
    nodes.set(node([]))
    pods.set(running('fine', []))
    await ctl.sync('default/fine')
    assert.equal(actions.length, 0)
  })
})
