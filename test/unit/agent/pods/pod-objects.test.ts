// The agent's reads of its pods' ConfigMaps and Secrets (one-name watches, as the Node authorizer allows) and claims (gets).
import assert from 'node:assert/strict'
import {PodObjects, type PodObjectClient} from '../../../../src/agent/pods/pod-objects.js'
import type {Pod} from '../../../../src/api/types/workloads.js'
import {ApiError} from '../../../../src/client/errors.js'

type Any = any

function fakeClient(objects: Record<string, Any>) {
  const lists: string[] = []
  const stops: string[] = []
  const client = {
    async list(target: Any, opts: Any) {
      lists.push(`${target.resource} ${target.namespace} ${opts.fieldSelector}`)
      const name = String(opts.fieldSelector).replace('metadata.name=', '')
      const obj = objects[`${target.resource}/${target.namespace}/${name}`]
      return {items: obj ? [obj] : [], metadata: {resourceVersion: '1'}}
    },
    watch(target: Any, opts: Any) {
      let stop!: () => void
      const done = new Promise<void>((r) => (stop = () => {
        stops.push(`${target.resource} ${opts.fieldSelector}`)
        r()
      }))
      opts.signal?.addEventListener?.('abort', stop)
      return {stop, done}
    },
    async get(target: Any) {
      const obj = objects[`${target.resource}/${target.namespace ?? ''}/${target.name}`]
      if (!obj) throw new ApiError({kind: 'Status', code: 404, reason: 'NotFound', message: 'not found'} as Any)
      return obj
    },
  }
  return {client: client as unknown as PodObjectClient, lists, stops}
}

const pod = (name: string, volumes: Any[]): Pod => ({apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'ns'}, spec: {nodeName: 'n', containers: [{name: 'c'}], volumes}} as Pod)

describe('agent pod objects', () => {
  it('follows each referenced ConfigMap and Secret by name, once for all pods, and stops when no pod uses it', async () => {
    const api = fakeClient({
      'configmaps/ns/cfg': {metadata: {name: 'cfg', namespace: 'ns'}, data: {a: '1'}, binaryData: {b: Buffer.from('2').toString('base64')}},
      'secrets/ns/db': {metadata: {name: 'db', namespace: 'ns'}, data: {p: Buffer.from('pw').toString('base64')}},
    })
    const changed: string[] = []
    const objects = new PodObjects(api.client, (uid) => changed.push(uid))
    const abort = new AbortController()
    objects.start(abort.signal)
    const a = pod('a', [{name: 'v', configMap: {name: 'cfg'}}, {name: 's', secret: {secretName: 'db'}}])
    const b = pod('b', [{name: 'v', configMap: {name: 'cfg'}}])
    assert.equal(await objects.refresh('ua', a), false)
    await objects.refresh('ub', b)
    assert.deepEqual(api.lists.sort(), ['configmaps ns metadata.name=cfg', 'secrets ns metadata.name=db'], 'one narrowed list per object, shared by pods')
    const lookup = objects.lookup()
    assert.deepEqual(lookup.configMap('ns', 'cfg'), {a: '1', b: '2'})
    assert.deepEqual(lookup.secret('ns', 'db'), {p: 'pw'})
    assert.equal(lookup.secret('ns', 'other'), undefined)
    assert.ok(changed.includes('ua'), 'an object arriving queues the pods using it')
    objects.forget('ua', a)
    assert.equal(objects.watchCount(), 1, 'the Secret only a used is no longer followed')
    objects.forget('ub', b)
    assert.equal(objects.watchCount(), 0)
    abort.abort()
  })

  it('reads claims and their volumes by get, and says when a claim is not bound yet', async () => {
    const objectsByKey: Record<string, Any> = {'persistentvolumeclaims/ns/data': {metadata: {name: 'data', namespace: 'ns'}, spec: {}}}
    const api = fakeClient(objectsByKey)
    const objects = new PodObjects(api.client, () => {})
    const p = pod('p', [{name: 'd', persistentVolumeClaim: {claimName: 'data'}}])
    assert.equal(await objects.refresh('up', p), true, 'unbound: wait')
    objectsByKey['persistentvolumeclaims/ns/data'] = {metadata: {name: 'data', namespace: 'ns'}, spec: {volumeName: 'pv-1'}}
    objectsByKey['persistentvolumes//pv-1'] = {metadata: {name: 'pv-1'}, spec: {hostPath: {path: '/x'}}}
    assert.equal(await objects.refresh('up', p), false)
    assert.equal(objects.lookup().volume!('pv-1')?.metadata.name, 'pv-1')
  })
})
