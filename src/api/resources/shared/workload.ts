// What the replicated workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet) share: template and selector rules, patch shape.
import type {KubeObject, StatusCause} from '../../types.js'
import type {TableDef} from '../def.js'
import type {PodTemplateSpec} from '../../types/workloads.js'
import {goLabelSelector, goStringMap, invalid, notSupported, required} from '../../validation/errors.js'
import {selectorIsEmpty, type LabelSelector} from '../../selectors.js'
import {selectorMismatch, validateLabelSelector} from './checks.js'
import {conditionsStatusPatch, kindPatch, podTemplateSpecPatch} from './patch.js'
import {validatePodTemplateSpec} from './pod-spec-validation.js'
import {AGE, age, col, CONTAINERS, containerCells, IMAGES, int, name, NAME, SELECTOR} from './table.js'

/** ValidatePodTemplateSpecForReplicaSet (shared by Deployments, ReplicaSets, StatefulSets, DaemonSets). */
export function validateReplicatedTemplate(template: PodTemplateSpec | undefined, selector: LabelSelector | undefined, path: string): StatusCause[] {
  if (!template) return [required(path)]
  const causes: StatusCause[] = []
  const labels = template.metadata?.labels
  if (selector && !selectorIsEmpty(selector) && selectorMismatch(selector, labels)) {
    causes.push(invalid(`${path}.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'))
  }
  causes.push(...validatePodTemplateSpec(template, path))
  const rp = template.spec?.restartPolicy
  if (rp !== 'Always') causes.push(notSupported(`${path}.spec.restartPolicy`, rp ?? '', ['Always']))
  if (template.spec?.activeDeadlineSeconds != null) {
    causes.push(invalid(`${path}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicaSet is not Supported'))
  }
  return causes
}

/** spec.selector must be set, valid and non-empty; `kindWord` names the kind in the message as the real server does. */
export function validateSelectorRequired(spec: {selector?: LabelSelector}, kindWord: string): StatusCause[] {
  if (!spec.selector) return [required('spec.selector')]
  const causes = validateLabelSelector(spec.selector, 'spec.selector')
  if (selectorIsEmpty(spec.selector)) causes.push(invalid('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${kindWord}`))
  return causes
}

/** Workloads merge their pod template by container name and their status conditions by type. */
export const workloadPatch = kindPatch({spec: {type: {template: {type: podTemplateSpecPatch}}}, status: {type: conditionsStatusPatch}})

/** The printer of ReplicaSets and ReplicationControllers: desired, current and ready replicas, then the template and selector. */
export function replicaTable(docs: {desired: string; ready: string}, selector: (o: KubeObject) => string): TableDef {
  return {
    columns: [
      NAME,
      col('Desired', 'integer', 0, docs.desired),
      col('Current', 'integer', 0, 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, docs.ready),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    row(o, now) {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), int(o.spec?.replicas), int(o.status?.replicas), int(o.status?.readyReplicas), age(o, now), c, i, selector(o)]
    },
  }
}
