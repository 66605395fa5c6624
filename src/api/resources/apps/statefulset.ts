// StatefulSet (apps/v1): ordered pods with stable names; defaults, spec validation and its frozen-fields update rule.
import type {LabelSelector} from '../../selectors.js'
import type {KubeObject, ObjectMeta, StatusCause} from '../../types.js'
import type {Condition, PodTemplateSpec} from '../../types/workloads.js'
import {duplicate, forbidden, invalid, notSupported, required} from '../../validation/errors.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {I32, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {AGE, age, col, CONTAINERS, containerCells, IMAGES, int, name, NAME} from '../shared/table.js'
import {validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'

/** A PersistentVolumeClaim template of a StatefulSet. */
export interface ClaimTemplate {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
  spec?: {volumeMode?: string; [field: string]: unknown}
  status?: {phase?: string}
}

/** The StatefulSet spec fields skiff defaults and validates. */
export interface StatefulSetSpec {
  replicas?: number
  selector?: LabelSelector
  template?: PodTemplateSpec
  serviceName?: string
  podManagementPolicy?: string
  updateStrategy?: {type?: string; rollingUpdate?: {partition?: number; maxUnavailable?: number | string}}
  revisionHistoryLimit?: number
  minReadySeconds?: number
  persistentVolumeClaimRetentionPolicy?: {whenDeleted?: string; whenScaled?: string}
  volumeClaimTemplates?: ClaimTemplate[]
  ordinals?: {start?: number}
}

/** What the StatefulSet controller reports (apps/v1 StatefulSetStatus). */
export interface StatefulSetStatus {
  observedGeneration?: number
  replicas?: number
  readyReplicas?: number
  currentReplicas?: number
  updatedReplicas?: number
  currentRevision?: string
  updateRevision?: string
  collisionCount?: number
  availableReplicas?: number
  conditions?: Condition[]
}

export interface StatefulSet extends KubeObject {
  spec?: StatefulSetSpec
  status?: StatefulSetStatus
}

function defaultStatefulSet(obj: KubeObject): void {
  const spec = ((obj as StatefulSet).spec ??= {})
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady')
  const strategy = (spec.updateStrategy ??= {})
  setIfAbsent(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') setIfAbsent((strategy.rollingUpdate ??= {}), 'partition', 0)
  setIfAbsent(spec, 'replicas', 1)
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {})
  setIfAbsent(retention, 'whenDeleted', 'Retain')
  setIfAbsent(retention, 'whenScaled', 'Retain')
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    setIfAbsent(pvc, 'apiVersion', 'v1')
    setIfAbsent(pvc, 'kind', 'PersistentVolumeClaim')
    setIfAbsent((pvc.spec ??= {}), 'volumeMode', 'Filesystem')
    setIfAbsent((pvc.status ??= {}), 'phase', 'Pending')
  }
  defaultPodTemplate((spec.template ??= {}))
}

