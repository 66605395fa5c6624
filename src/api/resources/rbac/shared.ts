// rbac.authorization.k8s.io/v1 shapes shared by the four RBAC kinds: rules, subjects, role references, their protobuf tables and validation.
import type {StatusCause} from '../../types.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
import {isValidPathSegmentName} from '../../validation/names.js'
import type {MessageSchema} from '../shared/protobuf.js'
import {S} from '../shared/protobuf.js'

export const RBAC_GROUP = 'rbac.authorization.k8s.io'

/** One rule of a Role or ClusterRole (Kubernetes' PolicyRule). */
export interface PolicyRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

/** Who a binding grants to: a User, Group or ServiceAccount. */
export interface Subject {
  kind?: string
  apiGroup?: string
  name?: string
  namespace?: string
}

/** The role a binding grants (immutable once created). */
export interface RoleRef {
  apiGroup?: string
  kind?: string
  name?: string
}

/** Field numbers from k8s.io/api/rbac/v1 generated.proto. */
export const rbacMessages: Record<string, MessageSchema> = {
  PolicyRule: {1: ['verbs', S, 'r'], 2: ['apiGroups', S, 'r'], 3: ['resources', S, 'r'], 4: ['resourceNames', S, 'r'], 5: ['nonResourceURLs', S, 'r']},
  AggregationRule: {1: ['clusterRoleSelectors', 'LabelSelector', 'r']},
  Subject: {1: ['kind', S, 'k'], 2: ['apiGroup', S], 3: ['name', S, 'k'], 4: ['namespace', S]},
  RoleRef: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k']},
}

/** ValidatePolicyRule: verbs always; either resources with groups, or (cluster-wide only) non-resource URLs. */
export function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = []
  ;(rules ?? []).forEach((r, i) => {
    const p = `rules[${i}]`
    if (!r.verbs?.length) causes.push(required(`${p}.verbs`, 'verbs must contain at least one value'))
    if (r.nonResourceURLs?.length) {
      if (namespaced) causes.push(invalid(`${p}.nonResourceURLs`, r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'))
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) {
        causes.push(invalid(`${p}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'))
      }
      return
    }
    if (!r.apiGroups?.length) causes.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'))
    if (!r.resources?.length) causes.push(required(`${p}.resources`, 'resource rules must supply at least one resource'))
  })
  return causes
}

/** ValidateRoleBindingSubject plus the roleRef checks of ValidateRoleBinding / ValidateClusterRoleBinding. */
export function validateBinding(roleRef: RoleRef | undefined, subjects: Subject[] | undefined, clusterScoped: boolean): StatusCause[] {
  const causes: StatusCause[] = []
  const ref = roleRef ?? {}
  if (ref.apiGroup !== RBAC_GROUP) causes.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]))
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole']
  if (!kinds.includes(ref.kind ?? '')) causes.push(notSupported('roleRef.kind', ref.kind ?? '', kinds))
  if (!ref.name) causes.push(required('roleRef.name', ''))
  else for (const m of isValidPathSegmentName(ref.name)) causes.push(invalid('roleRef.name', ref.name, m))
  ;(subjects ?? []).forEach((s, i) => {
    const p = `subjects[${i}]`
    if (!s.name) causes.push(required(`${p}.name`, ''))
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.name) for (const m of isValidPathSegmentName(s.name)) causes.push(invalid(`${p}.name`, s.name, m))
        if (s.apiGroup) causes.push(notSupported(`${p}.apiGroup`, s.apiGroup, ['']))
        if (clusterScoped && !s.namespace) causes.push(required(`${p}.namespace`, ''))
        break
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) causes.push(notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]))
        break
      default:
        causes.push(notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']))
    }
  })
  return causes
}

/** SetDefaults_Subject: Users and Groups are in the RBAC group when the client names none. */
export function defaultSubjects(subjects: Subject[] | undefined): void {
  for (const s of subjects ?? []) {
    if (s.apiGroup === undefined || s.apiGroup === '') {
      if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP
      if (s.kind === 'ServiceAccount') delete s.apiGroup
    }
  }
}
