// Namespace (core/v1): cluster-scoped, named as a DNS label, finalized by the namespace controller before it goes.
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid} from '../../validation/errors.js'
import {isQualifiedName} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {S} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion']

function defaultNamespace(obj: KubeObject): void {
  // SetDefaults_Namespace labels every namespace with its own name. The "kubernetes" spec finalizer is a
  // create-time strategy step (prepareForCreate): defaulting also runs on updates, where re-adding it would
  // undo the namespace controller's finalize call.
  obj.metadata.labels = {...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? ''}
  obj.status ??= {}
  setIfAbsent(obj.status, 'phase', 'Active')
}

function validate(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  ;(obj.spec?.finalizers ?? []).forEach((f: string) => {
    for (const m of isQualifiedName(f)) causes.push(invalid('spec.finalizers', f, m))
    if (!f.includes('/') && !STANDARD_FINALIZERS.includes(f)) causes.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'))
  })
  return causes
}

export const namespace = defineResource('', 'v1', 'Namespace', {
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [statusSubresource, {name: 'finalize', verbs: ['update']}],
  nameRule: 'label',
  fields: ['spec', 'status'],
  default: defaultNamespace,
  validate,
  table: nameCellsAge([col('Status', 'string', 0, 'The status of the namespace')], (o) => [o.status?.phase ?? '']),
  patch: builtinPatch,
  protobuf: {
    Namespace: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'NamespaceSpec'], 3: ['status', 'NamespaceStatus']},
    NamespaceSpec: {1: ['finalizers', S, 'r']},
    NamespaceStatus: {1: ['phase', S], 2: ['conditions', 'NamespaceCondition', 'r']},
    NamespaceCondition: {1: ['type', S], 2: ['status', S], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S], 6: ['message', S]},
  },
  strategy: {
    prepareForCreate(obj) {
      obj.status = {phase: 'Active'}
      obj.spec = {finalizers: ['kubernetes'], ...obj.spec}
    },
    // The namespace is gone only after its spec.finalizers (the content cleanup) are empty too.
    finalized: (obj) => (obj.spec?.finalizers ?? []).length === 0,
    markDeleting(obj) {
      obj.status = {...obj.status, phase: 'Terminating'}
    },
    deleteReturnsObject: true,
  },
})
