// ValidatingAdmissionPolicy and its Binding (admissionregistration.k8s.io/v1): CEL validations the apiserver runs itself.
import {parse} from '@marcbachmann/cel-js'
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported, required} from '../../validation/errors.js'
import {defineResource, statusSubresource} from '../def.js'
import {validateLabelSelector} from '../shared/checks.js'
import {conditionsStatusPatch, kindPatch, mergeBy} from '../shared/patch.js'
import {I64, S} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'
import {defaultMatchResources, FAILURE_POLICIES, oneOf, ruleMessages, uniqueNames, validateMatchResources} from './shared.js'
import {ADMISSION_GROUP, type ValidatingAdmissionPolicyBindingSpec, type ValidatingAdmissionPolicySpec} from './types.js'

const ACTIONS = ['Audit', 'Deny', 'Warn']
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized']

const policySpec = (o: KubeObject): ValidatingAdmissionPolicySpec => (o.spec ?? {}) as ValidatingAdmissionPolicySpec
const bindingSpec = (o: KubeObject): ValidatingAdmissionPolicyBindingSpec => (o.spec ?? {}) as ValidatingAdmissionPolicyBindingSpec

/** A CEL expression that must compile (type checking is not done: skiff's CEL has no Kubernetes type environment). */
function compiles(expr: string | undefined, path: string): StatusCause[] {
  if (expr === undefined || expr.trim() === '') return [required(path)]
  try {
    parse(expr)
    return []
  } catch (e) {
    return [invalid(path, expr, `compilation failed: ERROR: <input>: ${(e as Error).message.split('\n')[0]}`)]
  }
}

function validatePolicy(o: KubeObject): StatusCause[] {
  const s = policySpec(o)
  const causes = validateMatchResources(s.matchConstraints, 'spec.matchConstraints', true)
  causes.push(...oneOf(s.failurePolicy, 'spec.failurePolicy', FAILURE_POLICIES))
  const validations = s.validations ?? []
  if (validations.length === 0 && (s.auditAnnotations ?? []).length === 0) causes.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'))
  validations.forEach((v, i) => {
    const p = `spec.validations[${i}]`
    causes.push(...compiles(v.expression, `${p}.expression`))
    if (v.messageExpression !== undefined) causes.push(...compiles(v.messageExpression, `${p}.messageExpression`))
    if (v.message?.includes('\n')) causes.push(invalid(`${p}.message`, v.message, 'message must not contain line breaks'))
    if (v.reason !== undefined && !REASONS.includes(v.reason)) causes.push(notSupported(`${p}.reason`, v.reason, REASONS))
  })
  ;(s.variables ?? []).forEach((v, i) => {
    if (!v.name) causes.push(required(`spec.variables[${i}].name`))
    causes.push(...compiles(v.expression, `spec.variables[${i}].expression`))
  })
  ;(s.matchConditions ?? []).forEach((m, i) => causes.push(...compiles(m.expression, `spec.matchConditions[${i}].expression`)))
  causes.push(...uniqueNames(s.variables ?? [], 'spec.variables'), ...uniqueNames(s.matchConditions ?? [], 'spec.matchConditions'))
  const pk = s.paramKind
  if (pk) {
    if (!pk.apiVersion) causes.push(required('spec.paramKind.apiVersion'))
    if (!pk.kind) causes.push(required('spec.paramKind.kind'))
  }
  return causes
}

