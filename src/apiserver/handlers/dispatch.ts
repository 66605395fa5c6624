// Picks the handler for a routed resource request by verb and subresource.
import {errors} from '../errors.js'
import {get, list} from './read.js'
import {create, patch, update} from './write.js'
import {remove, removeCollection} from './delete.js'
import {watch} from './watch.js'
import {binding, scale} from './subresources.js'
import {eviction} from './eviction.js'
import {tokenRequest} from '../serviceaccount/tokenrequest.js'
import {tokenReview} from '../serviceaccount/tokenreview.js'
import {selfSubjectReview} from './reviews.js'
import {selfSubjectRulesReview} from './rulesreview.js'
import {accessReview} from './accessreviews.js'
import type {HandlerInput, HandlerResult} from './types.js'

/** Runs the handler for `input.r`. */
export function dispatch(input: HandlerInput): Promise<HandlerResult> {
  const r = input.r
  switch (r.subresource) {
    case undefined: break
    case 'status':
      if (r.verb === 'get') return get(input)
      if (r.verb === 'update') return update(input)
      if (r.verb === 'patch') return patch(input)
      throw errors.methodNotAllowed(r.verb)
    case 'scale': return scale(input)
    case 'binding':
      if (r.verb === 'create') return binding(input)
      throw errors.methodNotAllowed(r.verb)
    case 'eviction': return eviction(input)
    case 'token': return tokenRequest(input)
    case 'finalize':
      if (r.verb === 'update') return update({...input, r: {...r, subresource: undefined}})
      throw errors.methodNotAllowed(r.verb)
    default:
      throw errors.notFoundPath()
  }
  if (r.def.kind === 'Binding' && r.verb === 'create') return binding(input)
  if (r.def.kind === 'SelfSubjectReview' && r.def.group === 'authentication.k8s.io') return selfSubjectReview(input)
  if (r.def.kind === 'TokenReview' && r.def.group === 'authentication.k8s.io') return tokenReview(input)
  if (r.def.kind === 'SelfSubjectRulesReview' && r.def.group === 'authorization.k8s.io') return selfSubjectRulesReview(input)
  if (r.def.group === 'authorization.k8s.io' && r.def.kind.endsWith('SubjectAccessReview')) return accessReview(input)
  switch (r.verb) {
    case 'get': return get(input)
    case 'list': return list(input)
    case 'watch': return watch(input)
    case 'create': return create(input)
    case 'update': return update(input)
    case 'patch': return patch(input)
    case 'delete': return remove(input)
    case 'deletecollection': return removeCollection(input)
  }
}
