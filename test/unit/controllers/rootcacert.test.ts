// Root CA publisher: kube-root-ca.crt is created in active namespaces, recreated when deleted, and its data put back when edited.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {DESCRIPTION, DESCRIPTION_ANNOTATION, RootCACertPublisher} from '../../../src/controllers/rootcacert/controller.js'
import {FakeLister, recordingClient} from './fakes.js'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const ns = (name: string, terminating = false): KubeObject => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, ...(terminating ? {deletionTimestamp: '2026-01-01T00:00:00Z'} : {})}, status: {phase: terminating ? 'Terminating' : 'Active'}})
const cm = (namespace: string, data: Record<string, string>, annotations: Record<string, string> = {[DESCRIPTION_ANNOTATION]: DESCRIPTION}): KubeObject =>
  ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'kube-root-ca.crt', namespace, resourceVersion: '7', annotations, labels: {keep: 'me'}}, data} as KubeObject)

function setup() {
  const namespaces = new FakeLister([ns('default'), ns('t'), ns('gone', true)])
  const configMaps = new FakeLister([cm('default', {'ca.crt': CA})])
  const {client, actions} = recordingClient()
  const ctl = new RootCACertPublisher({client, namespaces, configMaps, rootCA: CA})
  return {ctl, namespaces, configMaps, actions}
}

describe('RootCACertPublisher', () => {
  it('creates kube-root-ca.crt where it is missing, with the CA and Kubernetes\' description; none in a terminating namespace', async () => {
    const t = setup()
    for (const n of ['default', 't', 'gone', 'missing']) await t.ctl.sync(n)
    assert.deepEqual(t.actions.map((a) => `${a.verb} ${a.path}`), ['create /api/v1/namespaces/t/configmaps'])
    assert.deepEqual(t.actions[0].body.data, {'ca.crt': CA})
    assert.equal(t.actions[0].body.metadata.name, 'kube-root-ca.crt')
    assert.equal(t.actions[0].body.metadata.annotations[DESCRIPTION_ANNOTATION], DESCRIPTION)
  })

  it('puts the data back on an edited copy (other keys dropped, labels kept) and queues on delete and edit of that name only', async () => {
    const t = setup()
    const before = t.ctl.queue.len()
    t.configMaps.set(cm('default', {'ca.crt': 'tampered', extra: 'x'}))
    assert.equal(t.ctl.queue.len(), before + 1, 'the edit queues its namespace')
    t.configMaps.set({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'other', namespace: 't'}})
    t.configMaps.set({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'other', namespace: 't'}, data: {a: 'b'}} as KubeObject)
    assert.equal(t.ctl.queue.len(), before + 1, 'another ConfigMap queues nothing')
    await t.ctl.sync('default')
    assert.deepEqual(t.actions.map((a) => `${a.verb} ${a.path}`), ['update /api/v1/namespaces/default/configmaps/kube-root-ca.crt'])
    assert.deepEqual(t.actions[0].body.data, {'ca.crt': CA})
    assert.equal(t.actions[0].body.metadata.resourceVersion, '7', 'a conditional update')
    assert.deepEqual(t.actions[0].body.metadata.labels, {keep: 'me'})

    const fresh = setup()
    await fresh.ctl.sync('default')
    assert.equal(fresh.actions.length, 0, 'a correct copy is left alone')
    fresh.configMaps.remove(cm('default', {'ca.crt': CA}))
    await fresh.ctl.sync('default')
    assert.deepEqual(fresh.actions.map((a) => a.verb), ['create'])
  })
})
