// The VolumeBinding plugin: where pods with claims may go (bound volumes' node affinity, unbound Immediate claims, missing claims) and the selected-node annotation written before binding.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {CycleState, NodeInfo, schedule} from '../../../src/scheduler/framework.js'
import {VolumeBinding, type VolumeLookup} from '../../../src/scheduler/plugins/volume-binding.js'
import {buildProfile} from '../../../src/scheduler/profile.js'
import {makeNode, makePod} from './fixtures.js'

const claim = (name: string, cls: string, volumeName?: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name, namespace: 'default', ...(annotations ? {annotations} : {})},
  spec: {storageClassName: cls, ...(volumeName ? {volumeName} : {})}, status: {phase: volumeName ? 'Bound' : 'Pending'},
})
const pinned = (name: string, node: string): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: {name},
  spec: {nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [node]}]}]}}},
})
const classes: Record<string, KubeObject> = {
  standard: {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'standard'}, volumeBindingMode: 'WaitForFirstConsumer'},
  fast: {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'fast'}, volumeBindingMode: 'Immediate'},
}
const lookup = (claims: KubeObject[], volumes: KubeObject[] = []): VolumeLookup => ({
  claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n) as never,
  volume: (n) => volumes.find((v) => v.metadata.name === n) as never,
  storageClass: (n) => classes[n],
})
const withClaims = (name: string, ...claims: string[]) => makePod(name, {spec: {volumes: claims.map((c, i) => ({name: `v${i}`, persistentVolumeClaim: {claimName: c}}))}})
const nodes = [new NodeInfo(makeNode('a')), new NodeInfo(makeNode('b'))]
const fits = (plugin: VolumeBinding, pod: KubeObject) => {
  const state = new CycleState()
  return nodes.map((n) => plugin.filter(pod, n, state)?.reasons[0] ?? 'fits')
}

describe('VolumeBinding plugin', () => {
  it('lets pods without claims anywhere and pins pods with bound volumes to the volumes\' nodes', () => {
    const plugin = new VolumeBinding(lookup([claim('data', 'standard', 'pv1')], [pinned('pv1', 'b')]))
    assert.deepEqual(fits(plugin, makePod('plain')), ['fits', 'fits'])
    assert.deepEqual(fits(plugin, withClaims('p', 'data')), ["node(s) had volume node affinity conflict", 'fits'])
  })
  it('holds pods with unbound Immediate claims or missing claims; WaitForFirstConsumer claims fit every node', () => {
    const plugin = new VolumeBinding(lookup([claim('now', 'fast'), claim('later', 'standard')]))
    assert.deepEqual(fits(plugin, withClaims('p', 'now')), ['pod has unbound immediate PersistentVolumeClaims', 'pod has unbound immediate PersistentVolumeClaims'])
    assert.deepEqual(fits(plugin, withClaims('p', 'nope')), ['persistentvolumeclaim "nope" not found', 'persistentvolumeclaim "nope" not found'])
    assert.deepEqual(fits(plugin, withClaims('p', 'later')), ['fits', 'fits'])
  })
  it('is in the default profile, and its message shows in the fit error', () => {
    const profile = buildProfile(undefined, {volumes: lookup([claim('now', 'fast')])})
    const result = schedule(withClaims('p', 'now'), nodes, profile)
    assert.ok('unschedulable' in result)
    assert.match(result.message, /^0\/2 nodes are available: 2 pod has unbound immediate PersistentVolumeClaims\./)
  })
  it('writes the chosen node on delayed claims before binding, once', async () => {
    const writes: string[] = []
    const plugin = new VolumeBinding(lookup([claim('later', 'standard'), claim('done', 'standard', undefined, {'volume.kubernetes.io/selected-node': 'b'}), claim('bound', 'standard', 'pv1')], [pinned('pv1', 'b')]), async (ns, n, a) => {
      writes.push(`${ns}/${n} ${JSON.stringify(a)}`)
    })
    await plugin.preBind(withClaims('p', 'later', 'done', 'bound'), 'b')
    assert.deepEqual(writes, ['default/later {"volume.kubernetes.io/selected-node":"b"}'])
  })
})
