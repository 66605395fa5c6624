// The bootstrap roles of the cluster's own components (Kubernetes' system:kube-scheduler, system:node-proxier, ...), each bound to its identity.
import type {PolicyRule, Subject} from '../../../api/resources/rbac/shared.js'
import {RBAC_GROUP} from '../../../api/resources/rbac/shared.js'
import {nodeRules} from '../node/rules.js'

/** The user names of the components' client certificates (their CN), as Kubernetes names them. */
export const ComponentUsers = {
  scheduler: 'system:kube-scheduler',
  controllerManager: 'system:kube-controller-manager',
  /** The node-local network components: service proxy, NetworkPolicy enforcement and DNS. */
  proxy: 'system:kube-proxy',
  /** The apiserver as a client of the agents' :10250 (logs, exec, port-forward). */
  apiServerKubeletClient: 'kube-apiserver-kubelet-client',
} as const

const READ = ['get', 'list', 'watch']
const LIST_WATCH = ['list', 'watch']
const rule = (verbs: string[], groups: string[], resources: string[]): PolicyRule => ({verbs, apiGroups: groups, resources})
const EVENTS = [rule(['create', 'patch', 'update'], [''], ['events']), rule(['create', 'patch', 'update'], ['events.k8s.io'], ['events'])]

export interface BootstrapRole {
  name: string
  rules: PolicyRule[]
}

export interface BootstrapBinding {
  name: string
  role: string
  subjects: Subject[]
}

const user = (name: string): Subject => ({kind: 'User', apiGroup: RBAC_GROUP, name})
const group = (name: string): Subject => ({kind: 'Group', apiGroup: RBAC_GROUP, name})

/** The components' ClusterRoles. */
export function componentClusterRoles(): BootstrapRole[] {
  return [
    // Kubernetes keeps it unbound (the Node authorizer applies these rules), for reference and custom bindings.
    {name: 'system:node', rules: nodeRules()},
    {name: 'system:node-proxier', rules: [
      rule(LIST_WATCH, [''], ['endpoints', 'services']),
      rule(READ, [''], ['nodes']),
      ...EVENTS,
      rule(LIST_WATCH, ['discovery.k8s.io'], ['endpointslices']),
    ]},
    // skiff's node-local DNS publishes its own node as an endpoint of kube-dns, and NetworkPolicy enforcement
    // follows pods, namespaces and policies: what kube-proxy and CoreDNS plus a policy agent read in Kubernetes.
    {name: 'skiff:node-network', rules: [
      rule(LIST_WATCH, [''], ['pods', 'namespaces', 'services']),
      rule(LIST_WATCH, ['networking.k8s.io'], ['networkpolicies']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch'], ['discovery.k8s.io'], ['endpointslices']),
    ]},
    {name: 'system:kube-scheduler', rules: [
      ...EVENTS,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(READ, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(LIST_WATCH, [''], ['replicationcontrollers', 'services', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes']),
      rule(LIST_WATCH, ['apps'], ['replicasets', 'statefulsets']),
      rule(LIST_WATCH, ['policy'], ['poddisruptionbudgets']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(LIST_WATCH, ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities']),
    ]},
    {name: 'system:volume-scheduler', rules: [
      rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    ]},
    // One identity runs every control loop of skiff's controller manager, its cloud (LoadBalancer) and Ingress
    // controllers: the union of what Kubernetes gives its system:controller:* service accounts. The garbage
    // collector and the namespace controller need to read, update and delete every kind (as in Kubernetes); creating
    // is limited to what the loops make.
    {name: 'system:kube-controller-manager', rules: [
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
      rule(['create'], [''], ['pods', 'pods/eviction', 'endpoints', 'persistentvolumes', 'persistentvolumeclaims', 'serviceaccounts', 'configmaps']),
      rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
      rule(['create'], ['batch'], ['jobs']),
      rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      ...EVENTS,
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]},
    // What the apiserver needs on the agents' own API (Kubernetes' system:kubelet-api-admin).
    {name: 'system:kubelet-api-admin', rules: [
      rule(['get', 'list', 'watch', 'proxy'], [''], ['nodes']),
      rule(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats']),
    ]},
    // The agent removes the data of its node's released local-path volumes, then drops the PV's cleanup finalizer.
    {name: 'skiff:local-path-node', rules: [rule(['get', 'list', 'watch', 'patch'], [''], ['persistentvolumes'])]},
  ]
}

/** The components' ClusterRoleBindings, to the users their certificates name. */
export function componentClusterRoleBindings(): BootstrapBinding[] {
  return [
    {name: 'system:node-proxier', role: 'system:node-proxier', subjects: [user(ComponentUsers.proxy)]},
    {name: 'skiff:node-network', role: 'skiff:node-network', subjects: [user(ComponentUsers.proxy)]},
    {name: 'system:kube-scheduler', role: 'system:kube-scheduler', subjects: [user(ComponentUsers.scheduler)]},
    {name: 'system:volume-scheduler', role: 'system:volume-scheduler', subjects: [user(ComponentUsers.scheduler)]},
    {name: 'system:kube-controller-manager', role: 'system:kube-controller-manager', subjects: [user(ComponentUsers.controllerManager)]},
    {name: 'system:kube-apiserver-kubelet-client', role: 'system:kubelet-api-admin', subjects: [user(ComponentUsers.apiServerKubeletClient)]},
    {name: 'skiff:local-path-node', role: 'skiff:local-path-node', subjects: [group('system:nodes')]},
  ]
}
