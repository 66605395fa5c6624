// ReplicaSet controller: seed a fake cache, run one sync, compare the API calls it made.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {ReplicaSetController, compareForDeletion, slowStartBatch} from '../../../src/controllers/replicaset/controller.js'
import {FakeLister, T0, iso, pod, recordingClient, recordingRecorder} from './fakes.js'

function replicaSet(replicas: number, extra: Partial<KubeObject['spec']> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {name: 'web-abc', namespace: 'default', uid: 'uid-rs', resourceVersion: '5', generation: 2},
    spec: {replicas, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image: 'nginx'}]}}, ...extra},
  }
}

function setup(rs: KubeObject, pods: KubeObject[] = []) {
  const clock = new FakeClock(T0)
  const rsl = new FakeLister([rs])
  const podl = new FakeLister(pods)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new ReplicaSetController({client, replicaSets: rsl, pods: podl, recorder, clock})
  return {ctl, actions, recorder, podl, rsl, clock}
}

describe('ReplicaSetController', () => {
  it('creates the missing pods from the template, in slow-start batches, then writes status', async () => {
    const rs = replicaSet(3)
    const {ctl, actions, recorder} = setup(rs)
    await ctl.sync('default/web-abc')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), [
      'create /api/v1/namespaces/default/pods',
      'create /api/v1/namespaces/default/pods',
      'create /api/v1/namespaces/default/pods',
      'update /apis/apps/v1/namespaces/default/replicasets/web-abc/status',
    ])
    const created = actions[0].body
    assert.equal(created.metadata.generateName, 'web-abc-')
    assert.deepEqual(created.metadata.labels, {app: 'web'})
    assert.deepEqual(created.metadata.ownerReferences, [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'uid-rs', controller: true, blockOwnerDeletion: true}])
    assert.deepEqual(actions[3].body.status, {replicas: 0, observedGeneration: 2})
    assert.equal(recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: web-abc-')).length, 3)
  })

  it('does not create again while its creations have not been observed (expectations)', async () => {
    const rs = replicaSet(2)
    const {ctl, actions, podl} = setup(rs)
    await ctl.sync('default/web-abc')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 2)
    actions.length = 0
    // The cache still shows no pods: a naive controller would create two more.
    await ctl.sync('default/web-abc')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
    // Once the informer delivers them, the expectations are met and the counts agree.
    podl.set(pod('web-abc-1', {owner: rs}))
    podl.set(pod('web-abc-2', {owner: rs}))
    assert.equal(ctl.expectations.satisfied('default/web-abc'), true)
    actions.length = 0
    await ctl.sync('default/web-abc')
    assert.deepEqual(actions.map((a) => a.verb), ['update'])
    assert.equal(actions[0].body.status.replicas, 2)
  })

  it('expectations expire after five minutes so a lost event cannot wedge it', async () => {
    const rs = replicaSet(1)
    const {ctl, actions, clock} = setup(rs)
    await ctl.sync('default/web-abc')
    actions.length = 0
    await clock.advance(5 * 60_000 + 1)
    await ctl.sync('default/web-abc')
    assert.equal(actions.filter((a) => a.verb === 'create').length, 1)
  })

  it('deletes the cheapest pods first: unscheduled, then pending, keeping the ready one', async () => {
    const rs = replicaSet(1)
    const pods = [
      pod('ready', {owner: rs, node: 'n1', phase: 'Running', ready: true}),
      pod('pending', {owner: rs, node: 'n1', phase: 'Pending'}),
      pod('unscheduled', {owner: rs}),
    ]
    const {ctl, actions, recorder} = setup(rs, pods)
    await ctl.sync('default/web-abc')
    assert.deepEqual(actions.filter((a) => a.verb === 'delete').map((a) => a.path).sort(), [
      '/api/v1/namespaces/default/pods/pending',
      '/api/v1/namespaces/default/pods/unscheduled',
    ])
    assert.ok(recorder.events.includes('Normal SuccessfulDelete Deleted pod: unscheduled'))
    const status = actions.at(-1)!.body.status
    assert.deepEqual(status, {replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2})
  })

  it('adopts a matching orphan and releases an owned pod whose labels no longer match', async () => {
    const rs = replicaSet(1)
    const orphan = pod('orphan', {phase: 'Running', ready: true})
    const strayed = pod('strayed', {owner: rs, labels: {app: 'other'}})
    const {ctl, actions} = setup(rs, [orphan, strayed])
    await ctl.sync('default/web-abc')
    const patches = actions.filter((a) => a.verb === 'patch:merge')
    assert.deepEqual(patches.map((a) => a.path).sort(), ['/api/v1/namespaces/default/pods/orphan', '/api/v1/namespaces/default/pods/strayed'])
    const adopt = patches.find((a) => a.path.endsWith('/orphan'))!
    assert.equal(adopt.body.metadata.resourceVersion, '1')
    assert.equal(adopt.body.metadata.ownerReferences[0].uid, 'uid-rs')
    const release = patches.find((a) => a.path.endsWith('/strayed'))!
    assert.deepEqual(release.body.metadata.ownerReferences, [])
    assert.equal(actions.filter((a) => a.verb === 'create' || a.verb === 'delete').length, 0)
  })

  it('counts availability only after minReadySeconds', async () => {
    const rs = replicaSet(1, {minReadySeconds: 10})
    const {ctl, actions, clock} = setup(rs, [pod('p', {owner: rs, node: 'n', phase: 'Running', ready: true, readySince: T0})])
    await clock.advance(5000)
    await ctl.sync('default/web-abc')
    assert.equal(actions.at(-1)!.body.status.availableReplicas, undefined)
    assert.equal(actions.at(-1)!.body.status.readyReplicas, 1)
  })

  it('slowStartBatch runs 1, 2, 4, ... and stops after a failing batch', async () => {
    let calls = 0
    const r = await slowStartBatch(10, 1, async () => {
      if (++calls > 3) throw new Error('quota')
    })
    // Batches of 1 and 2 succeed; the batch of 4 fails entirely; the last 3 are never tried.
    assert.equal(calls, 7)
    assert.equal(r.successes, 3)
    assert.equal((r.error as Error).message, 'quota')
  })

  it('orders pods for deletion as Kubernetes does', () => {
    const older = pod('older', {node: 'n', phase: 'Running', ready: true, created: T0})
    const newer = pod('newer', {node: 'n', phase: 'Running', ready: true, created: T0 + 1000})
    const restarting = pod('restarting', {node: 'n', phase: 'Running', ready: true, created: T0, restarts: 3})
    const notReady = pod('not-ready', {node: 'n', phase: 'Running'})
    const sorted = [older, newer, restarting, notReady].sort(compareForDeletion).map((p) => p.metadata.name)
    assert.deepEqual(sorted, ['not-ready', 'restarting', 'newer', 'older'])
    assert.equal(iso(T0), '2024-01-01T00:00:00Z')
  })
})
