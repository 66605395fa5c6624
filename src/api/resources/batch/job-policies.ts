// Validation of the Job's failure and success policies: podFailurePolicy, backoffLimitPerIndex/maxFailedIndexes, successPolicy, podReplacementPolicy.
import type {StatusCause} from '../../types.js'
import {duplicate, invalid, notSupported, required, tooMany} from '../../validation/errors.js'
import type {JobSpec} from './job.js'

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore']
const MAX_RULES = 20
const MAX_EXIT_CODES = 255
const MAX_PER_INDEX_COMPLETIONS = 100_000
const INDEXES = /^\d+(-\d+)?(,\d+(-\d+)?)*$/

/** field.Invalid with the value omitted (field.OmitValueType): the message carries only the detail. */
const invalidOmitted = (field: string, detail: string): StatusCause => ({reason: 'FieldValueInvalid', field, message: `Invalid value: ${detail}`})

function validatePodFailurePolicy(spec: JobSpec, path: string): StatusCause[] {
  const policy = spec.podFailurePolicy
  if (!policy) return []
  const causes: StatusCause[] = []
  const rp = spec.template?.spec?.restartPolicy
  if (rp !== 'Never') causes.push(invalid(`${path}.template.spec.restartPolicy`, rp ?? '', 'only "Never" is supported when podFailurePolicy is specified'))
  const rules = policy.rules ?? []
  if (rules.length > MAX_RULES) causes.push(tooMany(`${path}.podFailurePolicy.rules`, rules.length, MAX_RULES))
  const names = new Set([...(spec.template?.spec?.containers ?? []), ...(spec.template?.spec?.initContainers ?? [])].map((c) => c.name))
  for (const [i, rule] of rules.entries()) {
    const rp = `${path}.podFailurePolicy.rules[${i}]`
    if (!ACTIONS.includes(rule.action)) causes.push(notSupported(`${rp}.action`, rule.action ?? '', ACTIONS))
    else if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex == null) causes.push(invalid(`${rp}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'))
    if (rule.onExitCodes && rule.onPodConditions) causes.push(invalidOmitted(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'))
    else if (!rule.onExitCodes && !rule.onPodConditions) causes.push(invalidOmitted(rp, 'specifying one of OnExitCodes and OnPodConditions is required'))
    const ec = rule.onExitCodes
    if (ec) {
      const ep = `${rp}.onExitCodes`
      if (ec.containerName && !names.has(ec.containerName)) causes.push(invalid(`${ep}.containerName`, ec.containerName, 'must be one of the container or initContainer names in the pod template'))
      if (ec.operator !== 'In' && ec.operator !== 'NotIn') causes.push(notSupported(`${ep}.operator`, ec.operator ?? '', ['In', 'NotIn']))
      const values = ec.values ?? []
      if (!values.length) causes.push(invalid(`${ep}.values`, values, 'at least one value is required'))
      if (values.length > MAX_EXIT_CODES) causes.push(tooMany(`${ep}.values`, values.length, MAX_EXIT_CODES))
      for (const [j, v] of values.entries()) {
        if (ec.operator === 'In' && v === 0) causes.push(invalid(`${ep}.values[${j}]`, v, 'must not be 0 for the In operator'))
        if (values.indexOf(v) !== j) causes.push(duplicate(`${ep}.values[${j}]`, v))
        else if (j > 0 && v < values[j - 1]) causes.push(invalid(`${ep}.values[${j}]`, v, 'must be ordered'))
      }
    }
    for (const [j, c] of (rule.onPodConditions ?? []).entries()) {
      const cp = `${rp}.onPodConditions[${j}]`
      if (!c.type) causes.push(required(`${cp}.type`))
      if (!['True', 'False', 'Unknown'].includes(c.status ?? 'True')) causes.push(notSupported(`${cp}.status`, c.status, ['False', 'True', 'Unknown']))
    }
  }
  return causes
}

function validatePerIndex(spec: JobSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  const indexed = spec.completionMode === 'Indexed'
  if (spec.backoffLimitPerIndex != null) {
    if (spec.backoffLimitPerIndex < 0) causes.push(invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'must be greater than or equal to 0'))
    if (!indexed) causes.push(invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'))
    if ((spec.completions ?? 0) > MAX_PER_INDEX_COMPLETIONS) causes.push(invalid(`${path}.completions`, spec.completions, `must be less than or equal to ${MAX_PER_INDEX_COMPLETIONS} when backoffLimitPerIndex is specified`))
  }
  if (spec.maxFailedIndexes != null) {
    if (spec.backoffLimitPerIndex == null) causes.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'))
    if (spec.maxFailedIndexes < 0) causes.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be greater than or equal to 0'))
    else if (spec.completions != null && spec.maxFailedIndexes > spec.completions) causes.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'))
  }
  return causes
}

function validateSuccessPolicy(spec: JobSpec, path: string): StatusCause[] {
  const policy = spec.successPolicy
  if (!policy) return []
  const causes: StatusCause[] = []
  if (spec.completionMode !== 'Indexed') causes.push(invalidOmitted(`${path}.successPolicy`, 'requires indexed completion mode'))
  const rules = policy.rules ?? []
  if (!rules.length) causes.push(required(`${path}.successPolicy.rules`, 'at least one rules must be specified when the successPolicy is specified'))
  if (rules.length > MAX_RULES) causes.push(tooMany(`${path}.successPolicy.rules`, rules.length, MAX_RULES))
  for (const [i, rule] of rules.entries()) {
    const rp = `${path}.successPolicy.rules[${i}]`
    if (rule.succeededIndexes == null && rule.succeededCount == null) causes.push(required(rp, 'at least one of succeededCount or succeededIndexes must be specified'))
    if (rule.succeededIndexes != null && !INDEXES.test(rule.succeededIndexes)) causes.push(invalid(`${rp}.succeededIndexes`, rule.succeededIndexes, 'error parsing succeededIndexes'))
    if (rule.succeededCount != null) {
      if (rule.succeededCount < 0) causes.push(invalid(`${rp}.succeededCount`, rule.succeededCount, 'must be greater than or equal to 0'))
      else if (spec.completions != null && rule.succeededCount > spec.completions) causes.push(invalid(`${rp}.succeededCount`, rule.succeededCount, `must be less than or equal to ${spec.completions} (the number of specified completions)`))
    }
  }
  return causes
}

/** Validation of the policies of a JobSpec (shared with CronJob's jobTemplate through validateJobSpecCommon). */
export function validateJobPolicies(spec: JobSpec, path: string): StatusCause[] {
  const causes = [...validatePodFailurePolicy(spec, path), ...validatePerIndex(spec, path), ...validateSuccessPolicy(spec, path)]
  const prp = spec.podReplacementPolicy
  if (prp !== undefined) {
    if (spec.podFailurePolicy && prp !== 'Failed') causes.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed']))
    else if (!['Failed', 'TerminatingOrFailed'].includes(prp)) causes.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']))
  }
  return causes
}
