// DaemonSet (apps/v1): one pod per eligible node; defaults, spec validation and its table.
import type {LabelSelector} from '../../selectors.js'
import type {KubeObject, StatusCause} from '../../types.js'
import type {PodTemplateSpec} from '../../types/workloads.js'
import {goLabelSelector, notSupported} from '../../validation/errors.js'
import {defineResource, statusSubresource} from '../def.js'
import {immutable, nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {AGE, age, col, CONTAINERS, containerCells, formatLabels, formatLabelSelector, IMAGES, int, name, NAME} from '../shared/table.js'
import {validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'

/** The DaemonSet fields skiff defaults, validates and prints. */
export interface DaemonSetSpec {
  selector?: LabelSelector
  template?: PodTemplateSpec
  updateStrategy?: {type?: string; rollingUpdate?: {maxUnavailable?: number | string; maxSurge?: number | string}}
  minReadySeconds?: number
  revisionHistoryLimit?: number
}

export interface DaemonSetStatus {
  desiredNumberScheduled?: number
  currentNumberScheduled?: number
  numberReady?: number
  updatedNumberScheduled?: number
  numberAvailable?: number
}

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

function validateDaemonSetSpec(spec: DaemonSetSpec): StatusCause[] {
  const causes = validateSelectorRequired(spec, 'daemonset')
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  const us = spec.updateStrategy ?? {}
  if (us.type !== undefined && !['OnDelete', 'RollingUpdate'].includes(us.type)) causes.push(notSupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']))
  return causes
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
  strategy: {deleteReturnsObject: true},
})
