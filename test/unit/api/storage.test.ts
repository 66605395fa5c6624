// PersistentVolume, PersistentVolumeClaim and StorageClass: defaults, validation worded as kube-apiserver words it, frozen fields, admission-time defaults and kubectl's columns.
import assert from 'node:assert/strict'
import {persistentVolume} from '../../../src/api/resources/core/persistentvolume.js'
import {persistentVolumeClaim} from '../../../src/api/resources/core/persistentvolumeclaim.js'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const PV = builtin('', 'persistentvolumes')
const PVC = builtin('', 'persistentvolumeclaims')
const SC = builtin('storage.k8s.io', 'storageclasses')
const now = new Date('2026-01-10T12:00:00Z')
const created = '2026-01-10T11:55:00Z'

const pv = (spec: Record<string, unknown>): KubeObject => ({apiVersion: 'v1', kind: 'PersistentVolume', metadata: {name: 'pv1', creationTimestamp: created}, spec})
const goodPV = () => pv({capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce'], hostPath: {path: '/data'}, storageClassName: 'manual'})
const pvc = (spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject => ({apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'c', namespace: 'default', creationTimestamp: created}, spec, ...extra})
const goodPVC = () => pvc({accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}})
const defaulted = (def: typeof PV, o: KubeObject) => (applyDefaults(def, o), o)
const causes = (def: typeof PV, o: KubeObject, old?: KubeObject) => validateObject(def, defaulted(def, o), old && defaulted(def, old)).map((c) => `${c.field}: ${c.message}`)

describe('PersistentVolume', () => {
  it('defaults reclaim policy Retain, volume mode Filesystem and phase Pending', () => {
    const o = defaulted(PV, goodPV())
    assert.equal(o.spec?.persistentVolumeReclaimPolicy, 'Retain')
    assert.equal(o.spec?.volumeMode, 'Filesystem')
    assert.equal(o.status?.phase, 'Pending')
  })
  it('accepts a hostPath PV and rejects missing capacity, bad modes, no source and two sources', () => {
    assert.deepEqual(causes(PV, goodPV()), [])
    assert.deepEqual(causes(PV, pv({accessModes: ['ReadWriteOnce'], hostPath: {path: '/d'}})), ['spec.capacity: Required value'])
    assert.deepEqual(causes(PV, pv({capacity: {storage: '1Gi'}, accessModes: ['Sometimes'], hostPath: {path: '/d'}})), [
      'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"',
    ])
    assert.deepEqual(causes(PV, pv({capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce']})), ['spec: Required value: must specify a volume type'])
    assert.deepEqual(causes(PV, pv({capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce'], hostPath: {path: '/d'}, nfs: {server: 'x', path: '/'}})), ['spec.nfs: Forbidden: may not specify more than 1 volume type'])
    assert.deepEqual(causes(PV, pv({capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce'], local: {path: '/d'}})), ['spec.nodeAffinity: Required value: Local volume requires node affinity'])
    assert.deepEqual(causes(PV, pv({capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], hostPath: {path: '/d'}})), ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'])
  })
  it('keeps the volume source immutable', () => {
    const changed = goodPV()
    changed.spec!.hostPath = {path: '/other'}
    assert.deepEqual(causes(PV, changed, goodPV()), ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'])
  })
  it('gets the pv-protection finalizer at create and prints kubectl\'s columns', () => {
    const o = goodPV()
    persistentVolume.strategy?.prepareForCreate?.(o)
    assert.deepEqual(o.metadata.finalizers, ['kubernetes.io/pv-protection'])
    defaulted(PV, o)
    o.spec!.claimRef = {namespace: 'default', name: 'c'}
    o.status = {phase: 'Bound'}
    assert.deepEqual(tableColumns(PV).map((c) => c.name), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'])
    assert.deepEqual(tableRow(PV, o, now), ['pv1', '1Gi', 'RWO', 'Retain', 'Bound', 'default/c', 'manual', '<unset>', '', '5m', 'Filesystem'])
  })
})

describe('PersistentVolumeClaim', () => {
  it('defaults volume mode and phase and requires modes and a positive storage request', () => {
    const o = defaulted(PVC, goodPVC())
    assert.equal(o.spec?.volumeMode, 'Filesystem')
    assert.equal(o.status?.phase, 'Pending')
    assert.deepEqual(causes(PVC, goodPVC()), [])
    assert.deepEqual(causes(PVC, pvc({resources: {requests: {storage: '1Gi'}}})), ['spec.accessModes: Required value: at least 1 access mode is required'])
    assert.deepEqual(causes(PVC, pvc({accessModes: ['ReadWriteOnce']})), ['spec.resources[storage]: Required value'])
    assert.deepEqual(causes(PVC, pvc({accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '0'}}})), ['spec.resources[storage]: Invalid value: "0": must be greater than zero'])
  })
  it('freezes the spec, except what binding fills in and a bound claim growing', () => {
    const old = goodPVC()
    const named = goodPVC()
    named.spec!.volumeName = 'pv1'
    named.spec!.storageClassName = 'standard'
    assert.deepEqual(causes(PVC, named, old), [], 'volumeName and a missing class may be filled in')
    const modes = goodPVC()
    modes.spec!.accessModes = ['ReadWriteMany']
    assert.deepEqual(causes(PVC, modes, old), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'])
    const grown = goodPVC()
    grown.spec!.resources = {requests: {storage: '2Gi'}}
    assert.equal(causes(PVC, grown, old).length, 1, 'an unbound claim may not change its request')
    const boundOld = goodPVC()
    boundOld.status = {phase: 'Bound'}
    assert.deepEqual(causes(PVC, structuredClone(grown), boundOld), [])
    const shrunk = pvc({accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '500Mi'}}})
    assert.deepEqual(causes(PVC, shrunk, boundOld), ['spec.resources.requests.storage: Forbidden: field can not be less than previous value'])
  })
  it('gets the newest default class at create, and the pvc-protection finalizer', async () => {
    const classes: KubeObject[] = [
      {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'old', creationTimestamp: '2026-01-01T00:00:00Z', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}}},
      {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'standard', creationTimestamp: '2026-01-02T00:00:00Z', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}}},
      {apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'fast', creationTimestamp: '2026-01-03T00:00:00Z'}},
    ]
    const env = {serviceCIDR: '', nodePortRange: {min: 0, max: 0}, random: () => 0, others: async () => [], list: async () => classes}
    const o = goodPVC()
    persistentVolumeClaim.strategy?.prepareForCreate?.(o)
    await persistentVolumeClaim.strategy?.allocate?.(o, undefined, env)
    assert.equal(o.spec?.storageClassName, 'standard')
    assert.deepEqual(o.metadata.finalizers, ['kubernetes.io/pvc-protection'])
    const empty = pvc({accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}, storageClassName: ''})
    await persistentVolumeClaim.strategy?.allocate?.(empty, undefined, env)
    assert.equal(empty.spec?.storageClassName, '', 'an explicit empty class asks for no class')
  })
  it('prints capacity and modes only once a volume is named, and Terminating while deleting', () => {
    const o = defaulted(PVC, goodPVC())
    o.spec!.storageClassName = 'standard'
    assert.deepEqual(tableRow(PVC, o, now), ['c', 'Pending', '', '', '', 'standard', '<unset>', '5m', 'Filesystem'])
    o.spec!.volumeName = 'pvc-1'
    o.status = {phase: 'Bound', capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce']}
    o.metadata.deletionTimestamp = created
    assert.deepEqual(tableRow(PVC, o, now), ['c', 'Terminating', 'pvc-1', '1Gi', 'RWO', 'standard', '<unset>', '5m', 'Filesystem'])
  })
})

describe('StorageClass', () => {
  const sc = (extra: Record<string, unknown>): KubeObject => ({apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: {name: 'standard', creationTimestamp: created, annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}}, ...extra})
  it('defaults Delete and Immediate, requires a provisioner and marks the default in its table', () => {
    const o = defaulted(SC, sc({provisioner: 'skiff.io/local-path'}))
    assert.equal(o.reclaimPolicy, 'Delete')
    assert.equal(o.volumeBindingMode, 'Immediate')
    assert.deepEqual(causes(SC, sc({})), ['provisioner: Required value'])
    assert.deepEqual(tableRow(SC, o, now), ['standard (default)', 'skiff.io/local-path', 'Delete', 'Immediate', 'false', '5m'])
  })
  it('freezes provisioner, parameters, reclaim policy and binding mode', () => {
    const old = sc({provisioner: 'a.io/x', parameters: {k: 'v'}})
    const next = sc({provisioner: 'b.io/y', parameters: {k: 'w'}, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true})
    assert.deepEqual(causes(SC, next, old), [
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ])
  })
})

describe('storage kinds over protobuf', () => {
  // Minimal protobuf writers: length-delimited fields are all these messages need.
  const varint = (n: number) => {
    const out: number[] = []
    do {
      let b = n & 0x7f
      n >>>= 7
      if (n > 0) b |= 0x80
      out.push(b)
    } while (n > 0)
    return Buffer.from(out)
  }
  const ld = (no: number, body: Buffer | string) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body
    return Buffer.concat([varint((no << 3) | 2), varint(b.length), b])
  }
  const envelope = (apiVersion: string, kind: string, raw: Buffer) => Buffer.concat([Buffer.from('k8s\0', 'binary'), ld(1, Buffer.concat([ld(1, apiVersion), ld(2, kind)])), ld(2, raw)])

  it('decodes a PersistentVolumeClaim and a hostPath PersistentVolume as client-go encodes them', async () => {
    const {decodeProtobufObject} = await import('../../../src/apiserver/protobuf/index.js')
    const storage = ld(2, ld(1, '1Gi'))
    const claimSpec = Buffer.concat([ld(1, 'ReadWriteOnce'), ld(2, ld(2, Buffer.concat([ld(1, 'storage'), storage]))), ld(5, 'standard')])
    const claimBody = Buffer.concat([ld(1, ld(1, 'c')), ld(2, claimSpec)])
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'PersistentVolumeClaim', claimBody)), {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'c'},
      spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}, storageClassName: 'standard'},
    })
    const volumeSpec = Buffer.concat([ld(1, Buffer.concat([ld(1, 'storage'), storage])), ld(2, ld(3, ld(1, '/data'))), ld(3, 'ReadWriteOnce'), ld(6, 'manual')])
    const decoded = decodeProtobufObject(envelope('v1', 'PersistentVolume', Buffer.concat([ld(1, ld(1, 'pv1')), ld(2, volumeSpec)])))
    assert.deepEqual(decoded.spec, {capacity: {storage: '1Gi'}, hostPath: {path: '/data'}, accessModes: ['ReadWriteOnce'], storageClassName: 'manual'})
  })
})
