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
  /** Host ports of the Ingress controller, from the control plane's labels. */
  ingressPorts?: {http: number; https: number}
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
  /** Host ports of the Ingress controller (control-plane nodes only). */
  ingressHostPorts?: {http: number; https: number}
  /** The host engine's unix socket to mount (control-plane nodes only), for the cloud controller. */
  hostDockerSocket?: string
}

/** An image as the engine lists it. */
export interface ImageInfo {
  id: string
  tags: string[]
  /** Creation time, ms since the epoch. */
  createdMs: number
  /** True when some container (running or not) uses it. */
  inUse: boolean
}

/** What to build: a tar of the build context and how to tag and label the result. */
export interface ImageBuild {
  context: NodeJS.ReadableStream
  tag: string
  buildArgs: Record<string, string>
  labels: Record<string, string>
}

/** Receives progress lines of a long engine operation (build, pull, import). */
export type OnProgress = (line: string) => void

/** Output and exit code of a command run in a container. */
export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
}

/** How the node containers get the rights an inner container engine needs. */
export type SecurityMode = 'privileged' | 'capabilities'

/** Operations on the container engine that cluster provisioning needs. */
export interface Provider {
  /** Fails with a clear message when the engine cannot be reached. */
  ping(): Promise<void>
  /** The engine's unix socket path when it is local (containers may mount it), else undefined. */
  hostSocket(): Promise<string | undefined>
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
  /** True when a container of that name exists (made by skiff or not). */
  containerExists(name: string): Promise<boolean>
  /** Runs a command in a node container, feeding it stdin when given, and returns its output and exit code. */
  exec(container: string, cmd: string[], opts?: {stdin?: NodeJS.ReadableStream}): Promise<ExecResult>
  /** The last lines of a container's log, for error messages. */
  logs(container: string, tail: number): Promise<string>

  /** The image's ID, or undefined when the engine does not have it. */
  imageID(name: string): Promise<string | undefined>
  /** Pulls an image from its registry; fails with the engine's message and last progress lines. */
  pullImage(name: string, onProgress: OnProgress): Promise<void>
  /** Makes an image from a root filesystem tar (`docker import`). */
  importImage(rootfs: NodeJS.ReadableStream, name: string, onProgress: OnProgress): Promise<void>
  /** Builds an image from a context tar; fails with the build's last output lines. */
  buildImage(build: ImageBuild, onProgress: OnProgress): Promise<void>
  /** Images whose reference matches a pattern such as `skiff/node:*`. */
  listImages(reference: string): Promise<ImageInfo[]>
  /** Removes one tag unless a container uses it; false when the engine refused. */
  removeImage(tag: string): Promise<boolean>
  /** The images as one `docker save` archive stream. */
  saveImages(names: string[]): Promise<NodeJS.ReadableStream>
}

/** How an existing node container was made, read back from the engine (for `node add` to make a sibling). */
export interface NodeSpec {
  image: string
  env: Record<string, string>
  privileged: boolean
  /** The node's fixed address on the cluster network. */
  ip?: string
}

/** The cluster network's subnet and the addresses taken on it (running or stopped containers). */
export interface NetworkUse {
  subnet: string
  taken: string[]
}

/** Operations on the nodes of an existing cluster: `node add/remove`, `cluster stop/start`, `export-logs`. */
export interface NodeProvider {
  nodeSpec(container: string): Promise<NodeSpec>
  networkUse(network: string): Promise<NetworkUse>
  stopNode(container: string, timeoutSeconds: number): Promise<void>
  startNode(container: string): Promise<void>
  /** Removes a node container and its volumes; succeeds when they are gone already. */
  removeNode(container: string): Promise<void>
  /** A tar stream of a path in a container (`docker cp CONTAINER:PATH -`). */
  archive(container: string, path: string): Promise<NodeJS.ReadableStream>
  /** A container's whole log, stdout and stderr interleaved. */
  fullLog(container: string): Promise<string>
  /** The engine's version and setup, for `skiff doctor`. */
  engineInfo(): Promise<EngineInfo>
}

/** What `skiff doctor` reads from the engine. */
export interface EngineInfo {
  version: string
  apiVersion: string
  /** "1" or "2", as the engine reports it. */
  cgroupVersion?: string
  cgroupDriver?: string
  /** Where the engine keeps images and volumes (on its own machine). */
  rootDir?: string
  /** The engine's own address pools are not reported; its networks' subnets are. */
  networkSubnets: string[]
  /** True when the engine runs on this machine (a unix socket), so this machine's limits are the engine's. */
  local: boolean
}