function validateBinding(o: KubeObject): StatusCause[] {
  const s = bindingSpec(o)
  const causes: StatusCause[] = []
  if (!s.policyName) causes.push(required('spec.policyName'))
  const actions = s.validationActions ?? []
  if (actions.length === 0) causes.push(required('spec.validationActions', 'at least one validation action is required'))
  actions.forEach((a, i) => { if (!ACTIONS.includes(a)) causes.push(notSupported(`spec.validationActions[${i}]`, a, ACTIONS)) })
  if (actions.includes('Deny') && actions.includes('Warn')) causes.push(invalid('spec.validationActions', actions, 'must not contain both "Deny" and "Warn"'))
  const ref = s.paramRef
  if (ref) {
    if (ref.name && ref.selector) causes.push(forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'))
    if (!ref.name && !ref.selector) causes.push(required('spec.paramRef', 'one of name or selector must be specified'))
    causes.push(...validateLabelSelector(ref.selector, 'spec.paramRef.selector'))
    if (ref.parameterNotFoundAction === undefined) causes.push(required('spec.paramRef.parameterNotFoundAction'))
    else causes.push(...oneOf(ref.parameterNotFoundAction, 'spec.paramRef.parameterNotFoundAction', ['Allow', 'Deny']))
  }
  causes.push(...validateMatchResources(s.matchResources, 'spec.matchResources', false))
  return causes
}

export const validatingAdmissionPolicy = defineResource(ADMISSION_GROUP, 'v1', 'ValidatingAdmissionPolicy', {
  resource: 'validatingadmissionpolicies',
  namespaced: false,
  categories: ['api-extensions'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  default(obj) {
    const s = policySpec(obj)
    obj.spec = s
    s.failurePolicy ??= 'Fail'
    if (s.matchConstraints) defaultMatchResources(s.matchConstraints)
  },
  validate: validatePolicy,
  table: nameCellsAge(
    [col('Validations', 'integer', 0, 'Validations indicates the number of validation rules defined in this configuration'),
      col('ParamKind', 'string', 0, 'ParamKind specifies the kind of resources used to parameterize this policy')],
    (o) => {
      const s = policySpec(o)
      return [(s.validations ?? []).length, s.paramKind ? `${s.paramKind.apiVersion ?? ''}/${s.paramKind.kind ?? ''}` : '<unset>']
    },
  ),
  patch: kindPatch({spec: {type: {matchConditions: mergeBy('name'), variables: mergeBy('name')}}, status: {type: conditionsStatusPatch}}),
  protobuf: {
    ValidatingAdmissionPolicy: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ValidatingAdmissionPolicySpec'], 3: ['status', 'ValidatingAdmissionPolicyStatus']},
    ValidatingAdmissionPolicySpec: {1: ['paramKind', 'ParamKind'], 2: ['matchConstraints', 'MatchResources'], 3: ['validations', 'Validation', 'r'], 4: ['failurePolicy', S],
      5: ['auditAnnotations', 'AuditAnnotation', 'r'], 6: ['matchConditions', 'MatchCondition', 'r'], 7: ['variables', 'Variable', 'r']},
    ValidatingAdmissionPolicyStatus: {1: ['observedGeneration', I64], 2: ['typeChecking', 'TypeChecking'], 3: ['conditions', 'Condition', 'r']},
    TypeChecking: {1: ['expressionWarnings', 'ExpressionWarning', 'r']},
    ExpressionWarning: {2: ['fieldRef', S], 3: ['warning', S]},
    ParamKind: {1: ['apiVersion', S], 2: ['kind', S]},
    Validation: {1: ['expression', S], 2: ['message', S], 3: ['reason', S], 4: ['messageExpression', S]},
    AuditAnnotation: {1: ['key', S], 2: ['valueExpression', S]},
    Variable: {1: ['name', S], 2: ['expression', S]},
    ...ruleMessages,
  },
})

export const validatingAdmissionPolicyBinding = defineResource(ADMISSION_GROUP, 'v1', 'ValidatingAdmissionPolicyBinding', {
  namespaced: false,
  categories: ['api-extensions'],
  fields: ['spec'],
  default(obj) {
    const m = bindingSpec(obj).matchResources
    if (m) defaultMatchResources(m)
  },
  validate: validateBinding,
  table: nameCellsAge(
    [col('PolicyName', 'string', 0, 'PolicyName references a ValidatingAdmissionPolicy name which the ValidatingAdmissionPolicyBinding binds to.'),
      col('ParamRef', 'string', 0, 'paramRef specifies the parameter resource used to configure the admission control policy.')],
    (o) => {
      const s = bindingSpec(o)
      const ref = s.paramRef
      const param = !ref ? '<unset>' : ref.name ? (ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name) : `${ref.namespace ?? '*'}/*`
      return [s.policyName ?? '', param]
    },
  ),
  patch: kindPatch({}),
  protobuf: {
    ValidatingAdmissionPolicyBinding: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ValidatingAdmissionPolicyBindingSpec']},
    ValidatingAdmissionPolicyBindingSpec: {1: ['policyName', S], 2: ['paramRef', 'ParamRef'], 3: ['matchResources', 'MatchResources'], 4: ['validationActions', S, 'r']},
    ParamRef: {1: ['name', S], 2: ['namespace', S], 3: ['selector', 'LabelSelector'], 4: ['parameterNotFoundAction', S]},
    ...ruleMessages,
  },
})
