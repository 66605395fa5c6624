// Kubernetes' bootstrap RBAC policy as skiff serves it: cluster-admin, admin/edit/view (aggregated), discovery and basic-user roles, and their bindings.
import type {KubeObject} from '../../../api/types.js'
import type {PolicyRule, Subject} from '../../../api/resources/rbac/shared.js'
import {RBAC_GROUP} from '../../../api/resources/rbac/shared.js'
import {componentClusterRoleBindings, componentClusterRoles} from './components.js'

const READ = ['get', 'list', 'watch']
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update']
const READ_WRITE = [...READ, ...WRITE]

export const BOOTSTRAP_LABELS = {'kubernetes.io/bootstrapping': 'rbac-defaults'}
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate'
const AGGREGATE_TO = (role: string): string => `rbac.authorization.k8s.io/aggregate-to-${role}`

const rule = (verbs: string[], groups: string[], resources: string[]): PolicyRule => ({verbs, apiGroups: groups, resources})
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({verbs, nonResourceURLs})

function clusterRole(name: string, rules: PolicyRule[], extra: {labels?: Record<string, string>; aggregateFrom?: string} = {}): KubeObject {
  const obj: KubeObject = {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole',
    metadata: {name, labels: {...BOOTSTRAP_LABELS, ...extra.labels}, annotations: {[AUTOUPDATE_ANNOTATION]: 'true'}},
    rules,
  }
  if (extra.aggregateFrom) obj.aggregationRule = {clusterRoleSelectors: [{matchLabels: {[AGGREGATE_TO(extra.aggregateFrom)]: 'true'}}]}
  return obj
}

const group = (name: string): Subject => ({kind: 'Group', apiGroup: RBAC_GROUP, name})

function clusterRoleBinding(name: string, role: string, subjects: Subject[], bootstrapping = true): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRoleBinding',
    metadata: bootstrapping ? {name, labels: {...BOOTSTRAP_LABELS}, annotations: {[AUTOUPDATE_ANNOTATION]: 'true'}} : {name},
    roleRef: {apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role}, subjects,
  }
}

// The namespaced powers of view, edit and admin (Kubernetes' system:aggregate-to-* roles, limited to what skiff serves plus the common extras).
const viewRules: PolicyRule[] = [
  rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints',
    'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status',
    'replicationcontrollers/status', 'pods/log']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status',
    'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status',
    'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
]

const editRules: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims',
    'configmaps', 'secrets', 'events']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets',
    'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale',
    'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
]

const adminRules: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings']),
]

const discoveryURLs = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']
const publicInfoURLs = ['/healthz', '/livez', '/readyz', '/version', '/version/']

/** The bootstrap ClusterRoles. admin, edit and view carry aggregationRules over the system:aggregate-to-* roles. */
export function bootstrapClusterRoles(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // Stored already aggregated (skiff has no aggregation controller yet; the authorizer adds labelled roles' rules on reading).
    clusterRole('admin', [...adminRules, ...editRules, ...viewRules], {aggregateFrom: 'admin'}),
    clusterRole('edit', [...editRules, ...viewRules], {aggregateFrom: 'edit', labels: {[AGGREGATE_TO('admin')]: 'true'}}),
    clusterRole('view', viewRules, {aggregateFrom: 'view', labels: {[AGGREGATE_TO('edit')]: 'true'}}),
    clusterRole('system:aggregate-to-admin', adminRules, {labels: {[AGGREGATE_TO('admin')]: 'true'}}),
    clusterRole('system:aggregate-to-edit', editRules, {labels: {[AGGREGATE_TO('edit')]: 'true'}}),
    clusterRole('system:aggregate-to-view', viewRules, {labels: {[AGGREGATE_TO('view')]: 'true'}}),
    clusterRole('system:discovery', [urls(['get'], discoveryURLs)]),
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], publicInfoURLs)]),
    ...componentClusterRoles().map((r) => clusterRole(r.name, r.rules)),
    ...componentClusterRoles().map((r) => clusterRole(r.name, r.rules)),
  ]
}

/** The bootstrap ClusterRoleBindings, with kubeadm's binding of its admin group to cluster-admin. */
export function bootstrapClusterRoleBindings(): KubeObject[] {
  return [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [group('kubeadm:cluster-admins')], false),
    ...componentClusterRoleBindings().map((b) => clusterRoleBinding(b.name, b.role, b.subjects)),
    ...componentClusterRoleBindings().map((b) => clusterRoleBinding(b.name, b.role, b.subjects)),
  ]
}
