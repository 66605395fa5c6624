// admissionregistration.k8s.io/v1 shapes shared by the kinds and the apiserver's webhook and policy admission.
import type {KubeObject} from '../../types.js'
import type {LabelSelector} from '../../selectors.js'

export const ADMISSION_GROUP = 'admissionregistration.k8s.io'

/** Rule: which resources of which groups and versions, and in which scope. */
export interface Rule {
  apiGroups?: string[]
  apiVersions?: string[]
  resources?: string[]
  /** Cluster, Namespaced or * (default). */
  scope?: string
}

/** RuleWithOperations: a Rule (inlined in JSON) plus the operations it covers. */
export interface RuleWithOperations extends Rule {
  operations?: string[]
}

/** NamedRuleWithOperations: a rule limited to some object names. */
export interface NamedRuleWithOperations extends RuleWithOperations {
  resourceNames?: string[]
}

export interface ServiceReference {
  namespace?: string
  name?: string
  path?: string
  port?: number
}

export interface WebhookClientConfig {
  url?: string
  service?: ServiceReference
  /** Base64 (in JSON) PEM bundle the webhook's serving certificate must chain to. */
  caBundle?: string
}

/** One webhook of a Validating- or MutatingWebhookConfiguration. */
export interface Webhook {
  name: string
  clientConfig?: WebhookClientConfig
  rules?: RuleWithOperations[]
  failurePolicy?: 'Fail' | 'Ignore'
  matchPolicy?: 'Exact' | 'Equivalent'
  namespaceSelector?: LabelSelector
  objectSelector?: LabelSelector
  sideEffects?: string
  timeoutSeconds?: number
  admissionReviewVersions?: string[]
  /** Mutating webhooks only. */
  reinvocationPolicy?: 'Never' | 'IfNeeded'
  matchConditions?: Array<{name?: string; expression?: string}>
}

export interface WebhookConfiguration extends KubeObject {
  webhooks?: Webhook[]
}

export interface MatchResources {
  namespaceSelector?: LabelSelector
  objectSelector?: LabelSelector
  resourceRules?: NamedRuleWithOperations[]
  excludeResourceRules?: NamedRuleWithOperations[]
  matchPolicy?: 'Exact' | 'Equivalent'
}

export interface Validation {
  expression?: string
  message?: string
  reason?: string
  messageExpression?: string
}

export interface ValidatingAdmissionPolicySpec {
  paramKind?: {apiVersion?: string; kind?: string}
  matchConstraints?: MatchResources
  validations?: Validation[]
  failurePolicy?: 'Fail' | 'Ignore'
  auditAnnotations?: Array<{key?: string; valueExpression?: string}>
  matchConditions?: Array<{name?: string; expression?: string}>
  variables?: Array<{name?: string; expression?: string}>
}

export interface ParamRef {
  name?: string
  namespace?: string
  selector?: LabelSelector
  parameterNotFoundAction?: 'Allow' | 'Deny'
}

export interface ValidatingAdmissionPolicyBindingSpec {
  policyName?: string
  paramRef?: ParamRef
  matchResources?: MatchResources
  validationActions?: string[]
}
