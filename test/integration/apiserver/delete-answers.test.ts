// What DELETE answers, as Kubernetes' registry store and delete handler answer: a Status naming the object when it is
// gone at once (the object itself for kinds that return it, pods among them), the object while finalizers or a
// grace period keep it, 202 only for a kept object deleted with orphanDependents=false.
import assert from 'node:assert/strict'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const CMS = '/api/v1/namespaces/default/configmaps'
const PODS = '/api/v1/namespaces/default/pods'

describe('apiserver: delete answers', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer(new MemoryStore())
  })
  after(async () => server?.close())

  const cm = async (name: string, finalizers?: string[]) => {
    const r = await server.request('POST', CMS, {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, ...(finalizers ? {finalizers} : {})}}})
    assert.equal(r.status, 201, r.text)
    return r.json
  }

  it('an object removed at once: 200 and a Success Status with name, group, resource as kind, and uid', async () => {
    const created = await cm('gone')
    const r = await server.request('DELETE', `${CMS}/gone`)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name: 'gone', group: '', kind: 'configmaps', uid: created.metadata.uid}})
    assert.equal((await server.request('GET', `${CMS}/gone`)).status, 404)
  })

  it('an object a finalizer holds: 200 and the object, marked for deletion; 202 when orphanDependents=false asked for it', async () => {
    await cm('held', ['example.com/hold'])
    const r = await server.request('DELETE', `${CMS}/held`)
    assert.equal(r.status, 200)
    assert.equal(r.json.kind, 'ConfigMap')
    assert.ok(r.json.metadata.deletionTimestamp)
    await cm('held2', ['example.com/hold'])
    const cascading = await server.request('DELETE', `${CMS}/held2?orphanDependents=false`)
    assert.equal(cascading.status, 202)
    assert.equal(cascading.json.kind, 'ConfigMap')
    // orphanDependents=true is the Orphan policy: the orphan finalizer is added.
    await cm('held3', ['example.com/hold'])
    const orphan = await server.request('DELETE', `${CMS}/held3`, {body: {kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true}})
    assert.equal(orphan.status, 200)
    assert.ok(orphan.json.metadata.finalizers.includes('orphan'))
  })

  it('orphanDependents together with propagationPolicy is invalid', async () => {
    await cm('both')
    const r = await server.request('DELETE', `${CMS}/both?orphanDependents=true&propagationPolicy=Background`)
    assert.equal(r.status, 422)
    assert.match(r.json.message, /orphanDependents and deletionPropagation cannot be both set/)
    assert.equal((await server.request('GET', `${CMS}/both`)).status, 200)
  })

  it('a pod on a node: graceful deletion keeps it (the object, with its deadline); grace 0 removes it and answers the pod', async () => {
    const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web'}, spec: {nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{name: 'a', image: 'x'}]}}
    assert.equal((await server.request('POST', PODS, {body: pod})).status, 201)
    const graceful = await server.request('DELETE', `${PODS}/web`)
    assert.equal(graceful.status, 200)
    assert.deepEqual([graceful.json.kind, graceful.json.metadata.deletionGracePeriodSeconds], ['Pod', 30])
    assert.equal((await server.request('GET', `${PODS}/web`)).status, 200)
    const forced = await server.request('DELETE', `${PODS}/web`, {body: {kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0}})
    assert.equal(forced.status, 200)
    assert.equal(forced.json.kind, 'Pod')
    assert.equal((await server.request('GET', `${PODS}/web`)).status, 404)
  })
})
