// CustomResourceDefinition (apiextensions.k8s.io/v1): the kind itself and the rules a CRD must meet before it is stored.
import type {KubeObject, StatusCause} from '../../types.js'
import {allVerbs, defineResource, statusSubresource} from '../def.js'

/** Held by a CRD until the apiserver has deleted every object of it (as Kubernetes names it). */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io'

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
/** Kubernetes checks kinds (and list kinds) as C identifiers' cousins: a DNS-1035-ish word with upper case allowed. */
const KIND = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/

function invalid(field: string, value: unknown, message: string): StatusCause {
  return {reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}`}
}
function required(field: string): StatusCause {
  return {reason: 'FieldValueRequired', field, message: 'Required value'}
}

type Rec = Record<string, unknown>
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {})
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** Defaults Kubernetes applies to a CRD: names.singular and listKind, version conversion, status shells. */
function defaultCrd(obj: KubeObject): void {
  const spec = rec(obj.spec)
  const names = rec(spec.names)
  if (typeof names.kind === 'string') {
    names.singular ??= names.kind.toLowerCase()
    names.listKind ??= `${names.kind}List`
  }
  spec.conversion ??= {strategy: 'None'}
  obj.spec = {...spec, names}
}

function validateNames(names: Rec, path: string, causes: StatusCause[]): void {
  for (const f of ['plural', 'singular']) {
    const v = names[f]
    if (f === 'plural' && !v) causes.push(required(`${path}.plural`))
    else if (v !== undefined && (typeof v !== 'string' || !DNS_LABEL.test(v))) causes.push(invalid(`${path}.${f}`, v, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
  }
  if (!names.kind) causes.push(required(`${path}.kind`))
  else if (typeof names.kind !== 'string' || !KIND.test(names.kind)) causes.push(invalid(`${path}.kind`, names.kind, 'may have mixed case, but should otherwise match: [a-z0-9]([-a-z0-9]*[a-z0-9])?'))
  if (names.listKind !== undefined && (typeof names.listKind !== 'string' || !KIND.test(names.listKind))) causes.push(invalid(`${path}.listKind`, names.listKind, 'may have mixed case, but should otherwise match: [a-z0-9]([-a-z0-9]*[a-z0-9])?'))
  if (names.listKind !== undefined && names.listKind === names.kind) causes.push(invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'))
  for (const f of ['shortNames', 'categories']) {
    const list = names[f]
    if (list === undefined) continue
    if (!Array.isArray(list)) { causes.push(invalid(`${path}.${f}`, list, 'must be a list')); continue }
    list.forEach((s, i) => {
      if (typeof s !== 'string' || !DNS_LABEL.test(s)) causes.push(invalid(`${path}.${f}[${i}]`, s, 'must be a lowercase RFC 1123 label'))
    })
  }
}

/** The checks of ValidateCustomResourceDefinition that matter for serving: name, group, names, scope and versions. */
export function validateCrd(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const spec = rec(obj.spec)
  const group = str(spec.group)
  const names = rec(spec.names)
  if (!spec.group) causes.push(required('spec.group'))
  else if (!DNS_SUBDOMAIN.test(group)) causes.push(invalid('spec.group', spec.group, 'a lowercase RFC 1123 subdomain'))
  else if (!group.includes('.')) causes.push(invalid('spec.group', spec.group, "should be a domain with at least one dot"))
  const expected = `${str(names.plural)}.${group}`
  if (obj.metadata.name !== expected) causes.push(invalid('metadata.name', obj.metadata.name, `must be spec.names.plural+"."+spec.group`))
  validateNames(names, 'spec.names', causes)
  if (!spec.scope) causes.push(required('spec.scope'))
  else if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') causes.push({reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`})
  const versions = Array.isArray(spec.versions) ? spec.versions.map(rec) : []
  if (versions.length === 0) causes.push(required('spec.versions'))
  const seen = new Set<string>()
  let storage = 0
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`
    const vname = str(v.name)
    if (!vname) causes.push(required(`${p}.name`))
    else if (!DNS_LABEL.test(vname)) causes.push(invalid(`${p}.name`, v.name, 'a DNS-1035 label'))
    if (seen.has(vname)) causes.push({reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: ${JSON.stringify(vname)}`})
    seen.add(vname)
    if (typeof v.served !== 'boolean') causes.push(required(`${p}.served`))
    if (typeof v.storage !== 'boolean') causes.push(required(`${p}.storage`))
    if (v.storage === true) storage++
  })
  if (versions.length > 0 && storage !== 1) causes.push(invalid('spec.versions', spec.versions, 'must have exactly one version marked as storage version'))
  if (versions.length > 0 && !versions.some(v => v.served === true)) causes.push(invalid('spec.versions', spec.versions, 'must have at least one version marked as served'))
  return causes
}

/** Group, kind and plural may not change once the CRD exists (served URLs and stored keys hang off them). */
function validateCrdUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const s = rec(obj.spec)
  const o = rec(old.spec)
  if (s.group !== o.group) causes.push(invalid('spec.group', s.group, 'field is immutable'))
  if (rec(s.names).plural !== rec(o.names).plural) causes.push(invalid('spec.names.plural', rec(s.names).plural, 'field is immutable'))
  if (s.scope !== o.scope) causes.push(invalid('spec.scope', s.scope, 'field is immutable'))
  return causes
}

export const customResourceDefinition = defineResource('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', {
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: allVerbs,
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default: defaultCrd,
  validate: validateCrd,
  validateUpdate: validateCrdUpdate,
  strategy: {
    // Status is the CRD controller's; the cleanup finalizer is there from the start, so a CRD deleted at once still takes its objects with it.
    prepareForCreate(obj: KubeObject) {
      delete obj.status
      const f = obj.metadata.finalizers ?? []
      if (!f.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...f, CRD_CLEANUP_FINALIZER]
    },
  },
  // No printer: the default table convertor's Name and Created At, as kubectl shows for CRDs.
})
