// Garbage collector: build the owner graph from fake caches, sync one object, compare the API calls.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {GarbageCollector} from '../../../src/controllers/garbagecollector/controller.js'
import type {ApiResource} from '../../../src/controllers/util/discovery.js'
import {FakeLister, T0, pod, recordingClient} from './fakes.js'

const verbs = ['list', 'watch', 'delete', 'get']
const RESOURCES: ApiResource[] = [
  {group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs},
  {group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, verbs},
  {group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, verbs},
  {group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, verbs},
]

function rs(name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '4', ...extra}, spec: {}}
}

function setup(live: Record<string, KubeObject> = {}) {
  const listers = new Map<string, FakeLister>()
  const {client, actions} = recordingClient({get: (path) => live[path]})
  const gc = new GarbageCollector({
    client,
    discover: async () => RESOURCES,
    informerFor: (r) => {
      const l = new FakeLister()
      listers.set(r.resource, l)
      return l
    },
    clock: new FakeClock(T0),
  })
  gc.watchResources(RESOURCES)
  return {gc, actions, listers, calls: () => actions.map((a) => `${a.verb} ${a.path}`)}
}

describe('GarbageCollector', () => {
  it('skips events.k8s.io, which duplicates core events', () => {
    const {listers} = setup()
    assert.deepEqual([...listers.keys()], ['pods', 'replicasets', 'deployments'])
  })

  it('deletes a dependent whose owner is gone (404), in the background, with a uid precondition', async () => {
    const {gc, listers, actions, calls} = setup()
    const owner = rs('web-abc')
    listers.get('pods')!.set(pod('p1', {owner}))
    await gc.sync('uid-p1')
    assert.deepEqual(calls(), ['get /apis/apps/v1/namespaces/default/replicasets/web-abc', 'delete /api/v1/namespaces/default/pods/p1'])
    assert.deepEqual(actions[1].body, {propagationPolicy: 'Background', preconditions: {uid: 'uid-p1'}})
  })

  it('treats an owner name now held by another uid as gone', async () => {
    const {gc, listers, calls} = setup({'/apis/apps/v1/namespaces/default/replicasets/web-abc': rs('web-abc', {uid: 'someone-else'})})
    listers.get('pods')!.set(pod('p1', {owner: rs('web-abc')}))
    await gc.sync('uid-p1')
    assert.equal(calls().at(-1), 'delete /api/v1/namespaces/default/pods/p1')
  })

  it('leaves a dependent whose owner exists', async () => {
    const {gc, listers, calls} = setup()
    const owner = rs('web-abc')
    listers.get('replicasets')!.set(owner)
    listers.get('pods')!.set(pod('p1', {owner}))
    await gc.sync('uid-p1')
    assert.deepEqual(calls(), [])
  })

  it('queues dependents when their owner is deleted', async () => {
    const {gc, listers} = setup()
    const owner = rs('web-abc')
    listers.get('replicasets')!.set(owner)
    listers.get('pods')!.set(pod('p1', {owner}))
    while (gc.queue.len()) gc.queue.done((await gc.queue.get())!)
    listers.get('replicasets')!.remove(owner)
    assert.equal(await gc.queue.get(), 'uid-p1')
  })

  it('Orphan: strips the owner from its dependents, then removes the orphan finalizer', async () => {
    const {gc, listers, actions, calls} = setup()
    const owner = rs('web-abc', {deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan']})
    listers.get('replicasets')!.set(owner)
    listers.get('pods')!.set(pod('p1', {owner}))
    await gc.sync('uid-web-abc')
    assert.deepEqual(calls(), ['patch:merge /api/v1/namespaces/default/pods/p1', 'patch:merge /apis/apps/v1/namespaces/default/replicasets/web-abc'])
    assert.deepEqual(actions[0].body, {metadata: {resourceVersion: '1', ownerReferences: []}})
    assert.deepEqual(actions[1].body, {metadata: {resourceVersion: '4', finalizers: []}})
  })

  it('Foreground: deletes blocking dependents first and removes the finalizer once they are gone', async () => {
    const {gc, listers, actions, calls} = setup()
    const owner = rs('web-abc', {deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion']})
    listers.get('replicasets')!.set(owner)
    const p1 = pod('p1', {owner})
    listers.get('pods')!.set(p1)
    await gc.sync('uid-web-abc')
    assert.deepEqual(calls(), [], 'the owner waits while a blocking dependent exists')
    // The dependent's own sync sees its owner waiting for it and deletes it.
    await gc.sync('uid-p1')
    assert.deepEqual(calls(), ['delete /api/v1/namespaces/default/pods/p1'])
    listers.get('pods')!.remove(p1)
    actions.length = 0
    await gc.sync('uid-web-abc')
    assert.deepEqual(calls(), ['patch:merge /apis/apps/v1/namespaces/default/replicasets/web-abc'])
    assert.deepEqual(actions[0].body.metadata.finalizers, [])
  })

  it('drops only the reference to a vanished owner when another owner remains', async () => {
    const {gc, listers, actions, calls} = setup()
    const alive = rs('alive')
    listers.get('replicasets')!.set(alive)
    const p = pod('p1', {owner: alive})
    const gone = {apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'uid-gone'}
    listers.get('pods')!.set({...p, metadata: {...p.metadata, ownerReferences: [...p.metadata.ownerReferences!, gone]}})
    await gc.sync('uid-p1')
    assert.deepEqual(calls(), ['get /apis/apps/v1/namespaces/default/replicasets/gone', 'patch:merge /api/v1/namespaces/default/pods/p1'])
    assert.deepEqual(actions[1].body.metadata.ownerReferences.map((r: any) => r.uid), ['uid-alive'])
  })
})
