// Role and ClusterRole (rbac.authorization.k8s.io/v1): sets of rules; a ClusterRole may aggregate others' rules by label.
import type {KubeObject, StatusCause} from '../../types.js'
import type {LabelSelector} from '../../selectors.js'
import {defineResource, type TableDef} from '../def.js'
import {validateLabelSelector} from '../shared/checks.js'
import {kindPatch} from '../shared/patch.js'
import {name} from '../shared/table.js'
import {rbacMessages, validateRules, type PolicyRule} from './shared.js'

// Kubernetes prints roles with their creation time, not an age.
const roleTable: TableDef = {
  columns: [
    {name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0},
    {name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0},
  ],
  row: (o: KubeObject) => [name(o), createdAt(o)],
}

function createdAt(o: KubeObject): string {
  const t = o.metadata?.creationTimestamp
  return t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''
}

const rules = (o: KubeObject): PolicyRule[] | undefined => o.rules as PolicyRule[] | undefined

export const role = defineResource('rbac.authorization.k8s.io', 'v1', 'Role', {
  nameRule: 'path',
  fields: ['rules'],
  table: roleTable,
  patch: kindPatch({}),
  validate: (o) => validateRules(rules(o), true),
  protobuf: {Role: {1: ['metadata', 'ObjectMeta'], 2: ['rules', 'PolicyRule', 'r']}, ...rbacMessages},
})

interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[]
}

function validateClusterRole(o: KubeObject): StatusCause[] {
  const causes = validateRules(rules(o), false)
  const agg = o.aggregationRule as AggregationRule | undefined
  ;(agg?.clusterRoleSelectors ?? []).forEach((s, i) => causes.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)))
  return causes
}

export const clusterRole = defineResource('rbac.authorization.k8s.io', 'v1', 'ClusterRole', {
  namespaced: false,
  nameRule: 'path',
  fields: ['rules', 'aggregationRule'],
  table: roleTable,
  patch: kindPatch({}),
  validate: validateClusterRole,
  protobuf: {ClusterRole: {1: ['metadata', 'ObjectMeta'], 2: ['rules', 'PolicyRule', 'r'], 3: ['aggregationRule', 'AggregationRule']}, ...rbacMessages},
})
