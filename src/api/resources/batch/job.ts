// Job (batch/v1): defaults and the generated selector, spec validation and update rules, its table and protobuf schema.
import type {LabelSelector} from '../../selectors.js'
import type {KubeObject, StatusCause} from '../../types.js'
import type {Condition, PodTemplateSpec} from '../../types/workloads.js'
import {GoValue, goLabelSelector, goStringMap, invalid, notSupported, required} from '../../validation/errors.js'
import {FIELD_IMMUTABLE_MSG} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {validateJobPolicies} from './job-policies.js'
import {immutable, nonNegative, selectorMismatch, validateLabelSelector} from '../shared/checks.js'
import {conditionsStatusPatch, kindPatch, objectMetaPatch, podTemplateSpecPatch, type TypeDesc} from '../shared/patch.js'
import {defaultPodTemplate, setIfAbsent} from '../shared/pod-defaults.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {semanticEqual, validatePodTemplateSpec} from '../shared/pod-spec-validation.js'
import {B, I32, I64, S, specStatusMessage, type MessageSchema} from '../shared/protobuf.js'
import {AGE, age, col, conditionTrue, CONTAINERS, containerCells, formatLabelSelector, humanDuration, IMAGES, int, name, NAME} from '../shared/table.js'

/** The Job fields skiff defaults, validates and prints. */
export interface JobSpec {
  parallelism?: number
  completions?: number
  activeDeadlineSeconds?: number
  backoffLimit?: number
  backoffLimitPerIndex?: number
  ttlSecondsAfterFinished?: number
  completionMode?: string
  suspend?: boolean
  manualSelector?: boolean
  podReplacementPolicy?: string
  maxFailedIndexes?: number
  podFailurePolicy?: PodFailurePolicy
  successPolicy?: {rules?: SuccessPolicyRule[]}
  managedBy?: string
  selector?: LabelSelector
  template?: PodTemplateSpec
}

/** One rule of spec.podFailurePolicy: what to do with a failed pod matching its exit codes or pod conditions. */
export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count' | string
  onExitCodes?: {containerName?: string; operator: 'In' | 'NotIn' | string; values: number[]}
  onPodConditions?: {type: string; status?: string}[]
}

export interface PodFailurePolicy {
  rules?: PodFailurePolicyRule[]
}

/** One rule of spec.successPolicy: the job succeeds once these indexes (or this many of them) succeeded. */
export interface SuccessPolicyRule {
  succeededIndexes?: string
  succeededCount?: number
}

/** The status the Job controller reports. */
export interface JobStatus {
  conditions?: Condition[]
  startTime?: string
  completionTime?: string
  active?: number
  succeeded?: number
  failed?: number
  ready?: number
  terminating?: number
  completedIndexes?: string
  failedIndexes?: string
  uncountedTerminatedPods?: {succeeded?: string[]; failed?: string[]}
}

export interface Job extends KubeObject {
  spec?: JobSpec
  status?: JobStatus
}

/** Finalizer the Job controller keeps on its pods until it has counted them in status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking'
/** Annotation and label carrying an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index'
/** Annotation counting the earlier failures of a pod's index (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count'
/** Annotation counting the earlier failures of a pod's index that the pod failure policy ignored. */
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count'

function defaultJob(job: Job): void {
  const spec = (job.spec ??= {})
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1
    spec.parallelism = 1
  }
  if (spec.parallelism == null) spec.parallelism = 1
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6
  const templateLabels = spec.template?.metadata?.labels
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = {...templateLabels}
  setIfAbsent(spec, 'completionMode', 'NonIndexed')
  if (spec.suspend == null) spec.suspend = false
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) setIfAbsent(c, 'status', 'True')
  setIfAbsent(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed')
  if (spec.manualSelector == null) spec.manualSelector = false
  defaultPodTemplate((spec.template ??= {}))
}

export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid'
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid'
export const LEGACY_JOB_NAME_LABEL = 'job-name'
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name'

/**
 * The Job strategy's generateSelector: once the Job has its name and uid, label the template with the job name and
 * uid (new and legacy keys) and select on batch.kubernetes.io/controller-uid. Skipped when spec.manualSelector is true.
 * Labels the user already set are kept, so a conflicting selector is left for validation to reject.
 */
