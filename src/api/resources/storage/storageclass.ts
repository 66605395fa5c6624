// StorageClass (storage.k8s.io/v1): how volumes of a class are provisioned; defaults, validation, frozen fields and the table that marks the default class.
import {isDefaultClass} from '../../storage.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported, required, tooLong} from '../../validation/errors.js'
import {FIELD_IMMUTABLE_MSG, isQualifiedName} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {B, MSS, S} from '../shared/protobuf.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {age, AGE, col, name, NAME} from '../shared/table.js'

/** The StorageClass fields (they sit at the top level, there is no spec). */
export interface StorageClass extends KubeObject {
  provisioner?: string
  parameters?: Record<string, string>
  reclaimPolicy?: string
  mountOptions?: string[]
  allowVolumeExpansion?: boolean
  volumeBindingMode?: string
  allowedTopologies?: unknown[]
}

const RECLAIM = ['Delete', 'Retain']
const BINDING = ['Immediate', 'WaitForFirstConsumer']
const MAX_PARAMETERS = 512
const MAX_PARAMETERS_BYTES = 256 * 1024

function validate(obj: KubeObject): StatusCause[] {
  const sc = obj as StorageClass
  const causes: StatusCause[] = []
  if (!sc.provisioner) causes.push(required('provisioner', ''))
  else {
    for (const m of isQualifiedName(sc.provisioner.toLowerCase())) causes.push(invalid('provisioner', sc.provisioner, m))
  }
  const params = sc.parameters ?? {}
  if (Object.keys(params).length > MAX_PARAMETERS) causes.push(tooLong('parameters', MAX_PARAMETERS))
  let size = 0
  for (const [k, v] of Object.entries(params)) {
    if (k === '') causes.push(invalid('parameters', k, 'field can not be empty.'))
    size += k.length + String(v).length
  }
  if (size > MAX_PARAMETERS_BYTES) causes.push(tooLong('parameters', MAX_PARAMETERS_BYTES))
  if (sc.reclaimPolicy !== undefined && !RECLAIM.includes(sc.reclaimPolicy)) causes.push(notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM))
  if (sc.volumeBindingMode === undefined) causes.push(required('volumeBindingMode', ''))
  else if (!BINDING.includes(sc.volumeBindingMode)) causes.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING))
  return causes
}

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n = obj as StorageClass
  const o = old as StorageClass
  const causes: StatusCause[] = []
  if (!semanticEqual(n.parameters ?? {}, o.parameters ?? {})) causes.push(forbidden('parameters', 'updates to parameters are forbidden.'))
  if (n.provisioner !== o.provisioner) causes.push(forbidden('provisioner', 'updates to provisioner are forbidden.'))
  if (n.reclaimPolicy !== o.reclaimPolicy) causes.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'))
  if (n.volumeBindingMode !== o.volumeBindingMode) causes.push(invalid('volumeBindingMode', n.volumeBindingMode ?? '', FIELD_IMMUTABLE_MSG))
  return causes
}

export const storageClass = defineResource('storage.k8s.io', 'v1', 'StorageClass', {
  resource: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  fields: ['provisioner', 'parameters', 'reclaimPolicy', 'mountOptions', 'allowVolumeExpansion', 'volumeBindingMode', 'allowedTopologies'],
  default(obj) {
    const sc = obj as StorageClass
    if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete'
    if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate'
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Provisioner', 'string', 0, 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 0, 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
      col('VolumeBindingMode', 'string', 0, 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 0, 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      AGE,
    ],
    row(o, now) {
      const sc = o as StorageClass
      const n = isDefaultClass(sc) ? `${name(o)} (default)` : name(o)
      return [n, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', String(sc.allowVolumeExpansion === true), age(o, now)]
    },
  },
  patch: builtinPatch,
  protobuf: {
    StorageClass: {
      1: ['metadata', 'ObjectMeta'], 2: ['provisioner', S], 3: ['parameters', MSS], 4: ['reclaimPolicy', S, 'k'], 5: ['mountOptions', S, 'r'],
      6: ['allowVolumeExpansion', B, 'k'], 7: ['volumeBindingMode', S, 'k'], 8: ['allowedTopologies', 'TopologySelectorTerm', 'r'],
    },
    TopologySelectorTerm: {1: ['matchLabelExpressions', 'TopologySelectorLabelRequirement', 'r']},
    TopologySelectorLabelRequirement: {1: ['key', S], 2: ['values', S, 'r']},
  },
})
