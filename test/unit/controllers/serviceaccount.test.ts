// ServiceAccounts controller: each active namespace gets `default`, a deleted one comes back, terminating namespaces get none.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {ApiError, statusFromResponse} from '../../../src/client/errors.js'
import {ServiceAccountsController} from '../../../src/controllers/serviceaccount/controller.js'
import {FakeLister, recordingClient} from './fakes.js'

const ns = (name: string, terminating = false): KubeObject => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, ...(terminating ? {deletionTimestamp: '2026-01-01T00:00:00Z'} : {})}, status: {phase: terminating ? 'Terminating' : 'Active'}})
const sa = (namespace: string, name = 'default'): KubeObject => ({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name, namespace}})

function setup(fail?: (verb: string, path: string) => ApiError | undefined) {
  const namespaces = new FakeLister([ns('default'), ns('kube-system'), ns('gone', true)])
  const serviceAccounts = new FakeLister([sa('kube-system')])
  const {client, actions} = recordingClient({fail})
  const ctl = new ServiceAccountsController({client, namespaces, serviceAccounts})
  return {ctl, namespaces, serviceAccounts, actions}
}

describe('ServiceAccountsController', () => {
  it('creates default in namespaces that lack it, and none in a terminating namespace', async () => {
    const t = setup()
    for (const n of ['default', 'kube-system', 'gone', 'missing']) await t.ctl.sync(n)
    assert.deepEqual(t.actions.map((a) => `${a.verb} ${a.path}`), ['create /api/v1/namespaces/default/serviceaccounts'])
    assert.deepEqual(t.actions[0].body.metadata, {name: 'default', namespace: 'default'})
  })

  it('queues a new namespace and a deleted default ServiceAccount, not another one', () => {
    const t = setup()
    const before = t.ctl.queue.len()
    t.namespaces.set(ns('team'))
    assert.equal(t.ctl.queue.len(), before + 1)
    t.serviceAccounts.set(sa('team', 'robot'))
    t.serviceAccounts.remove(sa('team', 'robot'))
    assert.equal(t.ctl.queue.len(), before + 1, 'deleting robot queues nothing')
    t.serviceAccounts.remove(sa('kube-system'))
    assert.equal(t.ctl.queue.len(), before + 2)
  })

  it('treats AlreadyExists and a namespace that began terminating as done; other errors retry', async () => {
    const exists = setup(() => new ApiError(statusFromResponse(409, JSON.stringify({kind: 'Status', reason: 'AlreadyExists', code: 409}))))
    await exists.ctl.sync('default')
    const terminating = setup(() => new ApiError(statusFromResponse(403, JSON.stringify({kind: 'Status', reason: 'Forbidden', code: 403}))))
    await terminating.ctl.sync('default')
    const broken = setup(() => new ApiError(statusFromResponse(500, JSON.stringify({kind: 'Status', reason: 'InternalError', code: 500}))))
    await assert.rejects(broken.ctl.sync('default'))
  })
})
