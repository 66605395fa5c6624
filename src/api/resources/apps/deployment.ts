// Deployment (apps/v1): defaults, spec validation (strategy, selector, template), its table and protobuf schema.
import type {KubeObject, StatusCause} from '../../types.js'
import type {Deployment, DeploymentSpec} from '../../types/workloads.js'
import {forbidden, goLabelSelector, invalid, notSupported, required} from '../../validation/errors.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {immutable, nonNegative, validateIntOrPercent} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {B, I32, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {AGE, age, col, CONTAINERS, containerCells, IMAGES, int, name, NAME, selectorString} from '../shared/table.js'
import {validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'

function defaultDeployment(obj: KubeObject): void {
  const spec = ((obj as Deployment).spec ??= {})
  setIfAbsent(spec, 'replicas', 1)
  const strategy = (spec.strategy ??= {})
  setIfAbsent(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {})
    setIfAbsent(ru, 'maxUnavailable', '25%')
    setIfAbsent(ru, 'maxSurge', '25%')
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  setIfAbsent(spec, 'progressDeadlineSeconds', 600)
  defaultPodTemplate((spec.template ??= {}))
}

const isZeroIntOrPercent = (v: unknown): boolean => v === 0 || v === '0%' || v === undefined || v === null

function validateDeploymentSpec(spec: DeploymentSpec): StatusCause[] {
  const causes = nonNegative(spec.replicas, 'spec.replicas')
  causes.push(...validateSelectorRequired(spec, 'deployment'))
  causes.push(...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'))
  const st = spec.strategy ?? {}
  if (st.type === 'Recreate') {
    if (st.rollingUpdate) causes.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"))
  } else if (st.type === 'RollingUpdate') {
    if (!st.rollingUpdate) causes.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'))
    else {
      const ru = st.rollingUpdate
      causes.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'))
      causes.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'))
      if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
        causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'))
      }
    }
  } else {
    causes.push(notSupported('spec.strategy.type', st.type ?? '', ['Recreate', 'RollingUpdate']))
  }
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'))
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'))
  if (typeof spec.progressDeadlineSeconds === 'number') {
    causes.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'))
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      causes.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'))
    }
  }
  return causes
}

function row(obj: KubeObject, now: Date): unknown[] {
  const o = obj as Deployment
  const [c, i] = containerCells(o.spec?.template?.spec?.containers)
  const st = o.status ?? {}
  return [name(o), `${int(st.readyReplicas)}/${int(o.spec?.replicas)}`, int(st.updatedReplicas), int(st.availableReplicas), age(o, now), c, i, selectorString(o.spec?.selector)]
}

export const deployment = defineResource('apps', 'v1', 'Deployment', {
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  fields: ['spec', 'status'],
  default: defaultDeployment,
  validate: (obj) => validateDeploymentSpec((obj as Deployment).spec ?? {}),
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, 'spec.selector', goLabelSelector),
  table: {
    columns: [
      NAME,
      col('Ready', 'string', 0, 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 0, 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    row,
  },
  patch: workloadPatch,
  protobuf: {
    ...podMessages,
    Deployment: specStatusMessage('DeploymentSpec', 'DeploymentStatus'),
    DeploymentSpec: {
      1: ['replicas', I32, 'k'], 2: ['selector', 'LabelSelector'], 3: ['template', 'PodTemplateSpec'], 4: ['strategy', 'DeploymentStrategy'],
      5: ['minReadySeconds', I32], 6: ['revisionHistoryLimit', I32, 'k'], 7: ['paused', B], 9: ['progressDeadlineSeconds', I32, 'k'],
      10: ['podReplacementPolicy', S, 'k'],
    },
    DeploymentStrategy: {1: ['type', S], 2: ['rollingUpdate', 'RollingUpdateDeployment']},
    RollingUpdateDeployment: {1: ['maxUnavailable', 'IntOrString'], 2: ['maxSurge', 'IntOrString']},
    DeploymentStatus: {
      1: ['observedGeneration', I64], 2: ['replicas', I32], 3: ['updatedReplicas', I32], 4: ['availableReplicas', I32],
      5: ['unavailableReplicas', I32], 6: ['conditions', 'DeploymentCondition', 'r'], 7: ['readyReplicas', I32], 8: ['collisionCount', I32, 'k'],
      9: ['terminatingReplicas', I32, 'k'],
    },
    DeploymentCondition: {1: ['type', S], 2: ['status', S], 4: ['reason', S], 5: ['message', S], 6: ['lastUpdateTime', 'Time'], 7: ['lastTransitionTime', 'Time']},
  },
  strategy: {deleteReturnsObject: true},
})
