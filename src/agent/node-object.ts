// Pure builders of the agent's API objects: its Node (labels, taints, status) and its Lease.
import type {KubeObject} from '../api/types.js'
import type {ResourceList} from './capacity.js'
import {type PressureCondition, PRESSURE_CONDITIONS} from './eviction.js'

/** Version the agent reports as kubeletVersion; kubectl shows it in `get nodes`. */
export const AGENT_VERSION = 'v1.32.4-skiff'
/** Namespace of node heartbeat leases, as in Kubernetes. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease'
/** Lease duration the agent declares by default (the grace period when one is configured). */
export const LEASE_DURATION_SECONDS = 40
/** Taint of control-plane nodes when the cluster has workers. */
export const CONTROL_PLANE_TAINT = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'} as const

/** What the agent knows about its node. */
export interface NodeFacts {
  name: string
  role: 'control-plane' | 'worker'
  internalIP: string
  podCIDR?: string
  taintControlPlane: boolean
  /** Labels from the cluster config; the agent's own labels (hostname, os, arch, role) take precedence. */
  labels?: Record<string, string>
  /** Taints from the cluster config, set when the Node is first created (users and controllers own them after). */
  taints?: {key: string; value?: string; effect: string}[]
  capacity: ResourceList
  /** Go-style arch name (amd64, arm64). */
  arch: string
  kernelVersion: string
  osImage: string
  containerRuntimeVersion: string
  machineID: string
  systemUUID: string
  bootID: string
}

/** Kubernetes' name for a Node.js process.arch. */
export function goArch(arch: string = process.arch): string {
  return ({x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x'} as Record<string, string>)[arch] ?? arch
}

/** Formats ms since the epoch as a Kubernetes MicroTime: `2024-01-01T00:00:00.000000Z`. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

/** Formats ms since the epoch as a Kubernetes Time (second precision): `2024-01-01T00:00:00Z`. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The labels the agent owns on its Node. */
export function nodeLabels(f: NodeFacts): Record<string, string> {
  const labels: Record<string, string> = {
    ...f.labels,
    'beta.kubernetes.io/arch': f.arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': f.arch,
    'kubernetes.io/hostname': f.name,
    'kubernetes.io/os': 'linux',
  }
  if (f.role === 'control-plane') {
    labels['node-role.kubernetes.io/control-plane'] = ''
    // As kubeadm: a cloud load balancer should not send traffic to control-plane nodes.
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = ''
  }
  return labels
}

/** The Node the agent creates when none exists (status is written separately, through the status subresource). */
export function buildNode(f: NodeFacts): KubeObject {
  const spec: Record<string, unknown> = {}
  if (f.podCIDR) {
    spec.podCIDR = f.podCIDR
    spec.podCIDRs = [f.podCIDR]
  }
  const taints = [...(f.role === 'control-plane' && f.taintControlPlane ? [{...CONTROL_PLANE_TAINT}] : []), ...(f.taints ?? []).map((t) => ({...t}))]
  if (taints.length > 0) spec.taints = taints
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.name,
      labels: nodeLabels(f),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec,
  }
}

/**
 * Merges the agent's view into an existing Node (re-registration after a restart): our labels win, other labels,
 * annotations and taints set by users or controllers stay; the pod CIDR is set only if missing. Returns undefined
 * when nothing changes, so no write is needed.
 */
export function mergeNodeOnRegister(existing: KubeObject, f: NodeFacts): KubeObject | undefined {
  const wanted = buildNode(f)
  const labels = {...(existing.metadata.labels ?? {}), ...wanted.metadata.labels}
  const spec = {...(existing.spec ?? {})}
  if (!spec.podCIDR && wanted.spec.podCIDR) {
    spec.podCIDR = wanted.spec.podCIDR
    spec.podCIDRs = wanted.spec.podCIDRs
  }
  const labelsChanged = JSON.stringify(labels) !== JSON.stringify(existing.metadata.labels ?? {})
  const specChanged = JSON.stringify(spec) !== JSON.stringify(existing.spec ?? {})
  if (!labelsChanged && !specChanged) return undefined
  return {...existing, metadata: {...existing.metadata, labels}, spec}
}

interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason: string
  message: string
  lastHeartbeatTime: string
  lastTransitionTime: string
}

type ConditionState = Omit<Condition, 'lastHeartbeatTime' | 'lastTransitionTime'>

