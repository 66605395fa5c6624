// POST tokenreviews: asks the service-account token authenticator about a token; the answer is never stored.
import {apiVersionOf} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {decodeBody, mediaType} from '../body.js'
import {ApiError, errors} from '../errors.js'
import type {HandlerInput, HandlerResult} from '../handlers/types.js'
import {storeLookup} from './tokenrequest.js'
import {DEFAULT_AUDIENCES} from './tokens.js'

/** Answers status.authenticated, the user and the audiences the token is valid for (Kubernetes' TokenReview REST). */
export async function tokenReview(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  const body = (decodeBody(input.raw, mediaType(input.req), ctx.deps) ?? {}) as KubeObject
  const spec = (body.spec ?? {}) as {token?: string; audiences?: string[]}
  if (!spec.token) {
    throw new ApiError(422, 'Invalid', 'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value: token must not be empty',
      {group: 'authentication.k8s.io', kind: 'TokenReview', causes: [{reason: 'FieldValueRequired', message: 'Required value: token must not be empty', field: 'spec.token'}]})
  }
  const audiences = spec.audiences?.length ? spec.audiences : DEFAULT_AUDIENCES
  const user = ctx.serviceAccountTokens ? await ctx.serviceAccountTokens.authenticate(spec.token, storeLookup(ctx), audiences) : undefined
  const status = user
    ? {authenticated: true, user: {username: user.name, groups: [...user.groups, 'system:authenticated']}, audiences: spec.audiences?.length ? user.audiences : []}
    : {authenticated: false, user: {}, error: 'invalid bearer token'}
  return {code: 201, body: {
    apiVersion: apiVersionOf(r.def), kind: r.def.kind, metadata: {...(body.metadata ?? {}), creationTimestamp: null},
    spec: {token: spec.token, ...(spec.audiences ? {audiences: spec.audiences} : {})}, status,
  }}
}
