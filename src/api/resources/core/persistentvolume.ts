// PersistentVolume (core/v1): a piece of storage in the cluster; defaults, validation (one volume source, capacity, access modes), its table and the pv-protection finalizer.
import {accessModesString, StorageFinalizers, storageClassOf, type PersistentVolume} from '../../storage.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported, required} from '../../validation/errors.js'
import {isDNS1123Subdomain} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {B, MSS, S, specStatusMessage} from '../shared/protobuf.js'
import {nodeSelectorMessages} from '../shared/scheduling-protobuf.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {validateAccessModes, validateStorageQuantity} from '../shared/storage-validation.js'
import {age, AGE, col, name, NAME} from '../shared/table.js'

/** Every volume source a PV may have (PersistentVolumeSource); exactly one is set. */
export const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'local', 'storageos', 'csi',
]
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain']
const VOLUME_MODES = ['Block', 'Filesystem']
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']

function validateSource(spec: NonNullable<PersistentVolume['spec']>): StatusCause[] {
  const set = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null)
  if (set.length === 0) return [required('spec', 'must specify a volume type')]
  const causes = set.slice(1).map((s) => forbidden(`spec.${s}`, 'may not specify more than 1 volume type'))
  if (spec.hostPath) {
    const p = spec.hostPath.path ?? ''
    if (!p) causes.push(required('spec.hostPath.path', ''))
    else if (p.split('/').includes('..')) causes.push(invalid('spec.hostPath.path', p, "must not contain '..'"))
    if (spec.hostPath.type !== undefined && !HOST_PATH_TYPES.includes(spec.hostPath.type)) causes.push(notSupported('spec.hostPath.type', spec.hostPath.type, HOST_PATH_TYPES))
  }
  if (spec.local) {
    if (!spec.local.path) causes.push(required('spec.local.path', ''))
    if (!spec.nodeAffinity) causes.push(required('spec.nodeAffinity', 'Local volume requires node affinity'))
  }
  return causes
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj as PersistentVolume).spec ?? {}
  const causes = validateAccessModes(spec.accessModes, 'spec.accessModes')
  const capacity = spec.capacity ?? {}
  const keys = Object.keys(capacity)
  if (keys.length === 0) causes.push(required('spec.capacity', ''))
  else if (keys.length > 1 || keys[0] !== 'storage') causes.push(notSupported('spec.capacity', keys.join(', '), ['storage']))
  else causes.push(...validateStorageQuantity(capacity.storage, 'spec.capacity[storage]'))
  const policy = spec.persistentVolumeReclaimPolicy
  if (policy !== undefined && !RECLAIM_POLICIES.includes(policy)) causes.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES))
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) causes.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES))
  if (spec.storageClassName) for (const m of isDNS1123Subdomain(spec.storageClassName)) causes.push(invalid('spec.storageClassName', spec.storageClassName, m))
  const terms = spec.nodeAffinity?.required?.nodeSelectorTerms
  if (spec.nodeAffinity && (!terms || terms.length === 0)) causes.push(required('spec.nodeAffinity.required.nodeSelectorTerms', 'must have at least one node selector term'))
  return [...causes, ...validateSource(spec)]
}

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n = (obj as PersistentVolume).spec ?? {}
  const o = (old as PersistentVolume).spec ?? {}
  const causes: StatusCause[] = []
  // The source and, once set, the node affinity are fixed: the data lives where they say.
  if (PV_SOURCES.some((s) => !semanticEqual(n[s] ?? null, o[s] ?? null))) causes.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'))
  if (o.nodeAffinity && !semanticEqual(n.nodeAffinity ?? null, o.nodeAffinity)) causes.push(invalid('spec.nodeAffinity', n.nodeAffinity ?? null, 'field is immutable'))
  if ((n.volumeMode ?? '') !== (o.volumeMode ?? '')) causes.push(invalid('spec.volumeMode', n.volumeMode ?? '', 'field is immutable'))
  return causes
}

