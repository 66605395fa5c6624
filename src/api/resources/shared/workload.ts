// What the replicated workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet) share: template and selector rules, patch shape.
import type {StatusCause} from '../../types.js'
import {goLabelSelector, goStringMap, invalid, notSupported, required} from '../../validation/errors.js'
import {selectorEmpty, selectorMatches, validateLabelSelector} from './checks.js'
import {conditionsStatusPatch, kindPatch, podTemplateSpecPatch} from './patch.js'
import {validatePodTemplateSpec} from './pod-spec-validation.js'

type Any = Record<string, any>

/** ValidatePodTemplateSpecForReplicaSet (shared by Deployments, ReplicaSets, StatefulSets, DaemonSets). */
export function validateReplicatedTemplate(template: Any | undefined, selector: Any | undefined, path: string): StatusCause[] {
  if (!template) return [required(path)]
  const causes: StatusCause[] = []
  const labels = template.metadata?.labels
  if (selector && !selectorEmpty(selector) && !selectorMatches(selector, labels)) {
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
export function validateSelectorRequired(spec: Any, kindWord: string): StatusCause[] {
  if (!spec.selector) return [required('spec.selector')]
  const causes = validateLabelSelector(spec.selector, 'spec.selector')
  if (selectorEmpty(spec.selector)) causes.push(invalid('spec.selector', goLabelSelector(spec.selector), `empty selector is invalid for ${kindWord}`))
  return causes
}

/** Workloads merge their pod template by container name and their status conditions by type. */
export const workloadPatch = kindPatch({spec: {type: {template: {type: podTemplateSpecPatch}}}, status: {type: conditionsStatusPatch}})
