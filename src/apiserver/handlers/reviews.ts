// Review kinds answered from the request itself and never stored: SelfSubjectReview (who am I).
import {apiVersionOf} from '../../api/registry.js'
import {decodeBody, mediaType} from '../body.js'
import {errors} from '../errors.js'
import type {HandlerInput, HandlerResult} from './types.js'

/** POST selfsubjectreviews: the caller's user name and groups, as the apiserver authenticated them. */
export async function selfSubjectReview(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r, user} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  // The body carries nothing to act on, but a malformed one is still a bad request.
  decodeBody(input.raw, mediaType(input.req), ctx.deps)
  return {code: 201, body: {
    apiVersion: apiVersionOf(r.def), kind: r.def.kind, metadata: {creationTimestamp: null},
    status: {userInfo: {username: user.name, groups: user.groups}},
  }}
}
