// POST serviceaccounts/NAME/token (TokenRequest): a signed token for the ServiceAccount, optionally bound to a pod or secret.
import {apiVersionOf} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {admitValidating} from '../admission/chain.js'
import {decodeBody, mediaType} from '../body.js'
import {getOrNotFound, keyOf, type ServerContext} from '../context.js'
import {ApiError, errors} from '../errors.js'
import type {TokenAuthenticator} from '../authn.js'
import type {HandlerInput, HandlerResult} from '../handlers/types.js'
import {DEFAULT_AUDIENCES, DEFAULT_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS, type BoundObject, type UidLookup} from './tokens.js'

/** Reads current uids from the store: what the authenticator checks a token's claims against. */
export function storeLookup(ctx: ServerContext): UidLookup {
  return async (kind, namespace, name) => {
    const def = ctx.registry.byKind('', 'v1', kind)
    if (!def) return undefined
    const stored = await ctx.store.get(keyOf(def, namespace, name))
    return stored?.value.metadata.uid
  }
}

function invalid(name: string, field: string, value: unknown, detail: string): ApiError {
  const message = `TokenRequest.authentication.k8s.io "${name}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`
  return new ApiError(422, 'Invalid', message, {name, group: 'authentication.k8s.io', kind: 'TokenRequest',
    causes: [{reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field}]})
}

/** The bound object, checked to exist in the namespace with the uid given (when one is). */
async function boundObject(ctx: ServerContext, namespace: string, name: string, ref: Record<string, unknown> | undefined): Promise<BoundObject | undefined> {
  if (!ref) return undefined
  const kind = ref.kind
  if (kind !== 'Pod' && kind !== 'Secret') throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to object of kind ${String(kind)}`)
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to object of apiVersion ${String(ref.apiVersion)}`)
  const def = ctx.registry.byKind('', 'v1', kind)
  if (!def) throw errors.badRequest(`unknown kind ${kind}`)
  const obj = await getOrNotFound(ctx, def, namespace, String(ref.name ?? ''))
  const uid = String(obj.value.metadata.uid ?? '')
  if (ref.uid && ref.uid !== uid) {
    throw new ApiError(409, 'Conflict', `the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`)
  }
  return {kind, name: String(obj.value.metadata.name ?? ref.name), uid}
}

/** Issues the token the TokenRequest asks for and answers it with status.token and expirationTimestamp. */
export async function tokenRequest(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  const tokens = ctx.serviceAccountTokens
  if (!tokens) throw new ApiError(503, 'ServiceUnavailable', 'service account tokens are not configured on this apiserver')
  const namespace = r.namespace ?? 'default'
  const name = r.name ?? ''
  const body = (decodeBody(input.raw, mediaType(input.req), ctx.deps) ?? {}) as KubeObject
  const spec = (body.spec ?? {}) as {audiences?: string[]; expirationSeconds?: number; boundObjectRef?: Record<string, unknown>}
  const seconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds)
  if (seconds < MIN_EXPIRATION_SECONDS) throw invalid(name, 'spec.expirationSeconds', seconds, 'may not specify a duration less than 10 minutes')
  if (seconds > 2 ** 32) throw invalid(name, 'spec.expirationSeconds', seconds, 'may not specify a duration larger than 2^32 seconds')
  const sa = await getOrNotFound(ctx, r.def, namespace, name)
  // Admission sees the TokenRequest as a create of the token subresource (NodeRestriction: nodes ask only for their pods).
  await admitValidating(ctx.admission, {operation: 'CREATE', def: r.def, namespace, name, subresource: 'token', object: body, user: input.user, dryRun: false}, ctx)
  const bound = await boundObject(ctx, namespace, name, spec.boundObjectRef)
  const audiences = spec.audiences?.length ? spec.audiences : DEFAULT_AUDIENCES
  const {token, expiration} = await tokens.issue({namespace, name, uid: String(sa.value.metadata.uid ?? ''), bound}, audiences, seconds)
  return {code: 201, body: {
    apiVersion: apiVersionOf({group: 'authentication.k8s.io', version: 'v1'}), kind: 'TokenRequest',
    metadata: {name, namespace, creationTimestamp: null},
    spec: {audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null},
    status: {token, expirationTimestamp: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')},
  }}
}

/** The bearer-token authenticator of a server with service-account tokens (undefined without a key). */
export function serviceAccountAuthenticator(ctx: ServerContext): TokenAuthenticator | undefined {
  const tokens = ctx.serviceAccountTokens
  if (!tokens) return undefined
  const lookup = storeLookup(ctx)
  return async (token) => {
    const user = await tokens.authenticate(token, lookup)
    return user ? {name: user.name, groups: user.groups} : undefined
  }
}
