// Resource quota controller: status.hard copies spec.hard and status.used recounts live objects (finished pods and other namespaces left out).
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {ResourceQuotaController} from '../../../src/controllers/resourcequota/controller.js'
import {FakeLister, pod, recordingClient} from './fakes.js'

const quota = (hard: Record<string, string>, status?: Record<string, unknown>): KubeObject =>
  ({apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 'default', resourceVersion: '7'}, spec: {hard}, ...(status ? {status} : {})})

function setup(q: KubeObject, objects: {pods?: KubeObject[]; services?: KubeObject[]} = {}) {
  const {client, actions} = recordingClient()
  const quotas = new FakeLister([q])
  const pods = new FakeLister(objects.pods ?? [])
  const services = new FakeLister(objects.services ?? [])
  const ctl = new ResourceQuotaController({client: client as never, quotas: quotas as never, listers: {'/pods': pods, '/services': services, '/resourcequotas': quotas}})
  return {ctl, actions, pods}
}

describe('resource quota controller', () => {
  it('writes hard and used from the live pods, counting finished pods only under count/pods', async () => {
    const sized = {...pod('sized'), spec: {containers: [{name: 'c', image: 'x', resources: {requests: {cpu: '250m'}}}]}}
    const {ctl, actions} = setup(quota({pods: '5', 'count/pods': '5', 'requests.cpu': '2', services: '1'}), {
      pods: [pod('a'), sized, pod('done', {phase: 'Succeeded'}), pod('elsewhere', {ns: 'other'})],
      services: [{apiVersion: 'v1', kind: 'Service', metadata: {name: 's', namespace: 'default'}, spec: {type: 'ClusterIP'}}],
    })
    await ctl.sync('default/q')
    assert.equal(actions.length, 1)
    assert.equal(actions[0].verb, 'update')
    assert.equal(actions[0].path, '/api/v1/namespaces/default/resourcequotas/q/status')
    assert.equal(actions[0].body.metadata.resourceVersion, '7')
    assert.deepEqual(actions[0].body.status, {
      hard: {pods: '5', 'count/pods': '5', 'requests.cpu': '2', services: '1'},
      used: {'count/pods': '3', pods: '2', 'requests.cpu': '250m', services: '1'},
    })
  })

  it('writes nothing when the status is already right, recounts when a pod goes and not when one comes', async () => {
    const q = quota({pods: '2'}, {hard: {pods: '2'}, used: {pods: '1'}})
    const {ctl, actions, pods} = setup(q, {pods: [pod('a')]})
    await ctl.sync('default/q')
    assert.equal(actions.length, 0)
    // A new pod was charged by admission: no recount (it could race the charge with a stale cache).
    pods.set(pod('b'))
    assert.equal(ctl.queue.len(), 0)
    pods.remove(pod('b'))
    pods.remove(pod('a'))
    assert.equal(ctl.queue.len(), 1)
    await ctl.sync('default/q')
    assert.deepEqual(actions[0].body.status.used, {pods: '0'})
  })
})
