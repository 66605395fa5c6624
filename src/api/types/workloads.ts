// Typed shapes of the workload objects (Pod, ReplicaSet, Deployment) with the fields skiff reads, so a misspelt field is a compile error.
import type {LabelSelector} from '../selectors.js'
import type {KubeObject, ObjectMeta} from '../types.js'

/** A resource quantity as it arrives over the wire ("100m", "64Mi", or a bare number). */
export type Quantity = string | number

/** requests/limits of a container. */
export interface ResourceRequirements {
  requests?: Record<string, Quantity>
  limits?: Record<string, Quantity>
}

/** A reference to one key of a ConfigMap or Secret. */
export interface KeySelector {
  name?: string
  key: string
  optional?: boolean
}

/** fieldRef of the downward API. */
export interface ObjectFieldSelector {
  apiVersion?: string
  fieldPath: string
}

/** resourceFieldRef of the downward API. */
export interface ResourceFieldSelector {
  containerName?: string
  resource: string
  divisor?: Quantity
}

/** One env entry: a literal value or a reference resolved by the agent. */
export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {
    configMapKeyRef?: KeySelector
    secretKeyRef?: KeySelector
    fieldRef?: ObjectFieldSelector
    resourceFieldRef?: ResourceFieldSelector
  }
}

/** One envFrom entry: every key of a ConfigMap or Secret, optionally prefixed. */
export interface EnvFromSource {
  prefix?: string
  configMapRef?: {name?: string; optional?: boolean}
  secretRef?: {name?: string; optional?: boolean}
}

export interface ContainerPort {
  name?: string
  containerPort: number
  hostPort?: number
  hostIP?: string
  protocol?: string
}

export interface VolumeMount {
  name: string
  mountPath: string
  readOnly?: boolean
  subPath?: string
  subPathExpr?: string
}

export interface ExecAction {
  command?: string[]
}

export interface HTTPGetAction {
  path?: string
  port: number | string
  host?: string
  scheme?: string
  httpHeaders?: {name: string; value: string}[]
}

export interface TCPSocketAction {
  port: number | string
  host?: string
}

/** What a probe or a lifecycle hook runs. */
export interface Handler {
  exec?: ExecAction
  httpGet?: HTTPGetAction
  tcpSocket?: TCPSocketAction
  sleep?: {seconds: number}
}

export interface Probe extends Handler {
  grpc?: {port: number; service?: string}
  initialDelaySeconds?: number
  timeoutSeconds?: number
  periodSeconds?: number
  successThreshold?: number
  failureThreshold?: number
  terminationGracePeriodSeconds?: number
}

export interface Lifecycle {
  postStart?: Handler
  preStop?: Handler
}

export interface SecurityContext {
  runAsUser?: number
  runAsGroup?: number
  runAsNonRoot?: boolean
  privileged?: boolean
  readOnlyRootFilesystem?: boolean
  allowPrivilegeEscalation?: boolean
  capabilities?: {add?: string[]; drop?: string[]}
  /** Default (the runtime masks and write-protects parts of /proc) or Unmasked. */
  procMount?: string
  seccompProfile?: SeccompProfile
}

/** RuntimeDefault, Unconfined or Localhost (with a profile file relative to the node's seccomp directory). */
export interface SeccompProfile {
  type: string
  localhostProfile?: string
}

/** The pod-level security context: the container fields that apply to every container, plus the pod's groups. */
export interface PodSecurityContext extends Omit<SecurityContext, 'capabilities' | 'privileged' | 'readOnlyRootFilesystem' | 'allowPrivilegeEscalation' | 'procMount'> {
  fsGroup?: number
  /** Always (default) or OnRootMismatch: whether volume ownership is changed when the volume's root already matches. */
  fsGroupChangePolicy?: string
  supplementalGroups?: number[]
}

export interface Container {
  name: string
  image?: string
  imagePullPolicy?: string
  command?: string[]
  args?: string[]
  workingDir?: string
  env?: EnvVar[]
  envFrom?: EnvFromSource[]
  ports?: ContainerPort[]
  resources?: ResourceRequirements
  volumeMounts?: VolumeMount[]
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  lifecycle?: Lifecycle
  securityContext?: SecurityContext
  tty?: boolean
  stdin?: boolean
  stdinOnce?: boolean
  terminationMessagePath?: string
  terminationMessagePolicy?: string
  /** Only on init containers, only `Always`: a native sidecar that keeps running beside the app containers. */
  restartPolicy?: string
}

/** Items of a configMap/secret/downwardAPI volume. */
export interface KeyToPath {
  key: string
  path: string
  mode?: number
}

export interface DownwardAPIVolumeFile {
  path: string
  fieldRef?: ObjectFieldSelector
  resourceFieldRef?: ResourceFieldSelector
  mode?: number
}

export interface ConfigMapVolumeSource {
  name?: string
  items?: KeyToPath[]
  defaultMode?: number
  optional?: boolean
}

export interface SecretVolumeSource {
  secretName?: string
  items?: KeyToPath[]
  defaultMode?: number
  optional?: boolean
}

