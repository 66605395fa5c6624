// Namespace controller: a terminating namespace is emptied through the API, reported in conditions, then finalized.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {NamespaceController} from '../../../src/controllers/namespace/controller.js'
import type {ApiResource} from '../../../src/controllers/util/discovery.js'
import {FakeLister, T0, pod, recordingClient} from './fakes.js'

const RESOURCES: ApiResource[] = [
  {group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ['list', 'delete']},
  {group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'delete']},
  {group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, verbs: ['list', 'delete']},
  {group: '', version: 'v1', resource: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create']},
]

const terminating: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name: 'team', uid: 'uid-ns', resourceVersion: '9', deletionTimestamp: '2024-01-01T00:00:00Z'},
  spec: {finalizers: ['kubernetes']},
  status: {phase: 'Terminating'},
}

function setup(contents: Record<string, KubeObject[]>) {
  const {client, actions} = recordingClient({
    get: (path) => {
      if (path === '/api/v1/namespaces/team') return terminating
      const m = /^\/api\/v1\/namespaces\/team\/(\w+)$/.exec(path)
      return m ? ({items: contents[m[1]] ?? []} as unknown as KubeObject) : undefined
    },
  })
  const ctl = new NamespaceController({client, namespaces: new FakeLister([terminating]), discover: async () => RESOURCES, clock: new FakeClock(T0), recheckMs: 500})
  return {ctl, actions, calls: () => actions.map((a) => `${a.verb} ${a.path}`)}
}

describe('NamespaceController', () => {
  it('deletes every namespaced object, reports it, and finalizes once the deletes took effect', async () => {
    const cm: KubeObject = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cfg', namespace: 'team', uid: 'uid-cfg', finalizers: ['example.com/keep']}}
    const {ctl, actions, calls} = setup({pods: [pod('p1', {ns: 'team'})], configmaps: [cm]})
    await ctl.sync('team')
    assert.deepEqual(calls(), [
      'list /api/v1/namespaces/team/pods',
      'delete /api/v1/namespaces/team/pods/p1',
      'list /api/v1/namespaces/team/configmaps',
      'delete /api/v1/namespaces/team/configmaps/cfg',
      'update /api/v1/namespaces/team/status',
      'get /api/v1/namespaces/team',
      'update /api/v1/namespaces/team/finalize',
    ])
    // The recording client answers deletes with a Success Status: both are gone at once.
    const status = actions[4].body.status
    const conds = Object.fromEntries(status.conditions.map((c: any) => [c.type, c]))
    assert.equal(conds.NamespaceContentRemaining.status, 'False')
    assert.equal(conds.NamespaceDeletionDiscoveryFailure.reason, 'ResourcesDiscovered')
    assert.equal(status.phase, 'Terminating')
  })

  it('finalizes an empty namespace through the finalize subresource', async () => {
    const {ctl, actions, calls} = setup({})
    await ctl.sync('team')
    assert.deepEqual(calls().slice(-2), ['get /api/v1/namespaces/team', 'update /api/v1/namespaces/team/finalize'])
    assert.deepEqual(actions.at(-1)!.body.spec.finalizers, [])
  })

  it('counts objects still terminating as remaining and does not finalize', async () => {
    const going = pod('p1', {ns: 'team'})
    going.metadata.deletionTimestamp = '2024-01-01T00:00:30Z'
    const {ctl, actions, calls} = setup({pods: [going]})
    await ctl.sync('team')
    assert.ok(!calls().some((c) => c.endsWith('/finalize')))
    const remaining = actions.at(-1)!.body.status.conditions.find((c: any) => c.type === 'NamespaceContentRemaining')
    assert.equal(remaining.status, 'True')
    assert.equal(remaining.message, 'Some resources are remaining: pods. has 1 resource instances')
  })
})
