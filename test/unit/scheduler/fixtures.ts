// Builders of nodes and pods for the scheduler tests.
import type {KubeObject} from '../../../src/api/types.js'

/** A Ready node with the given allocatable cpu/memory, labels and taints. */
export function makeNode(name: string, o: {cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: any[]; ready?: string; unschedulable?: boolean} = {}): KubeObject {
  const allocatable = {cpu: o.cpu ?? '2', memory: o.memory ?? '4Gi', pods: o.pods ?? '110'}
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {name, labels: {'kubernetes.io/hostname': name, ...o.labels}},
    spec: {taints: o.taints, unschedulable: o.unschedulable},
    status: {capacity: allocatable, allocatable, conditions: [{type: 'Ready', status: o.ready ?? 'True'}]},
  }
}

/** The control-plane node as skiff (and kubeadm/kind) taints it. */
export function controlPlane(name = 'cp', o: Parameters<typeof makeNode>[1] = {}): KubeObject {
  return makeNode(name, {...o, labels: {'node-role.kubernetes.io/control-plane': ''}, taints: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}]})
}

/** A pod with one container requesting cpu/memory (omitted → no requests). */
export function makePod(
  name: string,
  o: {cpu?: string; memory?: string; node?: string; owner?: string; ns?: string; phase?: string; spec?: Record<string, any>; hostPort?: number; priority?: number} = {},
): KubeObject {
  const requests: Record<string, string> = {}
  if (o.cpu) requests.cpu = o.cpu
  if (o.memory) requests.memory = o.memory
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      ownerReferences: o.owner ? [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `rs-${o.owner}`, controller: true}] : undefined,
    },
    spec: {
      nodeName: o.node,
      priority: o.priority,
      containers: [{name: 'c', image: 'busybox', resources: {requests}, ports: o.hostPort ? [{containerPort: 80, hostPort: o.hostPort}] : undefined}],
      ...o.spec,
    },
    status: {phase: o.phase ?? 'Pending'},
  }
}
