// ConfigMap (core/v1): key validation, the 1 MiB size limit, the immutable flag, and its table and protobuf schema.
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, tooLong} from '../../validation/errors.js'
import {isConfigMapKey} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {builtinPatch} from '../shared/patch.js'
import {B, MSS} from '../shared/protobuf.js'
import {col, countKeys, nameCellsAge} from '../shared/table.js'

/** The most data a ConfigMap or Secret may hold. */
export const MAX_DATA_SIZE = 1024 * 1024

/** Once a ConfigMap or Secret is immutable, neither its data nor the flag may change. */
export function validateImmutableData(obj: KubeObject, old: KubeObject): StatusCause[] {
  if (old.immutable !== true) return []
  const causes: StatusCause[] = []
  if (obj.immutable !== true) causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'))
  if (!semanticEqual(obj.data ?? {}, old.data ?? {})) causes.push(forbidden('data', 'field is immutable when `immutable` is set'))
  if (!semanticEqual(obj.binaryData ?? {}, old.binaryData ?? {})) causes.push(forbidden('binaryData', 'field is immutable when `immutable` is set'))
  return causes
}

function validate(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  let size = 0
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`data[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0
  }
  for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, unknown>)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`binaryData[${k}]`, k, m))
    if (obj.data && Object.prototype.hasOwnProperty.call(obj.data, k)) causes.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'))
    size += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0
  }
  if (size > MAX_DATA_SIZE) causes.push(tooLong('', MAX_DATA_SIZE))
  return causes
}

export const configMap = defineResource('', 'v1', 'ConfigMap', {
  shortNames: ['cm'],
  fields: ['data', 'binaryData', 'immutable'],
  validate,
  validateUpdate: validateImmutableData,
  table: nameCellsAge([col('Data', 'string', 0, 'Data contains the configuration data.')], (o) => [countKeys(o.data) + countKeys(o.binaryData)]),
  patch: builtinPatch,
  protobuf: {ConfigMap: {1: ['metadata', 'ObjectMeta'], 2: ['data', MSS], 3: ['binaryData', 'map<string,bytes>'], 4: ['immutable', B, 'k']}},
})
