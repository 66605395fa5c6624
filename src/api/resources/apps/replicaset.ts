// ReplicaSet (apps/v1): keeps a number of pods from one template running; Deployments own them.
import {goLabelSelector} from '../../validation/errors.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {immutable, nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {I32, I64, S, specStatusMessage} from '../shared/protobuf.js'
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
  // Field numbers of k8s.io/api/apps/v1 generated.proto, for clients that write protobuf.
  protobuf: {
    ...podMessages,
    ReplicaSet: specStatusMessage('ReplicaSetSpec', 'ReplicaSetStatus'),
    ReplicaSetSpec: {1: ['replicas', I32, 'k'], 2: ['selector', 'LabelSelector'], 3: ['template', 'PodTemplateSpec'], 4: ['minReadySeconds', I32]},
    ReplicaSetStatus: {
      1: ['replicas', I32, 'k'], 2: ['fullyLabeledReplicas', I32], 3: ['observedGeneration', I64], 4: ['readyReplicas', I32], 5: ['availableReplicas', I32],
      6: ['conditions', 'ReplicaSetCondition', 'r'], 7: ['terminatingReplicas', I32, 'k'],
    },
    ReplicaSetCondition: {1: ['type', S], 2: ['status', S], 3: ['lastTransitionTime', 'Time'], 4: ['reason', S], 5: ['message', S]},
  },
  strategy: {deleteReturnsObject: true},
})
