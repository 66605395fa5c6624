// The agent's side of persistent storage: a claim resolved to its bound volume's directory (or why the pod waits), and which released local-path directories the node removes.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {cleanupPath} from '../../../src/agent/local-volumes.js'
import {resolveClaim, type ClaimLookup} from '../../../src/agent/pods/claim-volumes.js'

const claim = (name: string, volumeName?: string, phase = volumeName ? 'Bound' : 'Pending'): KubeObject => ({apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name, namespace: 'default', uid: `uid-${name}`}, spec: {...(volumeName ? {volumeName} : {})}, status: {phase}})
const volume = (name: string, source: Record<string, unknown>, claimName = 'data'): KubeObject => ({apiVersion: 'v1', kind: 'PersistentVolume', metadata: {name}, spec: {...source, claimRef: {namespace: 'default', name: claimName, uid: `uid-${claimName}`}}})
const lookup = (claims: KubeObject[], volumes: KubeObject[]): ClaimLookup => ({
  claim: (ns, n) => claims.find((c) => c.metadata.name === n) as never,
  volume: (n) => volumes.find((v) => v.metadata.name === n) as never,
})

describe('agent: claim volumes', () => {
  it('mounts the bound volume\'s hostPath or local path', () => {
    const l = lookup([claim('data', 'pv1'), claim('loc', 'pv2')], [volume('pv1', {hostPath: {path: '/var/lib/skiff/storage/pv1', type: 'DirectoryOrCreate'}}), volume('pv2', {local: {path: '/mnt/disk'}}, 'loc')])
    assert.deepEqual(resolveClaim(l, 'default', 'data'), {path: '/var/lib/skiff/storage/pv1', hostPathType: 'DirectoryOrCreate'})
    assert.deepEqual(resolveClaim(l, 'default', 'loc'), {path: '/mnt/disk', hostPathType: 'Directory', local: true})
  })
  it('waits for a missing or unbound claim, and refuses a volume bound to another claim', () => {
    const l = lookup([claim('pending'), claim('stolen', 'pv1')], [volume('pv1', {hostPath: {path: '/x'}}, 'other')])
    assert.throws(() => resolveClaim(l, 'default', 'nope'), /persistentvolumeclaim "nope" not found/)
    assert.throws(() => resolveClaim(l, 'default', 'pending'), /error processing PVC default\/pending: PVC is not bound/)
    assert.throws(() => resolveClaim(l, 'default', 'stolen'), /bound to a different claim/)
  })
})

describe('agent: local-path cleanup', () => {
  const pv = (o: {deleting?: boolean; finalizers?: string[]; node?: string; path?: string; provisioner?: string} = {}): KubeObject => ({
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: {name: 'pvc-1', annotations: {'pv.kubernetes.io/provisioned-by': o.provisioner ?? 'skiff.io/local-path'}, finalizers: o.finalizers ?? ['skiff.io/local-path-cleanup'], ...(o.deleting === false ? {} : {deletionTimestamp: '2024-01-01T00:00:00Z'})},
    spec: {hostPath: {path: o.path ?? '/var/lib/skiff/storage/pvc-1'}, nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [o.node ?? 'w1']}]}]}}},
  })
  it('removes the directory of this node\'s deleted, unprotected volume, and only under the storage root', () => {
    assert.equal(cleanupPath(pv() as never, 'w1'), '/var/lib/skiff/storage/pvc-1')
    assert.equal(cleanupPath(pv({path: '/etc'}) as never, 'w1'), '', 'never outside the root')
    assert.equal(cleanupPath(pv({path: '/var/lib/skiff/storage/../../../etc'}) as never, 'w1'), '')
  })
  it('leaves live, still-protected, foreign and other nodes\' volumes alone', () => {
    assert.equal(cleanupPath(pv({deleting: false}) as never, 'w1'), undefined)
    assert.equal(cleanupPath(pv({finalizers: ['skiff.io/local-path-cleanup', 'kubernetes.io/pv-protection']}) as never, 'w1'), undefined)
    assert.equal(cleanupPath(pv({node: 'w2'}) as never, 'w1'), undefined)
    assert.equal(cleanupPath(pv({provisioner: 'other.io/x'}) as never, 'w1'), undefined)
    assert.equal(cleanupPath(pv({finalizers: []}) as never, 'w1'), undefined)
  })
})
