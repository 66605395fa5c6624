// RoleBinding and ClusterRoleBinding (rbac.authorization.k8s.io/v1): grant a role to users, groups and ServiceAccounts.
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid} from '../../validation/errors.js'
import {defineResource, type TableDef} from '../def.js'
import {semanticEqual} from '../shared/pod-spec-validation.js'
import {kindPatch} from '../shared/patch.js'
import type {MessageSchema} from '../shared/protobuf.js'
import {AGE, age, col, NAME, name} from '../shared/table.js'
import {defaultSubjects, rbacMessages, validateBinding, type RoleRef, type Subject} from './shared.js'

const subjects = (o: KubeObject): Subject[] | undefined => o.subjects as Subject[] | undefined
const roleRef = (o: KubeObject): RoleRef | undefined => o.roleRef as RoleRef | undefined

/** The cells Kubernetes' printer shows: Role as Kind/name, then users, groups and namespace/name ServiceAccounts (wide). */
const bindingTable: TableDef = {
  columns: [NAME, col('Role', 'string', 0), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
  row(o, now) {
    const ref = roleRef(o)
    const of = (kind: string): string[] => (subjects(o) ?? []).filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name ?? ''))
    return [name(o), `${ref?.kind ?? ''}/${ref?.name ?? ''}`, age(o, now), of('User').join(', '), of('Group').join(', '), of('ServiceAccount').join(', ')]
  },
}

// ValidateRoleBindingUpdate: the role a binding grants never changes (delete and recreate instead).
function roleRefFixed(o: KubeObject, old: KubeObject): StatusCause[] {
  return semanticEqual(o.roleRef, old.roleRef) ? [] : [invalid('roleRef', o.roleRef, 'cannot change roleRef')]
}

const messages = (kind: string): Record<string, MessageSchema> => ({[kind]: {1: ['metadata', 'ObjectMeta'], 2: ['subjects', 'Subject', 'r'], 3: ['roleRef', 'RoleRef']}, ...rbacMessages})

export const roleBinding = defineResource('rbac.authorization.k8s.io', 'v1', 'RoleBinding', {
  nameRule: 'path',
  fields: ['subjects', 'roleRef'],
  table: bindingTable,
  patch: kindPatch({}),
  default: (o) => defaultSubjects(subjects(o)),
  validate: (o) => validateBinding(roleRef(o), subjects(o), false),
  validateUpdate: roleRefFixed,
  protobuf: messages('RoleBinding'),
})

export const clusterRoleBinding = defineResource('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', {
  namespaced: false,
  nameRule: 'path',
  fields: ['subjects', 'roleRef'],
  table: bindingTable,
  patch: kindPatch({}),
  default: (o) => defaultSubjects(subjects(o)),
  validate: (o) => validateBinding(roleRef(o), subjects(o), true),
  validateUpdate: roleRefFixed,
  protobuf: messages('ClusterRoleBinding'),
})