export function defaultJobSelector(obj: KubeObject): void {
  const job = obj as Job
  const spec = (job.spec ??= {})
  if (spec.manualSelector === true) return
  const template = (spec.template ??= {})
  const labels = ((template.metadata ??= {}).labels ??= {})
  const name = job.metadata.name ?? ''
  const uid = job.metadata.uid ?? ''
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[k] === undefined) labels[k] = name
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (labels[k] === undefined) labels[k] = uid
  const matchLabels = ((spec.selector ??= {}).matchLabels ??= {})
  if (matchLabels[CONTROLLER_UID_LABEL] === undefined) matchLabels[CONTROLLER_UID_LABEL] = uid
  // The real server re-runs SetDefaults_Job when reading back from storage, which copies these template labels
  // onto an unlabelled Job; doing it here gives the same stored object.
  if (Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = {...labels}
}

/** Validation of a JobSpec, shared with the jobTemplate of CronJobs. */
export function validateJobSpecCommon(spec: JobSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  causes.push(...nonNegative(spec.parallelism, `${path}.parallelism`))
  causes.push(...nonNegative(spec.completions, `${path}.completions`))
  causes.push(...nonNegative(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`))
  causes.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`))
  causes.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`))
  if (spec.completionMode !== undefined && !['NonIndexed', 'Indexed'].includes(spec.completionMode)) {
    causes.push(notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']))
  }
  if (spec.completionMode === 'Indexed' && spec.completions == null) causes.push(required(`${path}.completions`, 'when completion mode is Indexed'))
  causes.push(...validatePodTemplateSpec(spec.template, `${path}.template`))
  const rp = spec.template?.spec?.restartPolicy
  if (rp !== 'OnFailure' && rp !== 'Never') causes.push(notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']))
  causes.push(...validateJobPolicies(spec, path))
  return causes
}

function validateJobSpec(spec: JobSpec): StatusCause[] {
  const causes = validateJobSpecCommon(spec, 'spec')
  if (!spec.selector) causes.push(required('spec.selector'))
  else {
    causes.push(...validateLabelSelector(spec.selector, 'spec.selector'))
    if (selectorMismatch(spec.selector, spec.template?.metadata?.labels)) {
      causes.push(invalid('spec.template.metadata.labels', goStringMap(spec.template?.metadata?.labels), '`selector` does not match template `labels`'))
    }
  }
  return causes
}

function podTemplateValue(t: unknown): GoValue {
  // The real message dumps the whole Go struct; a compact JSON keeps the meaning without the noise.
  return new GoValue(`core.PodTemplateSpec${JSON.stringify(t ?? {})}`)
}

function validateUpdate(obj: KubeObject, old: KubeObject): StatusCause[] {
  const n: JobSpec = (obj as Job).spec ?? {}
  const o: JobSpec = (old as Job).spec ?? {}
  const causes = immutable(n.selector, o.selector, 'spec.selector', goLabelSelector)
  causes.push(...immutable(n.completionMode, o.completionMode, 'spec.completionMode'))
  // Elastic indexed jobs may scale completions together with parallelism.
  if (!(n.completionMode === 'Indexed' && n.completions === n.parallelism && o.completions === o.parallelism)) {
    causes.push(...immutable(n.completions, o.completions, 'spec.completions'))
  }
  causes.push(...immutable(n.podFailurePolicy, o.podFailurePolicy, 'spec.podFailurePolicy'))
  if (!semanticEqual(n.template, o.template)) {
    // A suspended job that never started may change its scheduling directives; treat the rest as immutable.
    const strip = (t: PodTemplateSpec | undefined): PodTemplateSpec => {
      const c = structuredClone(t ?? {})
      for (const f of ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']) if (c.spec) delete c.spec[f]
      if (c.metadata) {
        delete c.metadata.labels
        delete c.metadata.annotations
      }
      return c
    }
    const allowed = n.suspend === true && !(old as Job).status?.startTime && semanticEqual(strip(n.template), strip(o.template))
    if (!allowed) causes.push(invalid('spec.template', podTemplateValue(n.template), FIELD_IMMUTABLE_MSG))
  }
  return causes
}

function jobStatus(job: Job): string {
  const conditions = job.status?.conditions ?? []
  if (conditionTrue(conditions, 'Complete')) return 'Complete'
  if (conditionTrue(conditions, 'Failed')) return 'Failed'
  if (job.metadata?.deletionTimestamp) return 'Terminating'
  if (conditionTrue(conditions, 'Suspended')) return 'Suspended'
  if (conditionTrue(conditions, 'FailureTarget')) return 'FailureTarget'
  if (conditionTrue(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet'
  return 'Running'
}

function jobCompletions(job: Job): string {
  const succeeded = int(job.status?.succeeded)
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`
  const parallelism = int(job.spec?.parallelism)
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`
}

function jobDuration(job: Job, now: Date): string {
  const start = job.status?.startTime
  if (!start) return ''
  const end = job.status?.completionTime
  return humanDuration((end ? Date.parse(end) : now.getTime()) - Date.parse(start))
}

/** Patch shape of a JobSpec, shared with CronJob's jobTemplate. */
export const jobSpecPatch: TypeDesc = {template: {type: podTemplateSpecPatch}}
export const jobTemplatePatch: TypeDesc = {metadata: {type: objectMetaPatch}, spec: {type: jobSpecPatch}}

/** Protobuf messages of a JobSpec and the pod template it embeds, shared with CronJob. */
export const jobSpecMessages: Record<string, MessageSchema> = {
  ...podMessages,
  JobSpec: {
    1: ['parallelism', I32, 'k'], 2: ['completions', I32, 'k'], 3: ['activeDeadlineSeconds', I64, 'k'], 4: ['selector', 'LabelSelector'],
    5: ['manualSelector', B, 'k'], 6: ['template', 'PodTemplateSpec'], 7: ['backoffLimit', I32, 'k'], 8: ['ttlSecondsAfterFinished', I32, 'k'],
    9: ['completionMode', S, 'k'], 10: ['suspend', B, 'k'], 12: ['backoffLimitPerIndex', I32, 'k'], 13: ['maxFailedIndexes', I32, 'k'],
    14: ['podReplacementPolicy', S, 'k'], 15: ['managedBy', S, 'k'], 11: ['podFailurePolicy', 'PodFailurePolicy'], 16: ['successPolicy', 'SuccessPolicy'],
  },
  PodFailurePolicy: {1: ['rules', 'PodFailurePolicyRule', 'r']},
  PodFailurePolicyRule: {1: ['action', S], 2: ['onExitCodes', 'PodFailurePolicyOnExitCodesRequirement'], 3: ['onPodConditions', 'PodFailurePolicyOnPodConditionsPattern', 'r']},
  PodFailurePolicyOnExitCodesRequirement: {1: ['containerName', S, 'k'], 2: ['operator', S], 3: ['values', I32, 'r']},
  PodFailurePolicyOnPodConditionsPattern: {1: ['type', S], 2: ['status', S]},
  SuccessPolicy: {1: ['rules', 'SuccessPolicyRule', 'r']},
  SuccessPolicyRule: {1: ['succeededIndexes', S, 'k'], 2: ['succeededCount', I32, 'k']},
}

export const job = defineResource('batch', 'v1', 'Job', {
  categories: ['all'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default(obj) {
    defaultJob(obj)
    // Once the object has its uid (the apiserver assigns it before defaulting), generate the selector too;
    // generation keeps existing labels, so running it again on updates changes nothing.
    if (obj.metadata.uid) defaultJobSelector(obj)
  },
  validate: (obj) => validateJobSpec((obj as Job).spec ?? {}),
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'Status of the job.'),
      col('Completions', 'string', 0, 'The number of pods which reached phase Succeeded.'),
      col('Duration', 'string', 0, 'Time required to complete the job.'),
      AGE,
      CONTAINERS,
      IMAGES,
      col('Selector', 'string', 1, 'A label query over pods that should match the pod count.'),
    ],
    row(o, now) {
      const [c, i] = containerCells(o.spec?.template?.spec?.containers)
      return [name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o, now), c, i, formatLabelSelector(o.spec?.selector)]
    },
  },
  patch: kindPatch({spec: {type: jobSpecPatch}, status: {type: conditionsStatusPatch}}),
  protobuf: {
    ...jobSpecMessages,
    Job: specStatusMessage('JobSpec', 'JobStatus'),
    JobStatus: {
      1: ['conditions', 'JobCondition', 'r'], 2: ['startTime', 'Time'], 3: ['completionTime', 'Time'], 4: ['active', I32], 5: ['succeeded', I32], 6: ['failed', I32],
      7: ['completedIndexes', S], 8: ['uncountedTerminatedPods', 'UncountedTerminatedPods'], 9: ['ready', I32, 'k'], 10: ['failedIndexes', S, 'k'], 11: ['terminating', I32, 'k'],
    },
    JobCondition: {1: ['type', S], 2: ['status', S], 3: ['lastProbeTime', 'Time'], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S], 6: ['message', S]},
    UncountedTerminatedPods: {1: ['succeeded', S, 'r'], 2: ['failed', S, 'r']},
  },
  strategy: {deleteReturnsObject: true},
})