function validateStatefulSetSpec(spec: StatefulSetSpec): StatusCause[] {
  const causes: StatusCause[] = []
  const pmp = spec.podManagementPolicy
  if (pmp !== undefined && !['OrderedReady', 'Parallel'].includes(pmp)) causes.push(notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']))
  const us = spec.updateStrategy ?? {}
  if (us.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']))
  if (us.type === 'OnDelete' && us.rollingUpdate) causes.push(forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"))
  causes.push(...nonNegative(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'))
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...nonNegative(spec.ordinals?.start, 'spec.ordinals.start'))
  causes.push(...validateMaxUnavailable(us.rollingUpdate?.maxUnavailable))
  causes.push(...validateRetention(spec.persistentVolumeClaimRetentionPolicy))
  causes.push(...validateClaimTemplates(spec.volumeClaimTemplates))
  causes.push(...validateSelectorRequired(spec, 'statefulset'))
  causes.push(...validateReplicatedTemplate(withClaimVolumes(spec), spec.selector, 'spec.template'))
  return causes
}

// Containers mount claim templates by name, and each pod gets a volume of that name (replacing a template volume
// with the same name), so the template is checked as the pods will have it.
function withClaimVolumes(spec: StatefulSetSpec): PodTemplateSpec | undefined {
  const names = new Set((spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name).filter((n): n is string => !!n))
  if (!spec.template?.spec || names.size === 0) return spec.template
  const volumes = [...(spec.template.spec.volumes ?? []).filter((v) => !names.has(v.name)), ...[...names].map((n) => ({name: n, persistentVolumeClaim: {claimName: n}}))]
  return {...spec.template, spec: {...spec.template.spec, volumes}}
}

// maxUnavailable is an int >= 1 or a percentage above 0% (ValidateStatefulSetUpdateStrategy).
function validateMaxUnavailable(v: number | string | undefined): StatusCause[] {
  const field = 'spec.updateStrategy.rollingUpdate.maxUnavailable'
  if (v === undefined) return []
  if (typeof v === 'number') return v < 1 ? [invalid(field, v, 'must be greater than 0')] : []
  const m = /^(\d+)%$/.exec(v)
  if (!m) return [invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
  if (Number(m[1]) === 0) return [invalid(field, v, 'must be greater than 0')]
  if (Number(m[1]) > 100) return [invalid(field, v, 'must not be greater than 100%')]
  return []
}

function validateRetention(p: StatefulSetSpec['persistentVolumeClaimRetentionPolicy']): StatusCause[] {
  const causes: StatusCause[] = []
  for (const f of ['whenDeleted', 'whenScaled'] as const) {
    const v = p?.[f]
    if (v !== undefined && !['Retain', 'Delete'].includes(v)) causes.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']))
  }
  return causes
}

// Each template becomes a volume named after it, so names must be present and distinct.
function validateClaimTemplates(templates: ClaimTemplate[] | undefined): StatusCause[] {
  const causes: StatusCause[] = []
  const seen = new Set<string>()
  ;(templates ?? []).forEach((t, i) => {
    const n = t.metadata?.name
    if (!n) causes.push(required(`spec.volumeClaimTemplates[${i}].metadata.name`, 'name or generateName is required'))
    else if (seen.has(n)) causes.push(duplicate(`spec.volumeClaimTemplates[${i}].metadata.name`, n))
    else seen.add(n)
  })
  return causes
}

// Only these fields of a StatefulSet spec may change; everything else (selector, serviceName, ...) is frozen.
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit']

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const strip = (s: StatefulSetSpec): Record<string, unknown> => Object.fromEntries(Object.entries(s).filter(([k]) => !MUTABLE.includes(k)))
  if (semanticEqual(strip((obj as StatefulSet).spec ?? {}), strip((old as StatefulSet).spec ?? {}))) return []
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
  validate: (obj) => validateStatefulSetSpec((obj as StatefulSet).spec ?? {}),
  validateUpdate,
  table: {
    columns: [NAME, col('Ready', 'string', 0, 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    row(o, now) {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`, age(o, now), c, i]
    },
  },
  patch: workloadPatch,
  // Field numbers of k8s.io/api/apps/v1 generated.proto; volumeClaimTemplates use the PersistentVolumeClaim kind's tables.
  protobuf: {
    ...podMessages,
    StatefulSet: specStatusMessage('StatefulSetSpec', 'StatefulSetStatus'),
    StatefulSetSpec: {
      1: ['replicas', I32, 'k'], 2: ['selector', 'LabelSelector'], 3: ['template', 'PodTemplateSpec'], 4: ['volumeClaimTemplates', 'PersistentVolumeClaim', 'r'],
      5: ['serviceName', S], 6: ['podManagementPolicy', S], 7: ['updateStrategy', 'StatefulSetUpdateStrategy'], 8: ['revisionHistoryLimit', I32, 'k'],
      9: ['minReadySeconds', I32], 10: ['persistentVolumeClaimRetentionPolicy', 'StatefulSetPersistentVolumeClaimRetentionPolicy'], 11: ['ordinals', 'StatefulSetOrdinals'],
    },
    StatefulSetUpdateStrategy: {1: ['type', S], 2: ['rollingUpdate', 'RollingUpdateStatefulSetStrategy']},
    RollingUpdateStatefulSetStrategy: {1: ['partition', I32, 'k'], 2: ['maxUnavailable', 'IntOrString']},
    StatefulSetPersistentVolumeClaimRetentionPolicy: {1: ['whenDeleted', S], 2: ['whenScaled', S]},
    StatefulSetOrdinals: {1: ['start', I32, 'k']},
    StatefulSetStatus: {
      1: ['observedGeneration', I64], 2: ['replicas', I32, 'k'], 3: ['readyReplicas', I32], 4: ['currentReplicas', I32], 5: ['updatedReplicas', I32],
      6: ['currentRevision', S], 7: ['updateRevision', S], 9: ['collisionCount', I32, 'k'], 10: ['conditions', 'StatefulSetCondition', 'r'],
      11: ['availableReplicas', I32, 'k'],
    },
    StatefulSetCondition: {1: ['type', S], 2: ['status', S], 3: ['lastTransitionTime', 'Time'], 4: ['reason', S], 5: ['message', S]},
  },
  strategy: {deleteReturnsObject: true},
})