/** One source of a projected volume. */
export interface VolumeProjection {
  configMap?: {name?: string; items?: KeyToPath[]; optional?: boolean}
  secret?: {name?: string; items?: KeyToPath[]; optional?: boolean}
  downwardAPI?: {items?: DownwardAPIVolumeFile[]}
  serviceAccountToken?: {path: string; audience?: string; expirationSeconds?: number}
}

export interface Volume {
  name: string
  emptyDir?: {medium?: string; sizeLimit?: Quantity}
  hostPath?: {path: string; type?: string}
  configMap?: ConfigMapVolumeSource
  secret?: SecretVolumeSource
  downwardAPI?: {items?: DownwardAPIVolumeFile[]; defaultMode?: number}
  projected?: {sources?: VolumeProjection[]; defaultMode?: number}
  persistentVolumeClaim?: {claimName: string; readOnly?: boolean}
  /** A generic ephemeral volume: a claim made from the template for this pod (named <pod>-<volume>). */
  ephemeral?: {volumeClaimTemplate?: {metadata?: ObjectMeta; spec?: Record<string, unknown>}}
}

export interface Toleration {
  key?: string
  operator?: string
  value?: string
  effect?: string
  tolerationSeconds?: number
}

export interface PodSpec {
  containers: Container[]
  initContainers?: Container[]
  volumes?: Volume[]
  restartPolicy?: 'Always' | 'OnFailure' | 'Never' | string
  terminationGracePeriodSeconds?: number
  activeDeadlineSeconds?: number
  nodeName?: string
  nodeSelector?: Record<string, string>
  serviceAccountName?: string
  /** Deprecated mirror of serviceAccountName. */
  serviceAccount?: string
  automountServiceAccountToken?: boolean
  ephemeralContainers?: Container[]
  hostNetwork?: boolean
  hostname?: string
  subdomain?: string
  hostAliases?: {ip: string; hostnames?: string[]}[]
  shareProcessNamespace?: boolean
  securityContext?: PodSecurityContext
  tolerations?: Toleration[]
  readinessGates?: {conditionType: string}[]
  schedulerName?: string
  priority?: number
  /** The PriorityClass whose value the Priority admission plugin copies into priority. */
  priorityClassName?: string
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never' | string
  affinity?: Record<string, unknown>
  [key: string]: unknown
}

/** A status condition with the fields every kind's conditions share. */
export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown' | string
  reason?: string
  message?: string
  lastTransitionTime?: string | null
  lastProbeTime?: string | null
  lastUpdateTime?: string
}

export interface ContainerStateTerminated {
  exitCode: number
  signal?: number
  reason?: string
  message?: string
  startedAt?: string | null
  finishedAt?: string | null
  containerID?: string
}

export interface ContainerState {
  waiting?: {reason?: string; message?: string}
  running?: {startedAt?: string}
  terminated?: ContainerStateTerminated
}

export interface ContainerStatus {
  name: string
  state: ContainerState
  lastState: ContainerState
  ready: boolean
  restartCount: number
  image?: string
  imageID: string
  containerID?: string
  started?: boolean
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown' | string
  conditions?: Condition[]
  message?: string
  reason?: string
  hostIP?: string
  hostIPs?: {ip: string}[]
  podIP?: string
  podIPs?: {ip: string}[]
  startTime?: string
  containerStatuses?: ContainerStatus[]
  initContainerStatuses?: ContainerStatus[]
  qosClass?: string
  nominatedNodeName?: string
}

export interface Pod extends KubeObject {
  metadata: ObjectMeta
  spec?: PodSpec
  status?: PodStatus
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta
  spec?: PodSpec
}

export interface ReplicaSetSpec {
  replicas?: number
  minReadySeconds?: number
  selector?: LabelSelector
  template?: PodTemplateSpec
}

export interface ReplicaSetStatus {
  replicas?: number
  fullyLabeledReplicas?: number
  readyReplicas?: number
  availableReplicas?: number
  observedGeneration?: number
  conditions?: Condition[]
}

export interface ReplicaSet extends KubeObject {
  spec?: ReplicaSetSpec
  status?: ReplicaSetStatus
}

export interface DeploymentStrategy {
  type?: 'RollingUpdate' | 'Recreate' | string
  rollingUpdate?: {maxSurge?: number | string; maxUnavailable?: number | string}
}

export interface DeploymentSpec {
  replicas?: number
  selector?: LabelSelector
  template?: PodTemplateSpec
  strategy?: DeploymentStrategy
  minReadySeconds?: number
  revisionHistoryLimit?: number
  paused?: boolean
  progressDeadlineSeconds?: number
}

export interface DeploymentStatus {
  observedGeneration?: number
  replicas?: number
  updatedReplicas?: number
  readyReplicas?: number
  availableReplicas?: number
  unavailableReplicas?: number
  collisionCount?: number
  conditions?: Condition[]
}

export interface Deployment extends KubeObject {
  spec?: DeploymentSpec
  status?: DeploymentStatus
}
