// The container-engine seam: provisioning code talks to this interface, never to Docker directly.
import type {NodePlan} from './plan.js'
import type {NodeRole} from '../config/types.js'

/** A node container as found on the engine. */
export interface NodeInfo {
  name: string
  id: string
  role: NodeRole
  state: string
  ip?: string
  image: string
}

/** A cluster as found on the engine (by labels). */
export interface ClusterInfo {
  name: string
  nodes: NodeInfo[]
  apiServerPort?: number
  network?: string
}

/** Everything a node container needs besides its plan. */
export interface NodeRuntime {
  cluster: string
  image: string
  network: string
  env: Record<string, string>
  /** Files to place in the container before it starts (absolute path → content). */
  files: Record<string, string>
  /** Host port for the apiserver (control-plane nodes only). */
  apiServerHostPort?: number
  apiServerHostAddress?: string
}

/** How the node containers get the rights an inner container engine needs. */
export type SecurityMode = 'privileged' | 'capabilities'

/** Operations on the container engine that cluster provisioning needs. */
export interface Provider {
  /** Fails with a clear message when the engine cannot be reached. */
  ping(): Promise<void>
  listClusters(): Promise<ClusterInfo[]>
  getCluster(name: string): Promise<ClusterInfo | undefined>
  /** Names of networks that exist, and the subnets in use. */
  networks(): Promise<{names: string[]; subnets: string[]}>
  createNetwork(name: string, subnet: string, gateway: string, cluster: string): Promise<void>
  /** Decides once per engine whether --privileged works here. */
  securityMode(image: string): Promise<SecurityMode>
  createNode(plan: NodePlan, runtime: NodeRuntime, mode: SecurityMode): Promise<void>
  /** Removes every container, network and volume of a cluster; succeeds when none exist. */
  deleteCluster(name: string): Promise<{containers: number; networks: number; volumes: number}>
  /** Reads a file from a node container. */
  readFile(container: string, path: string): Promise<string>
  /** Runs a command in a node container and returns its output and exit code. */
  exec(container: string, cmd: string[]): Promise<{stdout: string; stderr: string; exitCode: number}>
  /** The last lines of a container's log, for error messages. */
  logs(container: string, tail: number): Promise<string>
}
