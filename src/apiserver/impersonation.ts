// Impersonation (kubectl --as/--as-group): the Impersonate-* headers replace the request's user when the caller may impersonate.
import type {IncomingMessage} from 'node:http'
import {authenticated, type UserInfo} from './authn.js'
import {type Authorizer, forbidden} from './authz/index.js'
import {errors} from './errors.js'

const SA_PREFIX = 'system:serviceaccount:'

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name]
  if (v === undefined) return []
  // Node joins repeated headers with ", "; group names never contain that sequence.
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(', ')).map((s) => s.trim()).filter(Boolean)
}

/**
 * The user a request acts as: `user` itself without Impersonate-* headers, otherwise the impersonated user after
 * asking `impersonate` on each impersonated part (users or serviceaccounts, groups, uids, userextras) as Kubernetes does.
 */
export async function impersonatedUser(req: IncomingMessage, user: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const names = headerValues(req, 'impersonate-user')
  const groups = headerValues(req, 'impersonate-group')
  const uids = headerValues(req, 'impersonate-uid')
  const extras = Object.keys(req.headers).filter((h) => h.startsWith('impersonate-extra-'))
  if (!names.length && !groups.length && !uids.length && !extras.length) return user
  if (names.length !== 1) throw errors.badRequest(`requested ${[...groups, ...uids].join(', ') || 'impersonation'} without impersonating a user`)
  const name = names[0]
  const ask = async (resource: string, objectName: string, apiGroup = '', namespace?: string) => {
    const attrs = {user, verb: 'impersonate', resourceRequest: true, apiGroup, resource, name: objectName, namespace}
    const d = await authorizer.authorize(attrs)
    if (d.decision !== 'allow') throw forbidden(attrs, d.reason)
  }
  const impersonated: UserInfo = {name, groups: []}
  if (name.startsWith(SA_PREFIX)) {
    const [namespace, saName] = name.slice(SA_PREFIX.length).split(':')
    await ask('serviceaccounts', saName ?? '', '', namespace)
    impersonated.groups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`)
  } else {
    await ask('users', name)
  }
  for (const g of groups) {
    await ask('groups', g)
    if (!impersonated.groups.includes(g)) impersonated.groups.push(g)
  }
  for (const u of uids) await ask('uids', u, 'authentication.k8s.io')
  for (const h of extras) {
    const key = decodeURIComponent(h.slice('impersonate-extra-'.length))
    for (const v of headerValues(req, h)) await ask(`userextras/${key}`, v, 'authentication.k8s.io')
  }
  // Kubernetes adds system:authenticated to every impersonated user except system:anonymous.
  return name === 'system:anonymous' ? impersonated : authenticated(impersonated)
}
