// The static rules of a node (Kubernetes' bootstrap NodeRules, the system:node ClusterRole), for what the graph does not subdivide.
import type {PolicyRule} from '../../../api/resources/rbac/shared.js'

const READ = ['get', 'list', 'watch']
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({verbs, apiGroups, resources})

/** What any node may do; Secrets, ConfigMaps, claims, volumes, tokens and leases are further limited by the Node authorizer. */
export function nodeRules(): PolicyRule[] {
  return [
    // Checking callers of the agent's own endpoints: these creates change nothing.
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    // Service environment variables of pods.
    rule(READ, [''], ['services']),
    // Registering the node and reporting its status (NodeRestriction limits a node to its own object).
    rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    rule(['update', 'patch'], [''], ['nodes/status']),
    rule(['update', 'patch'], [''], ['nodes']),
    rule(['create', 'update', 'patch'], [''], ['events']),
    rule(['create', 'update', 'patch'], ['events.k8s.io'], ['events']),
    rule(READ, [''], ['pods']),
    // Mirror pods, and removing a pod once it terminated (NodeRestriction: pods bound to this node only).
    rule(['create', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(READ, [''], ['secrets', 'configmaps']),
    rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [''], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
    rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  ]
}
