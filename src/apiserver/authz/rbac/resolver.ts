// The RBAC rule resolver: the rules a user holds in a namespace, read from an in-memory copy of the four RBAC kinds.
import type {KubeObject} from '../../../api/types.js'
import type {PolicyRule, RoleRef, Subject} from '../../../api/resources/rbac/shared.js'
import {selectorMatches, type LabelSelector} from '../../../api/selectors.js'
import type {UserInfo} from '../../authn.js'
import {describeSubject, subjectApplies} from './match.js'

/** The four RBAC kinds by what identifies them; the cache keeps these maps current. */
export interface RbacObjects {
  /** Roles by `namespace/name`. */
  roles: Map<string, KubeObject>
  clusterRoles: Map<string, KubeObject>
  /** RoleBindings by `namespace/name`. */
  roleBindings: Map<string, KubeObject>
  clusterRoleBindings: Map<string, KubeObject>
}

export const emptyRbacObjects = (): RbacObjects => ({roles: new Map(), clusterRoles: new Map(), roleBindings: new Map(), clusterRoleBindings: new Map()})

/** Rules from one binding, with the words Kubernetes uses to say where they came from. */
export interface RuleSource {
  rules: PolicyRule[]
  /** e.g. `RoleBinding "dev/readers" of ClusterRole "view" to Group "viewers"`. */
  describe: string
}

/** Answers which rules apply to a user (Kubernetes' DefaultRuleResolver over listers). */
export class RuleResolver {
  constructor(private readonly objects: () => RbacObjects) {}

  /** Each applicable binding's rules in turn; `visit` returns false to stop. Errors are missing roles of applicable bindings. */
  visitRules(user: UserInfo, namespace: string | undefined, visit: (src: RuleSource) => boolean): string[] {
    const o = this.objects()
    const errors: string[] = []
    const bindings: Array<[KubeObject, string | undefined]> = [...o.clusterRoleBindings.values()].map((b) => [b, undefined])
    if (namespace) for (const b of o.roleBindings.values()) if (b.metadata.namespace === namespace) bindings.push([b, namespace])
    for (const [b, ns] of bindings) {
      const subject = ((b.subjects as Subject[] | undefined) ?? []).find((s) => subjectApplies(user, s, ns))
      if (!subject) continue
      const ref = (b.roleRef ?? {}) as RoleRef
      const rules = this.roleRules(ref, ns)
      if (!rules) {
        errors.push(`${ref.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${ref.name}" not found`)
        continue
      }
      const kind = ns ? 'RoleBinding' : 'ClusterRoleBinding'
      const where = ns ? `"${b.metadata.name}/${ns}"` : `"${b.metadata.name}"`
      if (!visit({rules, describe: `${kind} ${where} of ${ref.kind} "${ref.name}" to ${describeSubject(subject, ns)}`})) break
    }
    return errors
  }

  /** Every rule the user holds in `namespace` (cluster-wide bindings included), and errors met on the way. */
  rulesFor(user: UserInfo, namespace: string | undefined): {rules: PolicyRule[]; errors: string[]} {
    const rules: PolicyRule[] = []
    const errors = this.visitRules(user, namespace, (src) => (rules.push(...src.rules), true))
    return {rules, errors}
  }

  /** The rules of a bound role, or undefined when it does not exist. */
  roleRules(ref: RoleRef, namespace: string | undefined): PolicyRule[] | undefined {
    const o = this.objects()
    if (ref.kind === 'Role') {
      const r = namespace ? o.roles.get(`${namespace}/${ref.name}`) : undefined
      return r ? ((r.rules as PolicyRule[] | undefined) ?? []) : undefined
    }
    const cr = o.clusterRoles.get(ref.name ?? '')
    return cr ? clusterRoleRules(cr, o.clusterRoles) : undefined
  }
}

/**
 * A ClusterRole's rules; one with an aggregationRule also gets, at once, the rules of the ClusterRoles its selectors
 * match (Kubernetes' aggregation controller writes them into the object; reading them here needs no controller).
 */
export function clusterRoleRules(cr: KubeObject, all: Map<string, KubeObject>): PolicyRule[] {
  const own = (cr.rules as PolicyRule[] | undefined) ?? []
  const selectors = (cr.aggregationRule as {clusterRoleSelectors?: LabelSelector[]} | undefined)?.clusterRoleSelectors
  if (!selectors?.length) return own
  const rules = [...own]
  for (const other of all.values()) {
    if (other === cr || !selectors.some((s) => selectorMatches(s, other.metadata.labels))) continue
    for (const r of (other.rules as PolicyRule[] | undefined) ?? []) {
      if (!rules.some((x) => JSON.stringify(x) === JSON.stringify(r))) rules.push(r)
    }
  }
  return rules
}
