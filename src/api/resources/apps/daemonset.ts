// DaemonSet (apps/v1): one pod per eligible node; defaults, spec validation and its table.
import type {LabelSelector} from '../../selectors.js'
import type {KubeObject, StatusCause} from '../../types.js'
import type {Condition, PodTemplateSpec} from '../../types/workloads.js'
import {goLabelSelector, invalid, notSupported, required} from '../../validation/errors.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {defineResource, statusSubresource} from '../def.js'
import {immutable, nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {AGE, age, col, CONTAINERS, containerCells, formatLabels, formatLabelSelector, IMAGES, int, name, NAME} from '../shared/table.js'
import {validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {I32, I64, S, specStatusMessage} from '../shared/protobuf.js'

/** The DaemonSet fields skiff defaults, validates and prints. */
export interface DaemonSetSpec {
  selector?: LabelSelector
  template?: PodTemplateSpec
  updateStrategy?: {type?: string; rollingUpdate?: {maxUnavailable?: number | string; maxSurge?: number | string}}
  minReadySeconds?: number
  revisionHistoryLimit?: number
}

/** What the DaemonSet controller reports (apps/v1 DaemonSetStatus). */
export interface DaemonSetStatus {
  currentNumberScheduled?: number
  numberMisscheduled?: number
  desiredNumberScheduled?: number
  numberReady?: number
  observedGeneration?: number
  updatedNumberScheduled?: number
  numberAvailable?: number
  numberUnavailable?: number
  collisionCount?: number
  conditions?: Condition[]
}

/**
 * The annotation carrying a DaemonSet's template generation (the internal spec.templateGeneration of apps/v1): 1 on
 * create, one more on every template change. Pods get it as their pod-template-generation label.
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation'

export interface DaemonSet extends KubeObject {
  spec?: DaemonSetSpec
  status?: DaemonSetStatus
}

function defaultDaemonSet(obj: KubeObject): void {
  const spec = ((obj as DaemonSet).spec ??= {})
  const strategy = (spec.updateStrategy ??= {})
  setIfAbsent(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {})
    setIfAbsent(ru, 'maxUnavailable', 1)
    setIfAbsent(ru, 'maxSurge', 0)
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  defaultPodTemplate((spec.template ??= {}))
}

function validateIntOrPercent(v: unknown, field: string): StatusCause[] {
  if (v === undefined || v === null) return []
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) return [invalid(field, v, 'must be greater than or equal to 0')]
    return []
  }
  if (typeof v !== 'string') return [invalid(field, v, "must be an integer or percentage (e.g '5%')")]
  if (!/^[0-9]+%$/.test(v)) return [invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
  if (Number.parseInt(v, 10) > 100) return [invalid(field, v, 'must not be greater than 100%')]
  return []
}

const isZero = (v: unknown): boolean => v === undefined || v === null || v === 0 || (typeof v === 'string' && /^0+%$/.test(v))

// ValidateRollingUpdateDaemonSet: each a non-negative int or a percentage up to 100%, and exactly one of them non-zero.
function validateRollingUpdate(ru: {maxUnavailable?: number | string; maxSurge?: number | string}): StatusCause[] {
  const path = 'spec.updateStrategy.rollingUpdate'
  const causes = [...validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`)]
  const unavailable = !isZero(ru.maxUnavailable)
  const surge = !isZero(ru.maxSurge)
  if (unavailable && surge) causes.push(invalid(`${path}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'))
  if (!unavailable && !surge) causes.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'))
  return causes
}

function validateDaemonSetSpec(spec: DaemonSetSpec): StatusCause[] {
  const causes = validateSelectorRequired(spec, 'daemonset')
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  const us = spec.updateStrategy ?? {}
  if (us.type === undefined || !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type ?? '', ['OnDelete', 'RollingUpdate']))
  if (us.type === 'RollingUpdate') {
    if (!us.rollingUpdate) causes.push(required('spec.updateStrategy.rollingUpdate'))
    else causes.push(...validateRollingUpdate(us.rollingUpdate))
  }
  return causes
}

function templateGeneration(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION])
  return Number.isInteger(n) && n > 0 ? n : 0
}

function setTemplateGeneration(obj: KubeObject, generation: number): void {
  obj.metadata.annotations = {...obj.metadata.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(generation)}
}

// Status is the controller's; the template generation starts at 1 (a client's own value is kept, as the conversion does).
function prepareForCreate(obj: KubeObject): void {
  delete obj.status
  setTemplateGeneration(obj, Math.max(1, templateGeneration(obj)))
}

// Clients cannot set the template generation: it is the old one, plus one when the pod template changed.
function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const changed = !semanticEqual((obj as DaemonSet).spec?.template ?? null, (old as DaemonSet).spec?.template ?? null)
  const previous = templateGeneration(old)
  setTemplateGeneration(obj, changed ? previous + 1 : Math.max(1, previous))
}

function row(obj: KubeObject, now: Date): unknown[] {
  const o = obj as DaemonSet
  const [c, i] = containerCells(o.spec?.template?.spec?.containers)
  const st = o.status ?? {}
  return [
    name(o),
    int(st.desiredNumberScheduled),
    int(st.currentNumberScheduled),
    int(st.numberReady),
    int(st.updatedNumberScheduled),
    int(st.numberAvailable),
    formatLabels(o.spec?.template?.spec?.nodeSelector),
    age(o, now),
    c,
    i,
    formatLabelSelector(o.spec?.selector),
  ]
}

export const daemonSet = defineResource('apps', 'v1', 'DaemonSet', {
  shortNames: ['ds'],
  categories: ['all'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default: defaultDaemonSet,
  validate: (obj) => validateDaemonSetSpec((obj as DaemonSet).spec ?? {}),
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, 'spec.selector', goLabelSelector),
  table: {
    columns: [
      NAME,
      col('Desired', 'integer', 0, 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
      col('Current', 'integer', 0, 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      col('Ready', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
      col('Up-to-date', 'integer', 0, 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 0, 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', 'string', 0, "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that are managed by the daemon set.'),
    ],
    row,
  },
  patch: workloadPatch,
  // Field numbers of k8s.io/api/apps/v1 generated.proto, for clients that write protobuf.
  protobuf: {
    ...podMessages,
    DaemonSet: specStatusMessage('DaemonSetSpec', 'DaemonSetStatus'),
    DaemonSetSpec: {1: ['selector', 'LabelSelector'], 2: ['template', 'PodTemplateSpec'], 3: ['updateStrategy', 'DaemonSetUpdateStrategy'], 4: ['minReadySeconds', I32], 6: ['revisionHistoryLimit', I32, 'k']},
    DaemonSetUpdateStrategy: {1: ['type', S], 2: ['rollingUpdate', 'RollingUpdateDaemonSet']},
    RollingUpdateDaemonSet: {1: ['maxUnavailable', 'IntOrString'], 2: ['maxSurge', 'IntOrString']},
    DaemonSetStatus: {
      1: ['currentNumberScheduled', I32, 'k'], 2: ['numberMisscheduled', I32, 'k'], 3: ['desiredNumberScheduled', I32, 'k'], 4: ['numberReady', I32, 'k'], 5: ['observedGeneration', I64],
      6: ['updatedNumberScheduled', I32], 7: ['numberAvailable', I32], 8: ['numberUnavailable', I32], 9: ['collisionCount', I32, 'k'], 10: ['conditions', 'DaemonSetCondition', 'r'],
    },
    DaemonSetCondition: {1: ['type', S], 2: ['status', S], 3: ['lastTransitionTime', 'Time'], 4: ['reason', S], 5: ['message', S]},
  },
  strategy: {deleteReturnsObject: true, prepareForCreate, prepareForUpdate},
})
