// Pod garbage collector: pods of a vanished node are force-deleted only after the quarantine and an API check.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {PodGCController} from '../../../src/controllers/podgc/controller.js'
import {FakeLister, T0, pod, recordingClient} from './fakes.js'

const node = (name: string): KubeObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name, uid: `uid-${name}`}})

function setup(opts: {apiHasNode?: boolean} = {}) {
  const clock = new FakeClock(T0)
  const nodes = new FakeLister([node('n1'), node('n2')])
  const pods = new FakeLister([pod('on-n1', {node: 'n1'}), pod('on-n2', {node: 'n2'}), pod('pending')])
  const {client, actions} = recordingClient({get: (path) => (opts.apiHasNode && path === '/api/v1/nodes/n2' ? node('n2') : undefined)})
  const ctl = new PodGCController({client, pods, nodes, clock, quarantineMs: 40_000})
  return {ctl, nodes, pods, actions, clock}
}

describe('PodGCController', () => {
  it('force-deletes the pods of a deleted node after the quarantine, and leaves other pods alone', async () => {
    const t = setup()
    t.nodes.remove(t.nodes.get('n2')!)
    assert.equal(t.ctl.queue.len(), 0, 'nothing happens before the quarantine ends')
    await t.clock.advance(40_000)
    assert.equal(t.ctl.queue.len(), 1)
    for (const key of ['default/on-n2', 'default/on-n1', 'default/pending']) await t.ctl.sync(key)
    assert.deepEqual(t.actions.map((a) => `${a.verb} ${a.path}`), ['get /api/v1/nodes/n2', 'delete /api/v1/namespaces/default/pods/on-n2'])
    assert.deepEqual(t.actions[1].body, {gracePeriodSeconds: 0, preconditions: {uid: 'uid-on-n2'}})
  })

  it('keeps the pod when the API still has the node (the cache was behind)', async () => {
    const t = setup({apiHasNode: true})
    t.nodes.remove(t.nodes.get('n2')!)
    await t.ctl.sync('default/on-n2')
    assert.deepEqual(t.actions.map((a) => a.verb), ['get'])
  })
})
