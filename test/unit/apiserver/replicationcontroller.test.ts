// ReplicationControllers over HTTP: defaulting from the template, and the autoscaling/v1 Scale view kubectl scale rc uses.
import assert from 'node:assert/strict'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const rcs = '/api/v1/namespaces/default/replicationcontrollers'

describe('apiserver: ReplicationController', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer(new MemoryStore())
  })
  after(async () => server?.close())

  it('defaults the selector, labels and replicas from the template, and scales through the Scale view', async () => {
    const body = {apiVersion: 'v1', kind: 'ReplicationController', metadata: {name: 'legacy'}, spec: {template: {metadata: {labels: {app: 'legacy', tier: 'web'}}, spec: {containers: [{name: 'c', image: 'busybox'}]}}}}
    const created = await server.request('POST', rcs, {body})
    assert.equal(created.status, 201, created.text)
    assert.deepEqual([created.json.spec.selector, created.json.metadata.labels, created.json.spec.replicas], [{app: 'legacy', tier: 'web'}, {app: 'legacy', tier: 'web'}, 1])
    const scale = await server.request('GET', `${rcs}/legacy/scale`)
    assert.equal(scale.status, 200, scale.text)
    assert.deepEqual([scale.json.kind, scale.json.spec.replicas, scale.json.status.selector], ['Scale', 1, 'app=legacy,tier=web'])
    const patched = await server.request('PATCH', `${rcs}/legacy/scale`, {body: {spec: {replicas: 3}}, headers: {'Content-Type': 'application/merge-patch+json'}})
    assert.equal(patched.status, 200, patched.text)
    assert.equal((await server.request('GET', `${rcs}/legacy`)).json.spec.replicas, 3)
  })

  it('rejects an RC whose selector does not match its template with 422', async () => {
    const body = {apiVersion: 'v1', kind: 'ReplicationController', metadata: {name: 'bad'}, spec: {selector: {app: 'x'}, template: {metadata: {labels: {app: 'y'}}, spec: {containers: [{name: 'c', image: 'busybox'}]}}}}
    const r = await server.request('POST', rcs, {body})
    assert.equal(r.status, 422)
    assert.match(r.json.message, /^ReplicationController "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/)
  })
})
