// ObjectMeta validation: names, generateName, namespace, labels, annotations, finalizers and their update rules.
import type {KubeObject, StatusCause} from '../types.js'
import {forbidden, invalid, required, tooLong} from './errors.js'
import {checkName, FIELD_IMMUTABLE_MSG, isDNS1123Label, isQualifiedName, isValidLabelValue, IS_NEGATIVE_MSG, type NameRule} from './names.js'

const TOTAL_ANNOTATION_SIZE = 256 * 1024

/** ValidateLabels: every key a qualified name, every value a label value; errors point at the map, not the key. */
export function validateLabels(labels: Record<string, string> | undefined | null, field: string): StatusCause[] {
  const causes: StatusCause[] = []
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) causes.push(invalid(field, k, m))
    if (typeof v !== 'string') causes.push(invalid(field, v, 'must be a string'))
    else for (const m of isValidLabelValue(v)) causes.push(invalid(field, v, m))
  }
  return causes
}

/** ValidateAnnotations: qualified-name keys (checked lower-cased) and a 256 KiB total. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, field: string): StatusCause[] {
  const causes: StatusCause[] = []
  let total = 0
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) causes.push(invalid(field, k, m))
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''))
  }
  if (total > TOTAL_ANNOTATION_SIZE) causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE))
  return causes
}

/** ValidateObjectMeta with the resource's name rule and scope. */
export function validateObjectMeta(obj: KubeObject, namespaced: boolean, rule: NameRule): StatusCause[] {
  const meta = obj.metadata ?? {}
  const causes: StatusCause[] = []
  if (meta.generateName) for (const m of checkName(rule, meta.generateName, true)) causes.push(invalid('metadata.generateName', meta.generateName, m))
  if (!meta.name) causes.push(required('metadata.name', 'name or generateName is required'))
  else for (const m of checkName(rule, meta.name, false)) causes.push(invalid('metadata.name', meta.name, m))
  if (namespaced) {
    if (!meta.namespace) causes.push(required('metadata.namespace'))
    else for (const m of isDNS1123Label(meta.namespace)) causes.push(invalid('metadata.namespace', meta.namespace, m))
  } else if (meta.namespace) {
    causes.push(forbidden('metadata.namespace', 'not allowed on this type'))
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) causes.push(invalid('metadata.generation', meta.generation, IS_NEGATIVE_MSG))
  causes.push(...validateLabels(meta.labels, 'metadata.labels'))
  causes.push(...validateAnnotations(meta.annotations, 'metadata.annotations'))
  ;(meta.ownerReferences ?? []).forEach((r, i) => {
    const p = `metadata.ownerReferences[${i}]`
    if (!r.apiVersion) causes.push(invalid(`${p}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'))
    if (!r.kind) causes.push(invalid(`${p}.kind`, r.kind ?? '', 'kind must not be empty'))
    if (!r.name) causes.push(invalid(`${p}.name`, r.name ?? '', 'name must not be empty'))
    if (!r.uid) causes.push(invalid(`${p}.uid`, r.uid ?? '', 'uid must not be empty'))
  })
  if ((meta.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    causes.push(invalid('metadata.ownerReferences', '', 'Only one reference can have Controller set to true'))
  }
  ;(meta.finalizers ?? []).forEach((f) => {
    for (const m of isQualifiedName(f)) causes.push(invalid('metadata.finalizers', f, m))
  })
  return causes
}

/** ValidateObjectMetaUpdate: name, namespace, uid and creationTimestamp never change (empty uid means "keep"). */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const n = obj.metadata ?? {}
  const o = old.metadata ?? {}
  if ((n.name ?? '') !== (o.name ?? '')) causes.push(invalid('metadata.name', n.name ?? '', FIELD_IMMUTABLE_MSG))
  if ((n.namespace ?? '') !== (o.namespace ?? '')) causes.push(invalid('metadata.namespace', n.namespace ?? '', FIELD_IMMUTABLE_MSG))
  if (n.uid && o.uid && n.uid !== o.uid) causes.push(invalid('metadata.uid', n.uid, FIELD_IMMUTABLE_MSG))
  return causes
}
