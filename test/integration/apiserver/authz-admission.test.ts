// The apiserver asks its authorizer before any handler and runs admission around the kind's validation, over HTTPS.
import assert from 'node:assert/strict'
import {ApiError} from '../../../src/apiserver/errors.js'
import type {AdmissionPlugin} from '../../../src/apiserver/admission/index.js'
import type {Authorizer} from '../../../src/apiserver/authz/index.js'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

describe('apiserver authorization and admission seams', () => {
  let s: TestServer
  const deletes: string[] = []
  // Denies every secrets request; allows the rest.
  const authorizer: Authorizer = {authorize: (a) => ({decision: a.resource === 'secrets' ? 'deny' : 'allow'})}
  const admission: AdmissionPlugin[] = [
    {name: 'label', operations: ['CREATE', 'UPDATE'], mutate: (a) => void (a.object!.metadata.labels = {...a.object!.metadata.labels, admitted: 'yes'})},
    {name: 'no-bad', validate: (a) => {
      if (a.object?.data?.bad) throw new ApiError(403, 'Forbidden', `configmaps "${a.name}" is forbidden: bad data`)
    }},
    {name: 'record-deletes', operations: ['DELETE'], validate: (a) => void deletes.push(`${a.def.resource} ${a.namespace ?? ''}/${a.name} by ${a.user.name}`)},
  ]
  before(async () => { s = await startTestServer(new MemoryStore(), {authorizer, admission}) })
  after(async () => s?.close())

  it('answers 403 in Kubernetes wording for what the authorizer denies, before reading anything', async () => {
    const r = await s.request('GET', '/api/v1/namespaces/default/secrets/x')
    assert.equal(r.status, 403)
    assert.equal(r.json.reason, 'Forbidden')
    assert.equal(r.json.message, 'secrets "x" is forbidden: User "admin" cannot get resource "secrets" in API group "" in the namespace "default"')
    assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps')).status, 200)
  })

  it('a mutating plugin changes what is stored, on create and on patch; a validating one refuses', async () => {
    const created = await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}, data: {a: '1'}}})
    assert.equal(created.status, 201)
    assert.equal(created.json.metadata.labels.admitted, 'yes')
    const patched = await s.request('PATCH', '/api/v1/namespaces/default/configmaps/c', {body: {metadata: {labels: {admitted: null, other: 'x'}}}, headers: {'Content-Type': 'application/merge-patch+json'}})
    assert.deepEqual(patched.json.metadata.labels, {other: 'x', admitted: 'yes'})
    const bad = await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'b'}, data: {bad: '1'}}})
    assert.equal(bad.status, 403)
    assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps/b')).status, 404, 'nothing was stored')
  })

  it('refuses deleting default, kube-system and kube-public as Kubernetes does (NamespaceLifecycle)', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const r = await s.request('DELETE', `/api/v1/namespaces/${ns}`)
      assert.equal(r.status, 403, ns)
      assert.equal(r.json.message, `namespaces "${ns}" is forbidden: this namespace may not be deleted`)
    }
    assert.equal((await s.request('POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'scratch'}}})).status, 201)
    assert.equal((await s.request('DELETE', '/api/v1/namespaces/scratch')).status, 200, 'another namespace deletes')
  })

  it('a delete passes validating admission with the user (a refused one stops the chain before later plugins)', async () => {
    assert.equal((await s.request('DELETE', '/api/v1/namespaces/default/configmaps/c')).status, 200)
    assert.deepEqual(deletes, ['namespaces /scratch', 'configmaps default/c'].map((d) => `${d} by admin`))
  })

  it('SelfSubjectReview answers the caller\'s name and groups, system:authenticated included, and stores nothing', async () => {
    const r = await s.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {body: {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}})
    assert.equal(r.status, 201)
    assert.deepEqual(r.json.status.userInfo, {username: 'admin', groups: ['system:masters', 'system:authenticated']})
    assert.equal((await s.request('GET', '/apis/authentication.k8s.io/v1/selfsubjectreviews')).status, 405)
  })
})
