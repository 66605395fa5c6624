// SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview: asked of ctx.authorizer, never stored.
import {apiVersionOf} from '../../api/registry.js'
import type {UserInfo} from '../authn.js'
import type {AuthorizationAttributes} from '../authz/types.js'
import {decodeBody, mediaType} from '../body.js'
import {errors} from '../errors.js'
import type {HandlerInput, HandlerResult} from './types.js'

type Attrs = {namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string}
type Spec = {resourceAttributes?: Attrs; nonResourceAttributes?: {path?: string; verb?: string}; user?: string; groups?: string[]; uid?: string}

/** POST one of the three access-review kinds: status.allowed/denied/reason from the authorizer. */
export async function accessReview(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  const body = decodeBody(input.raw, mediaType(input.req), input.ctx.deps) as {spec?: Spec; metadata?: Record<string, unknown>}
  const spec: Spec = body?.spec ?? {}
  const kind = r.def.kind
  const ra = spec.resourceAttributes
  const nra = spec.nonResourceAttributes
  // Kubernetes' validation: exactly one of the two attribute sets; a user or group for the non-self kinds.
  const invalid = (field: string, message: string) => errors.invalid(kind, r.def.group, '', [{field, message, reason: 'FieldValueRequired'}])
  if (!ra && !nra) throw invalid('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')
  if (ra && nra) throw invalid('spec.nonResourceAttributes', 'cannot be specified in combination with resourceAttributes')
  let user: UserInfo
  if (kind === 'SelfSubjectAccessReview') user = input.user
  else {
    if (!spec.user && !(spec.groups?.length)) throw invalid('spec.user', 'at least one of user or group must be specified')
    user = {name: spec.user ?? '', groups: spec.groups ?? []}
  }
  if (kind === 'LocalSubjectAccessReview' && ra && (ra.namespace ?? '') !== (r.namespace ?? '')) {
    throw invalid('spec.resourceAttributes.namespace', 'must match metadata.namespace')
  }
  const attrs: AuthorizationAttributes = ra
    ? {user, verb: ra.verb ?? '', resourceRequest: true, apiGroup: ra.group ?? '', apiVersion: ra.version,
      resource: ra.resource, subresource: ra.subresource, namespace: ra.namespace, name: ra.name}
    : {user, verb: nra?.verb ?? '', resourceRequest: false, path: nra?.path}
  const d = await ctx.authorizer.authorize(attrs)
  const status: Record<string, unknown> = {allowed: d.decision === 'allow'}
  if (d.decision === 'deny') status.denied = true
  if (d.reason) status.reason = d.reason
  const metadata: Record<string, unknown> = {...(body?.metadata ?? {}), creationTimestamp: null}
  if (kind === 'LocalSubjectAccessReview') metadata.namespace = r.namespace
  return {code: 201, body: {apiVersion: apiVersionOf(r.def), kind, metadata, spec, status}}
}