function status(pv: PersistentVolume): string {
  return pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '')
}

export const persistentVolume = defineResource('', 'v1', 'PersistentVolume', {
  namespaced: false,
  shortNames: ['pv'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default(obj) {
    const pv = obj as PersistentVolume
    const spec = (pv.spec ??= {})
    setIfAbsent(spec, 'persistentVolumeReclaimPolicy', 'Retain')
    setIfAbsent(spec, 'volumeMode', 'Filesystem')
    if (spec.hostPath) setIfAbsent(spec.hostPath, 'type', '')
    setIfAbsent((pv.status ??= {}), 'phase', 'Pending')
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Capacity', 'string', 0, 'capacity is the description of the persistent volume\'s resources and capacity.'),
      col('Access Modes', 'string', 0, 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'string', 0, 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'string', 0, 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'string', 0, 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'string', 0, 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
      col('VolumeAttributesClass', 'string', 0, 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
      col('Reason', 'string', 0, 'reason is a brief CamelCase string that describes any failure.'),
      AGE,
      col('VolumeMode', 'string', 1, 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
    ],
    row(o, now) {
      const pv = o as PersistentVolume
      const spec = pv.spec ?? {}
      const ref = spec.claimRef
      const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : ''
      const vac = typeof spec.volumeAttributesClassName === 'string' && spec.volumeAttributesClassName ? spec.volumeAttributesClassName : '<unset>'
      return [name(o), String(spec.capacity?.storage ?? ''), accessModesString(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? '', status(pv), claim, storageClassOf(pv), vac, pv.status?.reason ?? '', age(o, now), spec.volumeMode ?? '<unset>']
    },
  },
  patch: builtinPatch,
  // k8s.io/api core/v1 generated.proto; of the volume sources only the ones a local cluster can serve are decoded.
  protobuf: {
    PersistentVolume: specStatusMessage('PersistentVolumeSpec', 'PersistentVolumeStatus'),
    PersistentVolumeSpec: {
      1: ['capacity', 'map<string,Quantity>'], 2: ['', 'PersistentVolumeSource', 'i'], 3: ['accessModes', S, 'r'], 4: ['claimRef', 'ObjectReference'],
      5: ['persistentVolumeReclaimPolicy', S], 6: ['storageClassName', S], 7: ['mountOptions', S, 'r'], 8: ['volumeMode', S, 'k'],
      9: ['nodeAffinity', 'VolumeNodeAffinity'], 10: ['volumeAttributesClassName', S, 'k'],
    },
    PersistentVolumeSource: {3: ['hostPath', 'HostPathVolumeSource'], 5: ['nfs', 'NFSVolumeSource'], 20: ['local', 'LocalVolumeSource'], 22: ['csi', 'CSIPersistentVolumeSource']},
    // Identical to the pod tables' copy: both kinds' schemas land in one registry.
    NFSVolumeSource: {1: ['server', S, 'k'], 2: ['path', S, 'k'], 3: ['readOnly', B]},
    LocalVolumeSource: {1: ['path', S], 2: ['fsType', S, 'k']},
    CSIPersistentVolumeSource: {1: ['driver', S], 2: ['volumeHandle', S], 3: ['readOnly', B], 4: ['fsType', S], 5: ['volumeAttributes', MSS]},
    VolumeNodeAffinity: {1: ['required', 'NodeSelector']},
    ...nodeSelectorMessages,
    PersistentVolumeStatus: {1: ['phase', S], 2: ['message', S], 3: ['reason', S], 4: ['lastPhaseTransitionTime', 'Time']},
  },
  strategy: {
    // The PVProtection admission plugin: a PV is not removed while a claim is bound to it.
    prepareForCreate(obj) {
      delete obj.status
      const fin = (obj.metadata.finalizers ??= [])
      if (!fin.includes(StorageFinalizers.pvProtection)) fin.push(StorageFinalizers.pvProtection)
    },
  },
})
