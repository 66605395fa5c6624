// Typed shapes of the cluster objects controllers read (Node, Lease, Namespace), with the fields skiff reads.
import type {KubeObject} from '../types.js'
import type {Condition} from './workloads.js'

/** A node taint: pods without a matching toleration are kept off (NoSchedule) or evicted (NoExecute). */
export interface Taint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string
  timeAdded?: string
}

/** A node condition also carries when the agent last reported it. */
export interface NodeCondition extends Condition {
  lastHeartbeatTime?: string
}

export interface NodeSpec {
  podCIDR?: string
  podCIDRs?: string[]
  taints?: Taint[]
  unschedulable?: boolean
  providerID?: string
}

export interface NodeStatus {
  capacity?: Record<string, string>
  allocatable?: Record<string, string>
  conditions?: NodeCondition[]
  addresses?: {type: string; address: string}[]
  nodeInfo?: Record<string, string>
}

export interface Node extends KubeObject {
  spec?: NodeSpec
  status?: NodeStatus
}

export interface LeaseSpec {
  holderIdentity?: string
  leaseDurationSeconds?: number
  acquireTime?: string
  renewTime?: string
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec
}

export interface Namespace extends KubeObject {
  spec?: {finalizers?: string[]}
  status?: {phase?: 'Active' | 'Terminating' | string; conditions?: Condition[]}
}
