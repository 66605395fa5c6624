// Secret (core/v1): stringData folding, typed-secret required keys, the size limit, and its table and protobuf schema.
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid, required, tooLong} from '../../validation/errors.js'
import {FIELD_IMMUTABLE_MSG, isConfigMapKey, isQualifiedName} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {B, MSS, S} from '../shared/protobuf.js'
import {col, countKeys, nameCellsAge} from '../shared/table.js'
import {MAX_DATA_SIZE, validateImmutableData} from './configmap.js'

/** Keys each typed secret must carry. */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.key', 'tls.crt'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
}

function defaultSecret(obj: KubeObject): void {
  setIfAbsent(obj, 'type', 'Opaque')
  // The v1 -> internal conversion (run at decode time, like defaulting) folds the write-only stringData into
  // data, stringData winning; it is never stored or returned.
  if (obj.stringData && typeof obj.stringData === 'object') {
    obj.data = {...(obj.data ?? {})}
    for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64')
  }
  delete obj.stringData
}

function validate(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  let size = 0
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`data[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0
  }
  for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, unknown>)) {
    for (const m of isConfigMapKey(k)) causes.push(invalid(`stringData[${k}]`, k, m))
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0
  }
  if (size > MAX_DATA_SIZE) causes.push(tooLong('data', MAX_DATA_SIZE))
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(obj.data ?? {}, k) || Object.prototype.hasOwnProperty.call(obj.stringData ?? {}, k)
  const type = obj.type as string | undefined
  if (type && REQUIRED_KEYS[type]) {
    for (const k of REQUIRED_KEYS[type]) if (!has(k)) causes.push(required(`data[${k}]`))
  } else if (type === 'kubernetes.io/basic-auth') {
    if (!has('username') && !has('password')) causes.push(required('data[username]'))
  } else if (type === 'kubernetes.io/service-account-token') {
    if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) causes.push(required('metadata.annotations[kubernetes.io/service-account.name]'))
  } else if (type !== undefined && type !== '' && type !== 'Opaque') {
    for (const m of isQualifiedName(String(type))) causes.push(invalid('type', type, m))
  }
  return causes
}

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const causes = (obj.type ?? 'Opaque') !== (old.type ?? 'Opaque') ? [invalid('type', obj.type ?? '', FIELD_IMMUTABLE_MSG)] : []
  return [...causes, ...validateImmutableData(obj, old)]
}

export const secret = defineResource('', 'v1', 'Secret', {
  fields: ['data', 'stringData', 'type', 'immutable'],
  default: defaultSecret,
  validate,
  validateUpdate,
  table: nameCellsAge(
    [col('Type', 'string', 0, 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 0, 'Data contains the secret data.')],
    (o) => [o.type ?? '', countKeys(o.data)],
  ),
  patch: builtinPatch,
  protobuf: {Secret: {1: ['metadata', 'ObjectMeta'], 2: ['data', 'map<string,bytes>'], 3: ['type', S], 4: ['stringData', MSS], 5: ['immutable', B, 'k']}},
})
