// RBAC rule and subject matching, with Kubernetes' semantics (pkg/apis/rbac/v1 evaluation helpers and the authorizer's appliesTo).
import type {PolicyRule, Subject} from '../../../api/resources/rbac/shared.js'
import type {UserInfo} from '../../authn.js'
import type {AuthorizationAttributes} from '../types.js'

const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v))

/** Whether `rule` grants the request: verb, group, resource (`res/sub`, `*`, `*\/sub`), names; or a path for non-resource requests. */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false
  if (!a.resourceRequest) return nonResourceURLMatches(rule.nonResourceURLs, a.path ?? '')
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false
  if (!resourceMatches(rule.resources, a.resource ?? '', a.subresource)) return false
  // No names in the rule: every name. Names: only requests for one of them (a list has no name and is not granted).
  if (!rule.resourceNames?.length) return true
  return !!a.name && rule.resourceNames.includes(a.name)
}

function resourceMatches(resources: string[] | undefined, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource
  return (resources ?? []).some((r) => r === '*' || r === combined || (!!subresource && r === `*/${subresource}`))
}

function nonResourceURLMatches(urls: string[] | undefined, path: string): boolean {
  return (urls ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))))
}

/** The user name of a ServiceAccount (serviceaccount.MakeUsername). */
export const serviceAccountUsername = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`

/** Whether a binding's subject is this user; a ServiceAccount without a namespace is in the binding's namespace. */
export function subjectApplies(user: UserInfo, s: Subject, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name
    case 'Group':
      return user.groups.includes(s.name ?? '')
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace
      return !!ns && !!s.name && user.name === serviceAccountUsername(ns, s.name)
    }
    default:
      return false
  }
}

/** How Kubernetes names a subject in its allow reasons: `User "alice"`, `ServiceAccount "ns/name"`. */
export function describeSubject(s: Subject, bindingNamespace: string | undefined): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.namespace || bindingNamespace}/${s.name}"`
  return `${s.kind} "${s.name}"`
}
