// Node (core/v1): cluster-scoped, registered by the node agent with its status, printed with roles, addresses and versions.
import type {KubeObject} from '../../types.js'
import {defineResource, statusSubresource} from '../def.js'
import {conditions, kindPatch, mergeBy} from '../shared/patch.js'
import {AGE, age, col, name, NAME} from '../shared/table.js'

/** The Node status fields the printer reads. */
interface NodeStatus {
  addresses?: {type: string; address: string}[]
  conditions?: {type: string; status: string}[]
  nodeInfo?: {kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string}
}

const statusOf = (node: KubeObject): NodeStatus => node.status ?? {}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length)
      if (role) roles.add(role)
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v)
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',')
}

function nodeAddress(node: KubeObject, type: string): string {
  const a = (statusOf(node).addresses ?? []).find((x) => x.type === type)
  return a?.address ?? '<none>'
}

function row(o: KubeObject, now: Date): unknown[] {
  const ready = (statusOf(o).conditions ?? []).find((c) => c.type === 'Ready')
  const status: string[] = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown']
  if (o.spec?.unschedulable) status.push('SchedulingDisabled')
  const info = statusOf(o).nodeInfo ?? {}
  return [
    name(o),
    status.join(','),
    nodeRoles(o),
    age(o, now),
    info.kubeletVersion ?? '',
    nodeAddress(o, 'InternalIP'),
    nodeAddress(o, 'ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ]
}

export const node = defineResource('', 'v1', 'Node', {
  namespaced: false,
  shortNames: ['no'],
  subresources: [statusSubresource, {name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update']}],
  fields: ['spec', 'status'],
  default(obj) {
    obj.status ??= {}
    if (obj.status.capacity && !obj.status.allocatable) obj.status.allocatable = {...obj.status.capacity}
  },
  table: {
    columns: [
      NAME,
      col('Status', 'string', 0, 'The status of the node'),
      col('Roles', 'string', 0, 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col('External-IP', 'string', 1, 'List of addresses reachable to the node.'),
      col('OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      col('Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      col('Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
    ],
    row,
  },
  patch: kindPatch({status: {type: {conditions, addresses: mergeBy('type')}}}),
  // The agent registers its node with the status it observed; create keeps it.
  strategy: {prepareForCreate: () => {}, deleteReturnsObject: true},
})
