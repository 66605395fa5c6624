// ReplicationControllers run through the generalised ReplicaSet loop: equality selector, v1 owner references, RC status path.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {ReplicaSetController} from '../../../src/controllers/replicaset/controller.js'
import {replicationControllerKind} from '../../../src/controllers/replicaset/kinds.js'
import {replicationController} from '../../../src/api/resources/core/replicationcontroller.js'
import {FakeLister, T0, pod, recordingClient, recordingRecorder} from './fakes.js'

function rc(replicas: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: {name: 'legacy', namespace: 'default', uid: 'uid-rc', resourceVersion: '5', generation: 1},
    spec: {replicas, selector: {app: 'web'}, template: {metadata: {labels: {app: 'web', tier: 'x'}}, spec: {containers: [{name: 'app', image: 'nginx'}]}}},
  }
}

function setup(obj: KubeObject, pods: KubeObject[] = []) {
  const podl = new FakeLister(pods)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new ReplicaSetController({client, replicaSets: new FakeLister([obj]), pods: podl, recorder, kind: replicationControllerKind, clock: new FakeClock(T0)})
  return {ctl, actions, recorder, podl}
}

const v1Ref = {apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: 'uid-rc', controller: true, blockOwnerDeletion: true}

describe('ReplicationController via the ReplicaSet loop', () => {
  it('creates pods owned by the RC and writes status to the RC status subresource', async () => {
    const {ctl, actions, recorder} = setup(rc(2))
    assert.equal(ctl.name, 'replicationcontroller')
    await ctl.sync('default/legacy')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['create /api/v1/namespaces/default/pods', 'create /api/v1/namespaces/default/pods', 'update /api/v1/namespaces/default/replicationcontrollers/legacy/status'])
    assert.deepEqual(actions[0].body.metadata.ownerReferences, [v1Ref])
    assert.deepEqual(actions[0].body.metadata.labels, {app: 'web', tier: 'x'})
    assert.equal(actions[2].body.kind, 'ReplicationController')
    assert.equal(recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate')).length, 2)
  })

  it('adopts matching orphans by the label map, and ignores pods a ReplicaSet owns', async () => {
    const foreign = {metadata: {name: 'rs', uid: 'uid-rs'}} as KubeObject
    const pods = [pod('orphan', {phase: 'Running', ready: true}), pod('taken', {owner: foreign, phase: 'Running'}), pod('nomatch', {labels: {app: 'db'}})]
    const {ctl, actions} = setup(rc(1), pods)
    await ctl.sync('default/legacy')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['patch:merge /api/v1/namespaces/default/pods/orphan', 'update /api/v1/namespaces/default/replicationcontrollers/legacy/status'])
    assert.deepEqual(actions[0].body.metadata.ownerReferences, [v1Ref])
  })

  it('deletes the surplus when scaled down', async () => {
    const obj = rc(1)
    const owned = ['a', 'b'].map((n) => ({...pod(n, {phase: 'Running', ready: n === 'a'}), metadata: {...pod(n).metadata, ownerReferences: [v1Ref]}}))
    const {ctl, actions} = setup(obj, owned)
    await ctl.sync('default/legacy')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['delete /api/v1/namespaces/default/pods/b', 'update /api/v1/namespaces/default/replicationcontrollers/legacy/status'])
  })

  it('defaults selector, labels and replicas from the template, and requires a selector', () => {
    const obj: KubeObject = {apiVersion: 'v1', kind: 'ReplicationController', metadata: {name: 'x'}, spec: {template: {metadata: {labels: {app: 'x'}}, spec: {containers: [{name: 'c', image: 'i'}]}}}}
    replicationController.default!(obj)
    assert.deepEqual([obj.spec!.selector, obj.metadata.labels, obj.spec!.replicas], [{app: 'x'}, {app: 'x'}, 1])
    assert.deepEqual(replicationController.validate!(obj), [])
    const bad: KubeObject = {apiVersion: 'v1', kind: 'ReplicationController', metadata: {name: 'y'}, spec: {selector: {app: 'y'}, template: {metadata: {labels: {app: 'z'}}, spec: {containers: [{name: 'c', image: 'i'}], restartPolicy: 'Always'}}}}
    replicationController.default!(bad)
    assert.deepEqual(replicationController.validate!(bad).map((c) => c.field), ['spec.template.metadata.labels'])
  })
})
