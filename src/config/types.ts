// The internal cluster configuration every provisioning step reads (one type, whatever the file version).
import type {OptionalComponent} from '../api/contract.js'

export type {OptionalComponent}

/** A node's role in the cluster. */
export type NodeRole = 'control-plane' | 'worker'

/** One node as configured. */
export interface NodeConfig {
  role: NodeRole
  /** Extra labels for the Node object. */
  labels?: Record<string, string>
  /** Taints of the Node object. */
  taints?: NodeTaint[]
  /** CPU limit of the node container in cores (Docker NanoCpus); the Node's capacity reports it. */
  cpus?: number
  /** Memory limit of the node container in bytes; the Node's capacity reports it. */
  memory?: number
  /** Node container ports published on the host. */
  extraPortMappings?: PortMapping[]
}

/** A taint of a node from the config. */
export interface NodeTaint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
}

/** A port of a node container published on the host, as kind's extraPortMappings. */
export interface PortMapping {
  containerPort: number
  /** 0 picks a free port. */
  hostPort: number
  protocol: 'TCP' | 'UDP' | 'SCTP'
  listenAddress: string
}

/** Networking of one cluster. */
export interface NetworkingConfig {
  podSubnet: string
  serviceSubnet: string
  /** Host address the apiserver is published on. */
  apiServerAddress: string
  /** Host port of the apiserver; 0 picks a free one. */
  apiServerPort: number
  /** Host ports of the Ingress controller; left out: 80 and 443 when free, else free ones; 0: a free one. */
  ingressHTTPPort?: number
  ingressHTTPSPort?: number
}

/** A fully defaulted cluster configuration. */
export interface ClusterConfig {
  name: string
  nodes: NodeConfig[]
  networking: NetworkingConfig
  /** Node image; undefined means the image built from this checkout. */
  image?: string
  /** Seconds without a lease renewal before a node turns NotReady. */
  nodeGracePeriodSeconds: number
  /** Which optional built-in components run (all true unless the config turns one off). */
  components: Record<OptionalComponent, boolean>
}