/** The kubelet's pressure conditions, each as posted without (False) and with (True) pressure. */
const PRESSURE: Record<PressureCondition, [ConditionState, ConditionState]> = {
  MemoryPressure: [
    {type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available'},
    {type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available'},
  ],
  DiskPressure: [
    {type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure'},
    {type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure'},
  ],
  PIDPressure: [
    {type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available'},
    {type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available'},
  ],
}

const READY: ConditionState = {type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status'}
/** The kubelet's Ready condition when its container runtime does not answer. */
const RUNTIME_DOWN: ConditionState = {type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down'}

/** What the agent knows about its node's health when it posts status. */
export interface NodeHealthState {
  runtimeDown?: boolean
  /** The pressure conditions that are on (see eviction.ts); none when absent. */
  pressure?: ReadonlySet<PressureCondition>
  /**
   * The pod network: the range the Node asks for and the range the CNI config serves. Absent when the agent runs no
   * pods (so does not manage a network): NetworkUnavailable is then not posted at all, as the kubelet never does.
   */
  network?: {podCIDR?: string; configured?: string}
}

/** NetworkUnavailable from the pod network's state: False only once the CNI config serves the Node's range. */
export function networkCondition(network: NonNullable<NodeHealthState['network']>): ConditionState {
  const type = 'NetworkUnavailable'
  const {podCIDR, configured} = network
  if (!podCIDR) return {type, status: 'True', reason: 'NoPodCIDR', message: 'the node has no pod CIDR (spec.podCIDR) to configure the pod network from'}
  if (configured !== podCIDR) {
    const now = configured ? `it is configured for ${configured}` : 'there is no CNI config yet'
    return {type, status: 'True', reason: 'CNINotConfigured', message: `the pod network is not configured for pod CIDR ${podCIDR}: ${now}`}
  }
  return {type, status: 'False', reason: 'CNIConfigured', message: `the pod network is configured for pod CIDR ${podCIDR}`}
}

/** The condition types the agent posts (NetworkUnavailable only with a pod network). */
export function agentConditions(health: NodeHealthState = {}): ConditionState[] {
  return [
    ...(health.network ? [networkCondition(health.network)] : []),
    ...PRESSURE_CONDITIONS.map((c) => PRESSURE[c][health.pressure?.has(c) ? 1 : 0]),
    health.runtimeDown ? RUNTIME_DOWN : READY,
  ]
}

/**
 * The Node status the agent posts at time nowMs. A condition keeps its lastTransitionTime from previous when its
 * status did not change, as Kubernetes requires for `kubectl describe` and for controllers measuring durations.
 * Conditions of types the agent does not post (other writers') are kept as they are.
 */
export function buildNodeStatus(f: NodeFacts, nowMs: number, previous?: {conditions?: Condition[]}, health: NodeHealthState = {}): Record<string, unknown> {
  const now = kubeTime(nowMs)
  const current = agentConditions(health)
  const conditions: Condition[] = current.map((c) => {
    const prev = previous?.conditions?.find((p) => p.type === c.type)
    return {...c, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now}
  })
  for (const other of previous?.conditions ?? []) {
    if (!current.some((c) => c.type === other.type)) conditions.push(other)
  }
  return {
    capacity: {...f.capacity},
    allocatable: {...f.capacity},
    conditions,
    addresses: [
      {type: 'InternalIP', address: f.internalIP},
      {type: 'Hostname', address: f.name},
    ],
    daemonEndpoints: {kubeletEndpoint: {Port: 10250}},
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.systemUUID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: AGENT_VERSION,
      kubeProxyVersion: AGENT_VERSION,
      operatingSystem: 'linux',
      architecture: f.arch,
    },
  }
}

/** True when node's Ready condition is anything but True (so the agent must post its status again). */
export function needsReadyRestore(node: KubeObject | undefined): boolean {
  const ready = (node?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready')
  return ready?.status !== 'True'
}

/** The node's heartbeat Lease, owned by its Node so it goes away with it. */
export function buildLease(nodeName: string, nodeUID: string | undefined, nowMs: number, previous?: KubeObject, durationSeconds = LEASE_DURATION_SECONDS): KubeObject {
  const metadata = previous ? {...previous.metadata} : {name: nodeName, namespace: NODE_LEASE_NAMESPACE}
  if (nodeUID) metadata.ownerReferences = [{apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUID}]
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata,
    spec: {...(previous?.spec ?? {}), holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(nowMs)},
  }
}
