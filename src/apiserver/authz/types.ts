// Authorization's shapes: the attributes of one request (Kubernetes' authorizer.Attributes) and a decision.
import type {UserInfo} from '../authn.js'

/** What is asked: a verb on a resource (in a group, namespace, maybe one name and subresource) or on a path. */
export interface AuthorizationAttributes {
  user: UserInfo
  /** get, list, watch, create, update, patch, delete, deletecollection, or for paths the lower-case HTTP method; impersonate, bind, escalate... */
  verb: string
  resourceRequest: boolean
  apiGroup?: string
  apiVersion?: string
  resource?: string
  subresource?: string
  namespace?: string
  name?: string
  /** For non-resource requests: the URL path. */
  path?: string
}

/** Allow, deny, or no opinion (the next authorizer decides; no opinion from all is a deny). */
export type Decision = {decision: 'allow' | 'deny' | 'noOpinion'; reason?: string}

/** An authorizer (RBAC, Node, ...). */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): Promise<Decision> | Decision
  /** The rules this authorizer grants `user` in `namespace` (SelfSubjectRulesReview); absent when it cannot list them. */
  rulesFor?(user: UserInfo, namespace: string): Promise<RulesResult> | RulesResult
}

/** A rule as SelfSubjectRulesReview reports it (RBAC's PolicyRule shape). */
export interface GrantedRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

/** Granted rules; `incomplete` when some authorizer could not say, with the errors met. */
export interface RulesResult {
  rules: GrantedRule[]
  incomplete: boolean
  errors: string[]
}

/** Allows everything: the server's default until a real authorizer is configured (in-process tests). */
export const allowAll: Authorizer = {authorize: () => ({decision: 'allow'})}

/** Asks each authorizer in turn; the first allow or deny wins, no opinion from all denies (Kubernetes' union). */
export function unionAuthorizer(list: Authorizer[]): Authorizer {
  return {
    async authorize(attrs) {
      const reasons: string[] = []
      for (const a of list) {
        const d = await a.authorize(attrs)
        if (d.decision !== 'noOpinion') return d
        if (d.reason) reasons.push(d.reason)
      }
      return {decision: 'noOpinion', reason: reasons.join(', ') || undefined}
    },
    async rulesFor(user, namespace) {
      const out: RulesResult = {rules: [], incomplete: false, errors: []}
      for (const a of list) {
        if (!a.rulesFor) {
          out.incomplete = true
          continue
        }
        const r = await a.rulesFor(user, namespace)
        out.rules.push(...r.rules)
        out.errors.push(...r.errors)
        out.incomplete ||= r.incomplete
      }
      return out
    },
  }
}
