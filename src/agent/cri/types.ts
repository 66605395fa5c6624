// TypeScript shapes of the CRI v1 messages declared in proto.ts (the subset the agent uses), as plain objects.
//
// Requests: optional fields may be left out. Responses are decoded with defaults, int64s as numbers (nanosecond
// timestamps lose sub-microsecond precision, which nothing here needs) and enums as their names.

export type Labels = Record<string, string>

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET'
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY'
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN'

export interface DNSConfig {
  servers?: string[]
  searches?: string[]
  options?: string[]
}

export interface PortMapping {
  protocol?: 'TCP' | 'UDP' | 'SCTP'
  containerPort: number
  hostPort?: number
  hostIp?: string
}

export interface Mount {
  containerPath: string
  hostPath: string
  readonly?: boolean
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL'
}

export interface NamespaceOption {
  network?: NamespaceMode
  pid?: NamespaceMode
  ipc?: NamespaceMode
  targetId?: string
}

export interface Int64Value {
  value: number
}

/** A seccomp (or AppArmor) profile: the runtime's default, none, or a file on the node. */
export interface SecurityProfile {
  profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost'
  localhostRef?: string
}

export interface ImageSpec {
  image: string
  annotations?: Labels
}

export interface PodSandboxMetadata {
  name: string
  uid: string
  namespace: string
  attempt?: number
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata
  hostname?: string
  /** Directory for the containers' CRI log files, e.g. /var/log/pods/<ns>_<name>_<uid>. */
  logDirectory?: string
  dnsConfig?: DNSConfig
  portMappings?: PortMapping[]
  labels?: Labels
  annotations?: Labels
  linux?: {
    cgroupParent?: string
    securityContext?: {
      namespaceOptions?: NamespaceOption
      runAsUser?: Int64Value
      runAsGroup?: Int64Value
      readonlyRootfs?: boolean
      supplementalGroups?: number[]
      privileged?: boolean
      seccomp?: SecurityProfile
    }
    sysctls?: Labels
  }
}

export interface LinuxContainerResources {
  cpuPeriod?: number
  cpuQuota?: number
  cpuShares?: number
  memoryLimitInBytes?: number
  oomScoreAdj?: number
}

export interface ContainerConfig {
  metadata: {name: string; attempt?: number}
  image: ImageSpec
  command?: string[]
  args?: string[]
  workingDir?: string
  envs?: {key: string; value: string}[]
  mounts?: Mount[]
  labels?: Labels
  annotations?: Labels
  /** Relative to the sandbox's logDirectory, e.g. `<container>/<restartCount>.log`. */
  logPath?: string
  stdin?: boolean
  stdinOnce?: boolean
  tty?: boolean
  linux?: {
    resources?: LinuxContainerResources
    securityContext?: {
      capabilities?: {addCapabilities?: string[]; dropCapabilities?: string[]}
      privileged?: boolean
      namespaceOptions?: NamespaceOption
      runAsUser?: Int64Value
      runAsUsername?: string
      runAsGroup?: Int64Value
      readonlyRootfs?: boolean
      supplementalGroups?: number[]
      noNewPrivs?: boolean
      /** Paths hidden from the container (procMount Default); empty: none. */
      maskedPaths?: string[]
      readonlyPaths?: string[]
      seccomp?: SecurityProfile
    }
  }
}

export interface VersionResponse {
  version: string
  runtimeName: string
  runtimeVersion: string
  runtimeApiVersion: string
}

export interface PodSandboxStatus {
  id: string
  metadata: PodSandboxMetadata | null
  state: PodSandboxState
  /** Nanoseconds since the epoch. */
  createdAt: number
  network: {ip: string} | null
  /** The sandbox's namespace modes (network NODE for hostNetwork pods). */
  linux: {namespaces: {options: NamespaceOption | null} | null} | null
  labels: Labels
  annotations: Labels
  runtimeHandler: string
}

export interface PodSandbox {
  id: string
  metadata: PodSandboxMetadata | null
  state: PodSandboxState
  createdAt: number
  labels: Labels
  annotations: Labels
  runtimeHandler: string
}

export interface PodSandboxFilter {
  id?: string
  state?: {state: PodSandboxState}
  labelSelector?: Labels
}

export interface Container {
  id: string
  podSandboxId: string
  metadata: {name: string; attempt: number} | null
  image: ImageSpec | null
  imageRef: string
  state: ContainerState
  createdAt: number
  labels: Labels
  annotations: Labels
}

export interface ContainerFilter {
  id?: string
  state?: {state: ContainerState}
  podSandboxId?: string
  labelSelector?: Labels
}

export interface ContainerStatus {
  id: string
  metadata: {name: string; attempt: number} | null
  state: ContainerState
  /** Nanoseconds since the epoch; 0 when not (yet) started or finished. */
  createdAt: number
  startedAt: number
  finishedAt: number
  exitCode: number
  image: ImageSpec | null
  imageRef: string
  /** e.g. OOMKilled, Error, Completed. */
  reason: string
  message: string
  labels: Labels
  annotations: Labels
  mounts: Mount[]
  logPath: string
}

export interface ExecSyncResponse {
  stdout: Buffer
  stderr: Buffer
  exitCode: number
}

export interface RuntimeCondition {
  type: string
  status: boolean
  reason: string
  message: string
}

export interface Image {
  id: string
  repoTags: string[]
  repoDigests: string[]
  size: number
  uid: Int64Value | null
  username: string
}

export interface AuthConfig {
  username?: string
  password?: string
  auth?: string
  serverAddress?: string
  identityToken?: string
  registryToken?: string
}
