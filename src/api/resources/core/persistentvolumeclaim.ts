// PersistentVolumeClaim (core/v1): a request for storage; defaults, validation, the frozen spec of an existing claim, the DefaultStorageClass and StorageObjectInUseProtection admission, and its table.
import {accessModesString, isDefaultClass, StorageFinalizers, storageBytes, storageClassOf, type PersistentVolumeClaim} from '../../storage.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported} from '../../validation/errors.js'
import {isDNS1123Subdomain} from '../../validation/names.js'
import {defineResource, statusSubresource, type AllocationEnv} from '../def.js'
import {validateLabelSelector} from '../shared/checks.js'
import {builtinPatch} from '../shared/patch.js'
import {MSS, S, specStatusMessage} from '../shared/protobuf.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {validateAccessModes, validateStorageQuantity} from '../shared/storage-validation.js'
import {age, AGE, col, name, NAME} from '../shared/table.js'

type Spec = NonNullable<PersistentVolumeClaim['spec']>

const VOLUME_MODES = ['Block', 'Filesystem']
const FROZEN_MSG = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'

function validate(obj: KubeObject): StatusCause[] {
  const spec: Spec = (obj as PersistentVolumeClaim).spec ?? {}
  const causes = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required')
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'))
  causes.push(...validateStorageQuantity(spec.resources?.requests?.storage, 'spec.resources[storage]'))
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '') {
    for (const m of isDNS1123Subdomain(spec.storageClassName)) causes.push(invalid('spec.storageClassName', spec.storageClassName, m))
  }
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) causes.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES))
  return causes
}

/**
 * A claim's spec is frozen once created, except what the control plane fills in later (volumeName of an unbound
 * claim, storageClassName of a claim created before a default class existed) and, for a bound claim, a larger request.
 */
function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n: Spec = structuredClone((obj as PersistentVolumeClaim).spec ?? {})
  const o: Spec = structuredClone((old as PersistentVolumeClaim).spec ?? {})
  if (!o.volumeName) o.volumeName = n.volumeName
  if (o.storageClassName === undefined || o.storageClassName === null) o.storageClassName = n.storageClassName
  o.volumeAttributesClassName = n.volumeAttributesClassName
  const bound = (old as PersistentVolumeClaim).status?.phase === 'Bound'
  const causes: StatusCause[] = []
  if (bound) {
    const newSize = storageBytes(n.resources?.requests?.storage)
    if (newSize < storageBytes(o.resources?.requests?.storage)) causes.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'))
    n.resources = {...n.resources, requests: {...n.resources?.requests, storage: 0}}
    o.resources = {...o.resources, requests: {...o.resources?.requests, storage: 0}}
  }
  if (!semanticEqual(n, o)) causes.unshift(forbidden('spec', FROZEN_MSG))
  return causes
}

/** The DefaultStorageClass admission: a claim that names no class gets the newest default one, if any. */
async function assignDefaultClass(obj: KubeObject, old: KubeObject | undefined, env: AllocationEnv): Promise<StatusCause[]> {
  const pvc = obj as PersistentVolumeClaim
  if (old || !env.list) return []
  const spec = (pvc.spec ??= {})
  if (spec.storageClassName !== undefined && spec.storageClassName !== null) return []
  if (pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return []
  const defaults = (await env.list('storage.k8s.io', 'v1', 'storageclasses')).filter(isDefaultClass)
  defaults.sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) || String(a.metadata.name).localeCompare(String(b.metadata.name)))
  if (defaults[0]) spec.storageClassName = defaults[0].metadata.name
  return []
}

export const persistentVolumeClaim = defineResource('', 'v1', 'PersistentVolumeClaim', {
  shortNames: ['pvc'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default(obj) {
    const pvc = obj as PersistentVolumeClaim
    setIfAbsent((pvc.spec ??= {}), 'volumeMode', 'Filesystem')
    setIfAbsent((pvc.status ??= {}), 'phase', 'Pending')
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'string', 0, 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'string', 0, 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 0, 'accessModes contains all ways the volume backing the PVC can be mounted.'),
      col('StorageClass', 'string', 0, 'storageClassName is the name of the StorageClass required by the claim.'),
      col('VolumeAttributesClass', 'string', 0, 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
      AGE,
      col('VolumeMode', 'string', 1, 'volumeMode defines what type of volume is required by the claim.'),
    ],
    row(o, now) {
      const pvc = o as PersistentVolumeClaim
      const spec = pvc.spec ?? {}
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '')
      // Capacity and modes are the bound volume's, shown only once a volume is named.
      const bound = !!spec.volumeName
      const vac = spec.volumeAttributesClassName ? spec.volumeAttributesClassName : '<unset>'
      return [name(o), phase, spec.volumeName ?? '', bound ? String(pvc.status?.capacity?.storage ?? '') : '', bound ? accessModesString(pvc.status?.accessModes) : '', storageClassOf(pvc), vac, age(o, now), spec.volumeMode ?? '<unset>']
    },
  },
  patch: builtinPatch,
  protobuf: {
    PersistentVolumeClaim: specStatusMessage('PersistentVolumeClaimSpec', 'PersistentVolumeClaimStatus'),
    PersistentVolumeClaimSpec: {
      1: ['accessModes', S, 'r'], 2: ['resources', 'VolumeResourceRequirements'], 3: ['volumeName', S], 4: ['selector', 'LabelSelector'],
      5: ['storageClassName', S, 'k'], 6: ['volumeMode', S, 'k'], 7: ['dataSource', 'TypedLocalObjectReference'], 8: ['dataSourceRef', 'TypedObjectReference'],
      9: ['volumeAttributesClassName', S, 'k'],
    },
    VolumeResourceRequirements: {1: ['limits', 'map<string,Quantity>'], 2: ['requests', 'map<string,Quantity>']},
    TypedLocalObjectReference: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k']},
    TypedObjectReference: {1: ['apiGroup', S, 'k'], 2: ['kind', S], 3: ['name', S], 4: ['namespace', S, 'k']},
    PersistentVolumeClaimStatus: {
      1: ['phase', S], 2: ['accessModes', S, 'r'], 3: ['capacity', 'map<string,Quantity>'], 4: ['conditions', 'PersistentVolumeClaimCondition', 'r'],
      5: ['allocatedResources', 'map<string,Quantity>'], 7: ['allocatedResourceStatuses', MSS], 8: ['currentVolumeAttributesClassName', S, 'k'],
      9: ['modifyVolumeStatus', 'ModifyVolumeStatus'],
    },
    ModifyVolumeStatus: {1: ['targetVolumeAttributesClassName', S], 2: ['status', S, 'k']},
    PersistentVolumeClaimCondition: {1: ['type', S], 2: ['status', S], 3: ['lastProbeTime', 'Time'], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S], 6: ['message', S]},
  },
  strategy: {
    // StorageObjectInUseProtection: a claim is not removed while a pod uses it.
    prepareForCreate(obj) {
      delete obj.status
      const fin = (obj.metadata.finalizers ??= [])
      if (!fin.includes(StorageFinalizers.pvcProtection)) fin.push(StorageFinalizers.pvcProtection)
    },
    allocate: assignDefaultClass,
  },
})
