// ValidatingWebhookConfiguration and MutatingWebhookConfiguration (admissionregistration.k8s.io/v1): where admission calls out.
import {parse} from '@marcbachmann/cel-js'
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
import {isDNS1123Subdomain} from '../../validation/names.js'
import {defineResource, type ResourceDef} from '../def.js'
import {validateLabelSelector} from '../shared/checks.js'
import {kindPatch, mergeBy} from '../shared/patch.js'
import {I32, S, type MessageSchema} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'
import {defaultRule, FAILURE_POLICIES, MATCH_POLICIES, oneOf, ruleMessages, uniqueNames, validateClientConfig, validateRuleWithOperations} from './shared.js'
import {ADMISSION_GROUP, type Webhook, type WebhookConfiguration} from './types.js'

const REVIEW_VERSIONS = ['v1', 'v1beta1']
const SIDE_EFFECTS = ['None', 'NoneOnDryRun']
const REINVOCATION = ['IfNeeded', 'Never']

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook (v1): no default for sideEffects or review versions. */
function defaultWebhook(w: Webhook, mutating: boolean): void {
  w.failurePolicy ??= 'Fail'
  w.matchPolicy ??= 'Equivalent'
  w.namespaceSelector ??= {}
  w.objectSelector ??= {}
  w.timeoutSeconds ??= 10
  if (mutating) w.reinvocationPolicy ??= 'Never'
  for (const r of w.rules ?? []) defaultRule(r)
  const svc = w.clientConfig?.service
  if (svc) svc.port ??= 443
}

function validateReviewVersions(versions: string[] | undefined, path: string): StatusCause[] {
  const vs = versions ?? []
  if (vs.length === 0) return [required(path, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)]
  if (!vs.some((v) => REVIEW_VERSIONS.includes(v))) return [invalid(path, vs, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`)]
  return []
}

/** A webhook name is a fully qualified name: a DNS subdomain of at least three segments. */
function validateWebhookName(name: string, path: string): StatusCause[] {
  if (!name) return [required(path)]
  const causes = isDNS1123Subdomain(name).map((m) => invalid(path, name, m))
  if (causes.length === 0 && name.split('.').length < 3) causes.push(invalid(path, name, 'should be a domain with at least three segments separated by dots'))
  return causes
}

function validateWebhook(w: Webhook, path: string, mutating: boolean): StatusCause[] {
  const causes = validateWebhookName(w.name ?? '', `${path}.name`)
  ;(w.rules ?? []).forEach((r, i) => causes.push(...validateRuleWithOperations(r, `${path}.rules[${i}]`)))
  causes.push(...oneOf(w.failurePolicy, `${path}.failurePolicy`, FAILURE_POLICIES))
  causes.push(...oneOf(w.matchPolicy, `${path}.matchPolicy`, MATCH_POLICIES))
  if (mutating) causes.push(...oneOf(w.reinvocationPolicy, `${path}.reinvocationPolicy`, REINVOCATION))
  if (w.sideEffects === undefined) causes.push(required(`${path}.sideEffects`, `must specify one of ${SIDE_EFFECTS.join(', ')}`))
  else if (!SIDE_EFFECTS.includes(w.sideEffects)) causes.push(notSupported(`${path}.sideEffects`, w.sideEffects, SIDE_EFFECTS))
  const t = w.timeoutSeconds
  if (t !== undefined && (t < 1 || t > 30)) causes.push(invalid(`${path}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'))
  causes.push(...validateLabelSelector(w.namespaceSelector, `${path}.namespaceSelector`))
  causes.push(...validateLabelSelector(w.objectSelector, `${path}.objectSelector`))
  causes.push(...validateReviewVersions(w.admissionReviewVersions, `${path}.admissionReviewVersions`))
  causes.push(...validateClientConfig(w.clientConfig, `${path}.clientConfig`))
  ;(w.matchConditions ?? []).forEach((c, i) => causes.push(...validateMatchCondition(c, `${path}.matchConditions[${i}]`)))
  causes.push(...uniqueNames(w.matchConditions ?? [], `${path}.matchConditions`))
  return causes
}

function validateMatchCondition(c: {name?: string; expression?: string}, path: string): StatusCause[] {
  if (!c.name) return [required(`${path}.name`)]
  if (!c.expression) return [required(`${path}.expression`)]
  try {
    parse(c.expression)
    return []
  } catch (e) {
    return [invalid(`${path}.expression`, c.expression, `compilation failed: ERROR: <input>: ${(e as Error).message.split('\n')[0]}`)]
  }
}

const webhooksOf = (o: KubeObject): Webhook[] => ((o as WebhookConfiguration).webhooks ?? [])

function validateConfiguration(o: KubeObject, mutating: boolean): StatusCause[] {
  const hooks = webhooksOf(o)
  return [...hooks.flatMap((w, i) => validateWebhook(w, `webhooks[${i}]`, mutating)), ...uniqueNames(hooks, 'webhooks')]
}

const webhookFields = (o: number): MessageSchema => ({
  1: ['name', S], 2: ['clientConfig', 'WebhookClientConfig'], 3: ['rules', 'RuleWithOperations', 'r'], 4: ['failurePolicy', S],
  5: ['namespaceSelector', 'LabelSelector'], 6: ['sideEffects', S], 7: ['timeoutSeconds', I32], 8: ['admissionReviewVersions', S, 'r'],
  9: ['matchPolicy', S], [o]: ['objectSelector', 'LabelSelector'],
})

const table = nameCellsAge([col('Webhooks', 'integer', 0, 'Webhooks indicates the number of webhooks.')], (o) => [webhooksOf(o).length])

function configurationKind(kind: string, mutating: boolean, messages: Record<string, MessageSchema>): ResourceDef {
  return defineResource(ADMISSION_GROUP, 'v1', kind, {
    namespaced: false,
    categories: ['api-extensions'],
    fields: ['webhooks'],
    default(obj) {
      for (const w of webhooksOf(obj)) defaultWebhook(w, mutating)
    },
    validate: (o) => validateConfiguration(o, mutating),
    table,
    patch: kindPatch({webhooks: mergeBy('name')}),
    protobuf: {...messages, ...ruleMessages},
  })
}

export const validatingWebhookConfiguration = configurationKind('ValidatingWebhookConfiguration', false, {
  ValidatingWebhookConfiguration: {1: ['metadata', 'ObjectMeta'], 2: ['webhooks', 'ValidatingWebhook', 'r']},
  ValidatingWebhook: {...webhookFields(10), 11: ['matchConditions', 'MatchCondition', 'r']},
})

export const mutatingWebhookConfiguration = configurationKind('MutatingWebhookConfiguration', true, {
  MutatingWebhookConfiguration: {1: ['metadata', 'ObjectMeta'], 2: ['webhooks', 'MutatingWebhook', 'r']},
  MutatingWebhook: {...webhookFields(11), 10: ['reinvocationPolicy', S], 12: ['matchConditions', 'MatchCondition', 'r']},
})
