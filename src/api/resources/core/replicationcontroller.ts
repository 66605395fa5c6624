// ReplicationController (v1): the legacy ReplicaSet with an equality-based selector map; defaults, validation, table, scale.
import type {KubeObject, StatusCause} from '../../types.js'
import {required} from '../../validation/errors.js'
import {validateLabels} from '../../validation/meta.js'
import {defineResource, scaleSubresource, statusSubresource} from '../def.js'
import {nonNegative} from '../shared/checks.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {formatLabels} from '../shared/table.js'
import {replicaTable, validateReplicatedTemplate, workloadPatch} from '../shared/workload.js'

type LabelMap = Record<string, string>

/** SetDefaults_ReplicationController: an unset selector or unset object labels come from the template's labels. */
function defaultReplicationController(obj: KubeObject): void {
  const spec = (obj.spec ??= {})
  const tplLabels = spec.template?.metadata?.labels as LabelMap | undefined
  if (tplLabels && Object.keys(tplLabels).length > 0) {
    if (Object.keys(spec.selector ?? {}).length === 0) spec.selector = {...tplLabels}
    if (Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = {...tplLabels}
  }
  setIfAbsent(spec, 'replicas', 1)
  // The template stays optional for RCs (validation requires it); default it only when present.
  if (spec.template) defaultPodTemplate(spec.template)
}

/** ValidateReplicationControllerSpec: a non-empty selector map matching the template, which must restart Always. */
function validateReplicationController(obj: KubeObject): StatusCause[] {
  const spec = obj.spec ?? {}
  const selector = (spec.selector ?? {}) as LabelMap
  const causes = [...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'), ...nonNegative(spec.replicas, 'spec.replicas')]
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector'))
  else causes.push(...validateLabels(selector, 'spec.selector'))
  causes.push(...validateReplicatedTemplate(spec.template, {matchLabels: selector}, 'spec.template'))
  return causes
}

export const replicationController = defineResource('', 'v1', 'ReplicationController', {
  shortNames: ['rc'],
  categories: ['all'],
  subresources: [scaleSubresource, statusSubresource],
  fields: ['spec', 'status'],
  default: defaultReplicationController,
  validate: validateReplicationController,
  table: replicaTable({desired: 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.', ready: 'The number of ready replicas for this replication controller.'}, (o) => formatLabels(o.spec?.selector)),
  patch: workloadPatch,
  strategy: {deleteReturnsObject: true},
})
