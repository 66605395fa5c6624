// StatefulSet (apps/v1): ordered pods with stable names; defaults, spec validation and its frozen-fields update rule.
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, notSupported} from '../../validation/errors.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {AGE, age, col, CONTAINERS, containerCells, IMAGES, int, name, NAME, type Any} from '../shared/table.js'
import {validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'

function defaultStatefulSet(s: KubeObject): void {
  const spec: Any = (s.spec ??= {})
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady')
  spec.updateStrategy ??= {}
  setIfAbsent(spec.updateStrategy, 'type', 'RollingUpdate')
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {}
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'partition', 0)
  }
  setIfAbsent(spec, 'replicas', 1)
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  spec.persistentVolumeClaimRetentionPolicy ??= {}
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain')
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain')
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    setIfAbsent(pvc, 'apiVersion', 'v1')
    setIfAbsent(pvc, 'kind', 'PersistentVolumeClaim')
    pvc.spec ??= {}
    setIfAbsent(pvc.spec, 'volumeMode', 'Filesystem')
    pvc.status ??= {}
    setIfAbsent(pvc.status, 'phase', 'Pending')
  }
  defaultPodTemplate((spec.template ??= {}))
}

function validateStatefulSetSpec(spec: Any): StatusCause[] {
  const causes: StatusCause[] = []
  const pmp = spec.podManagementPolicy
  if (pmp !== undefined && !['OrderedReady', 'Parallel'].includes(pmp)) causes.push(notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']))
  const us: Any = spec.updateStrategy ?? {}
  if (us.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']))
  if (us.type === 'OnDelete' && us.rollingUpdate) causes.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"))
  causes.push(...nonNegative(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'))
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...validateSelectorRequired(spec, 'statefulset'))
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  return causes
}

// Only these fields of a StatefulSet spec may change; everything else (selector, serviceName, ...) is frozen.
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const strip = (s: Any): Any => Object.fromEntries(Object.entries(s).filter(([k]) => !MUTABLE.includes(k)))
  if (semanticEqual(strip(obj.spec ?? {}), strip(old.spec ?? {}))) return []
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ]
}

export const statefulSet = defineResource('apps', 'v1', 'StatefulSet', {
  shortNames: ['sts'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  fields: ['spec', 'status'],
  default: defaultStatefulSet,
  validate: (obj) => validateStatefulSetSpec(obj.spec ?? {}),
  validateUpdate,
  table: {
    columns: [NAME, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    row(o, now) {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, age(o, now), c, i]
    },
  },
  patch: workloadPatch,
  strategy: {deleteReturnsObject: true},
})
