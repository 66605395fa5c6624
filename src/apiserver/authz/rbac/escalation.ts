// RBAC escalation prevention: writing a role needs its rules held (or `escalate`), binding a role needs `bind` or its rules held.
import type {PolicyRule, RoleRef} from '../../../api/resources/rbac/shared.js'
import {RBAC_GROUP} from '../../../api/resources/rbac/shared.js'
import type {AdmissionAttributes, AdmissionPlugin} from '../../admission/types.js'
import {ApiError} from '../../errors.js'
import type {Authorizer, GrantedRule} from '../types.js'
import type {RuleResolver} from './resolver.js'

const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v))

function resourceCovered(owner: string[] | undefined, resource: string): boolean {
  if (has(owner, resource)) return true
  const slash = resource.indexOf('/')
  return slash > 0 && !!owner && (owner.includes(`${resource.slice(0, slash)}/*`) || owner.includes(`*${resource.slice(slash)}`))
}

/** Whether `owner` covers one atomic piece of a rule (Kubernetes' validation.ruleCovers on broken-down rules). */
function pieceCovered(owner: GrantedRule, verb: string, piece: {group?: string; resource?: string; name?: string; url?: string}): boolean {
  if (!has(owner.verbs, verb)) return false
  if (piece.url !== undefined) return (owner.nonResourceURLs ?? []).some((u) => u === '*' || u === piece.url || (u.endsWith('*') && piece.url!.startsWith(u.slice(0, -1))))
  if (!has(owner.apiGroups, piece.group ?? '') || !resourceCovered(owner.resources, piece.resource ?? '')) return false
  if (!owner.resourceNames?.length) return true
  return piece.name !== undefined && owner.resourceNames.includes(piece.name)
}

/** The requested rules (broken down to single verb/group/resource/name pieces) that `owned` does not cover. */
export function uncoveredRules(owned: GrantedRule[], requested: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = []
  for (const r of requested) {
    for (const verb of r.verbs ?? []) {
      const covered = (p: Parameters<typeof pieceCovered>[2]): boolean => owned.some((o) => pieceCovered(o, verb, p))
      for (const url of r.nonResourceURLs ?? []) if (!covered({url})) missing.push({nonResourceURLs: [url], verbs: [verb]})
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          const names = r.resourceNames?.length ? r.resourceNames : [undefined]
          for (const name of names) {
            if (!covered({group, resource, name})) missing.push({apiGroups: [group], resources: [resource], ...(name !== undefined ? {resourceNames: [name]} : {}), verbs: [verb]})
          }
        }
      }
    }
  }
  return missing
}

/** A rule as Kubernetes' CompactString prints it: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}. */
export function compactRule(r: PolicyRule): string {
  const q = (l: string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`
  const parts: string[] = []
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`)
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`)
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`)
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`)
  if (r.verbs?.length) parts.push(`Verbs:${q(r.verbs)}`)
  return `{${parts.join(', ')}}`
}

function refuse(a: AdmissionAttributes, detail: string): never {
  const qualified = `${a.def.resource}.${a.def.group}`
  throw new ApiError(403, 'Forbidden', `${qualified} "${a.name}" is forbidden: ${detail}`, {name: a.name, group: a.def.group, kind: a.def.resource})
}

/**
 * The escalation check as an admission plugin over the server's authorizer (for `escalate`/`bind` and the rules the
 * user holds) and the RBAC resolver (for a bound role's rules). Kubernetes does this in the RBAC registries.
 */
export function rbacEscalationCheck(authorizer: Authorizer, resolver: RuleResolver): AdmissionPlugin {
  async function allowedVerb(a: AdmissionAttributes, verb: string, resource: string, name: string): Promise<boolean> {
    const d = await authorizer.authorize({user: a.user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: 'v1', resource, namespace: a.namespace, name})
    return d.decision === 'allow'
  }
  async function ensureHeld(a: AdmissionAttributes, rules: PolicyRule[]): Promise<void> {
    const held = authorizer.rulesFor ? await authorizer.rulesFor(a.user, a.namespace ?? '') : {rules: [], errors: [], incomplete: true}
    const missing = uncoveredRules(held.rules, rules)
    if (!missing.length) return
    const groups = a.user.groups.map((g) => JSON.stringify(g)).join(' ')
    const errs = held.errors.length ? `; resolution errors: [${held.errors.join(', ')}]` : ''
    refuse(a, `user "${a.user.name}" (groups=[${groups}]) is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRule).join('\n')}${errs}`)
  }
  return {
    name: 'RBACEscalation',
    operations: ['CREATE', 'UPDATE'],
    async validate(a) {
      if (a.def.group !== RBAC_GROUP || a.subresource || !a.object) return
      const kind = a.def.kind
      if (kind === 'Role' || kind === 'ClusterRole') {
        if (await allowedVerb(a, 'escalate', a.def.resource, a.name)) return
        await ensureHeld(a, (a.object.rules as PolicyRule[] | undefined) ?? [])
        return
      }
      if (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') return
      const ref = (a.object.roleRef ?? {}) as RoleRef
      if (await allowedVerb(a, 'bind', ref.kind === 'Role' ? 'roles' : 'clusterroles', ref.name ?? '')) return
      const rules = resolver.roleRules(ref, a.namespace)
      if (!rules) refuse(a, `${ref.kind === 'Role' ? 'roles' : 'clusterroles'}.rbac.authorization.k8s.io "${ref.name}" not found`)
      await ensureHeld(a, rules)
    },
  }
}
