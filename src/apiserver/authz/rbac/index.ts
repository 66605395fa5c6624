// The RBAC authorizer (allow when some bound role's rule matches, else no opinion) and the system:masters authorizer before it.
import type {Store} from '../../../store/index.js'
import type {Authorizer} from '../types.js'
import {RbacCache} from './cache.js'
import {ruleAllows} from './match.js'
import {RuleResolver} from './resolver.js'

export {ruleAllows, serviceAccountUsername, subjectApplies} from './match.js'
export {RuleResolver, clusterRoleRules, emptyRbacObjects, type RbacObjects, type RuleSource} from './resolver.js'
export {RbacCache} from './cache.js'

/** The group whose members may do anything, decided before RBAC (Kubernetes' privileged-group authorizer). */
export const SYSTEM_MASTERS = 'system:masters'

export const privilegedGroupAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes(SYSTEM_MASTERS) ? {decision: 'allow'} : {decision: 'noOpinion'}),
  rulesFor: (user) => ({
    rules: user.groups.includes(SYSTEM_MASTERS) ? [{verbs: ['*'], apiGroups: ['*'], resources: ['*']}, {verbs: ['*'], nonResourceURLs: ['*']}] : [],
    incomplete: false, errors: [],
  }),
}

/** An RBAC authorizer over `store`'s Roles and bindings; `resolver` is for rules reviews and escalation checks. */
export interface RbacAuthorizer extends Authorizer {
  resolver: RuleResolver
  ready: Promise<void>
  close(): void
}

/** Builds the RBAC authorizer with its own watch-fed cache of the four kinds. */
export function createRbacAuthorizer(store: Store): RbacAuthorizer {
  const cache = new RbacCache(store)
  return authorizerOver(new RuleResolver(() => cache.objects), cache.ready, () => cache.close())
}

/** The authorizer over a resolver (tests give one over fixed objects). */
export function authorizerOver(resolver: RuleResolver, ready: Promise<void> = Promise.resolve(), close = (): void => undefined): RbacAuthorizer {
  return {
    resolver, ready, close,
    async rulesFor(user, namespace) {
      await ready
      const {rules, errors} = resolver.rulesFor(user, namespace)
      return {rules, errors, incomplete: errors.length > 0}
    },
    async authorize(a) {
      await ready
      let allowedBy: string | undefined
      const errors = resolver.visitRules(a.user, a.namespace, (src) => {
        if (src.rules.some((r) => ruleAllows(a, r))) allowedBy = src.describe
        return !allowedBy
      })
      if (allowedBy) return {decision: 'allow', reason: `RBAC: allowed by ${allowedBy}`}
      // Kubernetes' RBAC has no opinion on what it does not allow; its reason only carries the errors it met.
      return {decision: 'noOpinion', reason: errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : undefined}
    },
  }
}
export {compactRule, rbacEscalationCheck, uncoveredRules} from './escalation.js'
