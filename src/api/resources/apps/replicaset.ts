// ReplicaSet (apps/v1): keeps a number of pods from one template running; Deployments own them.
import {goLabelSelector} from '../../validation/errors.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {immutable, nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {formatLabelSelector} from '../shared/table.js'
import {replicaTable, validateReplicatedTemplate, validateSelectorRequired, workloadPatch} from '../shared/workload.js'

export const replicaSet = defineResource('apps', 'v1', 'ReplicaSet', {
  shortNames: ['rs'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  fields: ['spec', 'status'],
  default(obj) {
    const spec = (obj.spec ??= {})
    setIfAbsent(spec, 'replicas', 1)
    defaultPodTemplate((spec.template ??= {}))
  },
  validate(obj) {
    const spec = obj.spec ?? {}
    return [
      ...nonNegative(spec.replicas, 'spec.replicas'),
      ...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'),
      // The real server names deployments in this message for ReplicaSets too.
      ...validateSelectorRequired(spec, 'deployment'),
      ...validateReplicatedTemplate(spec.template, spec.selector, 'spec.template'),
    ]
  },
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, 'spec.selector', goLabelSelector),
  table: replicaTable({desired: 'Replicas is the number of desired replicas.', ready: 'The number of ready replicas for this replica set.'}, (o) => formatLabelSelector(o.spec?.selector)),
  patch: workloadPatch,
  strategy: {deleteReturnsObject: true},
})
