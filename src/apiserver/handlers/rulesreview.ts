// SelfSubjectRulesReview: the rules the caller holds in spec.namespace, from the authorizers that can list them; never stored.
import {apiVersionOf} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {decodeBody, mediaType} from '../body.js'
import {errors} from '../errors.js'
import type {HandlerInput, HandlerResult} from './types.js'

/** POST selfsubjectrulesreviews: resource and non-resource rules, `incomplete` when an authorizer cannot enumerate its rules. */
export async function selfSubjectRulesReview(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r, user} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  const body = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject | undefined
  const namespace = (body?.spec as {namespace?: string} | undefined)?.namespace ?? ''
  // Kubernetes refuses a review without a namespace.
  if (!namespace) throw errors.badRequest('no namespace on request')
  const result = ctx.authorizer.rulesFor ? await ctx.authorizer.rulesFor(user, namespace) : {rules: [], incomplete: true, errors: []}
  const resourceRules = result.rules.filter((x) => !x.nonResourceURLs?.length)
    .map(({verbs, apiGroups, resources, resourceNames}) => ({verbs: verbs ?? [], apiGroups, resources, resourceNames}))
  const nonResourceRules = result.rules.filter((x) => x.nonResourceURLs?.length).map(({verbs, nonResourceURLs}) => ({verbs: verbs ?? [], nonResourceURLs}))
  return {code: 201, body: {
    apiVersion: apiVersionOf(r.def), kind: r.def.kind, metadata: {creationTimestamp: null}, spec: {namespace},
    status: {resourceRules, nonResourceRules, incomplete: result.incomplete, ...(result.errors.length ? {evaluationError: result.errors.join(', ')} : {})},
  }}
}
