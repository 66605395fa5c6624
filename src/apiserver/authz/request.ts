// Turns a routed request into authorization attributes, and a denial into the 403 Kubernetes answers.
import type {UserInfo} from '../authn.js'
import {ApiError} from '../errors.js'
import type {Routed} from '../route.js'
import type {AuthorizationAttributes} from './types.js'

/** The attributes of a routed request (a list or watch on one name is asked as that name, as Kubernetes does). */
export function attributesOf(user: UserInfo, method: string, routed: Routed): AuthorizationAttributes {
  if (routed.kind === 'endpoint') return {user, verb: method.toLowerCase(), resourceRequest: false, path: routed.path}
  // A list or watch narrowed to one name by metadata.name is asked as that name, as Kubernetes' RequestInfo does
  // (the kubelet reads each Secret that way; the Node authorizer allows no unnamed list).
  const name = routed.name ?? (routed.verb === 'watch' || routed.verb === 'list' ? nameFromFieldSelector(routed.query.get('fieldSelector')) : undefined)
  return {
    user, verb: routed.verb, resourceRequest: true, apiGroup: routed.def.group, apiVersion: routed.def.version,
    resource: routed.def.resource, subresource: routed.subresource, namespace: routed.namespace, name,
  }
}

function nameFromFieldSelector(fs: string | null): string | undefined {
  const m = fs?.split(',').map((s) => s.trim()).find((s) => s.startsWith('metadata.name='))
  return m?.slice('metadata.name='.length)
}

/** The 403 Forbidden of a denied request, worded as Kubernetes words it. */
export function forbidden(a: AuthorizationAttributes, reason?: string): ApiError {
  const who = `User "${a.user.name}"`
  const why = reason ? `: ${reason}` : ''
  if (!a.resourceRequest) return new ApiError(403, 'Forbidden', `forbidden: ${who} cannot ${a.verb} path "${a.path}"${why}`, {})
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource!
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource!
  const subject = a.name ? `${qualified} "${a.name}"` : qualified
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope'
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${who} cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" ${scope}${why}`,
    {name: a.name, group: a.apiGroup, kind: a.resource})
}
