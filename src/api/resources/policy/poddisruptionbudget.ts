// PodDisruptionBudget (policy/v1): how many of a set of pods voluntary disruptions (evictions) must leave running.
import type {LabelSelector} from '../../selectors.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {GoValue, invalid, notSupported} from '../../validation/errors.js'
import {defineResource, statusSubresource} from '../def.js'
import {nonNegative, notMoreThan100Percent, validateIntOrPercent, validateLabelSelector} from '../shared/checks.js'
import {conditionsStatusPatch, kindPatch} from '../shared/patch.js'
import {I32, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {AGE, age, col, int, name, NAME} from '../shared/table.js'

/** The spec of a PodDisruptionBudget; minAvailable and maxUnavailable are int-or-percent and exclusive. */
export interface PodDisruptionBudgetSpec {
  minAvailable?: number | string
  maxUnavailable?: number | string
  selector?: LabelSelector
  unhealthyPodEvictionPolicy?: string
}

/** A metav1.Condition, as PodDisruptionBudgets carry them. */
export interface BudgetCondition {
  type: string
  status: string
  observedGeneration?: number
  lastTransitionTime?: string
  reason: string
  message: string
}

/** The status the disruption controller keeps and the eviction API spends. */
export interface PodDisruptionBudgetStatus {
  observedGeneration?: number
  /** Pods evicted but not yet seen gone, by name, with the time of the eviction. */
  disruptedPods?: Record<string, string>
  disruptionsAllowed?: number
  currentHealthy?: number
  desiredHealthy?: number
  expectedPods?: number
  conditions?: BudgetCondition[]
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: PodDisruptionBudgetSpec
  status?: PodDisruptionBudgetStatus
}

/** unhealthyPodEvictionPolicy values: evict unhealthy pods only when the budget allows, or always. */
export const UNHEALTHY_POD_EVICTION_POLICIES = ['IfHealthyBudget', 'AlwaysAllow']

function validateSpec(spec: PodDisruptionBudgetSpec): StatusCause[] {
  const causes: StatusCause[] = []
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    // The real message prints the Go struct; compact JSON keeps the meaning.
    causes.push(invalid('spec', new GoValue(`policy.PodDisruptionBudgetSpec${JSON.stringify(spec)}`), 'minAvailable and maxUnavailable cannot be both set'))
  }
  for (const f of ['minAvailable', 'maxUnavailable'] as const) {
    causes.push(...validateIntOrPercent(spec[f], `spec.${f}`), ...notMoreThan100Percent(spec[f], `spec.${f}`))
  }
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'))
  const policy = spec.unhealthyPodEvictionPolicy
  if (policy != null && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    causes.push(notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES))
  }
  return causes
}

function validateStatus(status: PodDisruptionBudgetStatus | undefined): StatusCause[] {
  if (!status) return []
  return (['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods', 'observedGeneration'] as const).flatMap((f) => nonNegative(status[f], `status.${f}`))
}

/** An int-or-percent cell, "N/A" when unset (as kubectl's printer). */
const intOrPercent = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v))

export const podDisruptionBudget = defineResource('policy', 'v1', 'PodDisruptionBudget', {
  shortNames: ['pdb'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  validate: (obj) => [...validateSpec((obj as PodDisruptionBudget).spec ?? {}), ...validateStatus((obj as PodDisruptionBudget).status)],
  table: {
    columns: [
      NAME,
      col('Min Available', 'string', 0, 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 0, 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 0, 'Calculated number of pods that may be disrupted at this time.'),
      AGE,
    ],
    row: (o, now) => [name(o), intOrPercent(o.spec?.minAvailable), intOrPercent(o.spec?.maxUnavailable), int(o.status?.disruptionsAllowed), age(o, now)],
  },
  patch: kindPatch({status: {type: conditionsStatusPatch}}),
  protobuf: {
    // kubectl create poddisruptionbudget sends a typed (protobuf) body.
    PodDisruptionBudget: specStatusMessage('PodDisruptionBudgetSpec', 'PodDisruptionBudgetStatus'),
    PodDisruptionBudgetSpec: {1: ['minAvailable', 'IntOrString'], 2: ['selector', 'LabelSelector'], 3: ['maxUnavailable', 'IntOrString'], 4: ['unhealthyPodEvictionPolicy', S, 'k']},
    PodDisruptionBudgetStatus: {
      // Go prints the counts even when zero; observedGeneration is omitempty.
      1: ['observedGeneration', I64], 3: ['disruptionsAllowed', I32, 'k'], 4: ['currentHealthy', I32, 'k'], 5: ['desiredHealthy', I32, 'k'], 6: ['expectedPods', I32, 'k'],
      7: ['conditions', 'Condition', 'r'],
    },
  },
})
