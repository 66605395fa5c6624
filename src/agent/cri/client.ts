// A small CRI v1 client over gRPC (@grpc/grpc-js) for the node's containerd: runtime and image service calls as typed promises.
import * as grpc from '@grpc/grpc-js'
import type protobuf from 'protobufjs'
import {CRI_PACKAGE, IMAGE_METHODS, RUNTIME_METHODS, criRoot} from './proto.js'
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatus,
  ExecSyncResponse,
  Image,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
  RuntimeCondition,
  VersionResponse,
} from './types.js'

/** Which standard streams a streaming session carries (stderr is merged into stdout with a TTY). */
export interface StreamIO {
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

/** containerd's socket in a node running SKIFF_RUNTIME=cri (see images/node/entrypoint). */
export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock'

/** A failed CRI call: the gRPC status code (5 = NOT_FOUND...) and the runtime's message, with the method name. */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`CRI ${method}: ${details || grpc.status[code]}`)
    this.name = 'CriError'
  }

  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND
  }
}

/** True for a CRI error saying the object does not exist (or no longer does). */
export function isNotFound(err: unknown): boolean {
  return err instanceof CriError && err.notFound
}

export interface CriClientOptions {
  /** Per-call deadline; image pulls get pullTimeoutMs instead. Default 2 minutes. */
  timeoutMs?: number
  pullTimeoutMs?: number
}

// Decoded messages become plain objects: int64 as number, enums by name, bytes as Buffer, absent fields defaulted.
const TO_OBJECT: protobuf.IConversionOptions = {longs: Number, enums: String, bytes: Buffer, defaults: true, arrays: true, objects: true}

let root: protobuf.Root | undefined

/**
 * The CRI client. One gRPC channel (one HTTP/2 connection) per client; calls are multiplexed on it. `address` is
 * a socket path or a gRPC target (`unix:///...`).
 */
export class CriClient {
  private readonly client: grpc.Client
  private readonly timeoutMs: number
  private readonly pullTimeoutMs: number
  private readonly types: protobuf.Root

  constructor(address = CONTAINERD_SOCKET, opts: CriClientOptions = {}) {
    const target = address.includes('://') ? address : `unix://${address}`
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      // Lists of many containers exceed the 4 MiB default; ExecSync output is capped by the runtime at 16 MiB.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    })
    this.timeoutMs = opts.timeoutMs ?? 120_000
    this.pullTimeoutMs = opts.pullTimeoutMs ?? 30 * 60_000
    root ??= criRoot()
    this.types = root
  }

  close(): void {
    this.client.close()
  }

  /** Resolves once the channel is connected (the runtime's socket answers), rejecting after timeoutMs. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())))
  }

  private call<T>(service: 'RuntimeService' | 'ImageService', method: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    const table: Record<string, readonly [string, string]> = service === 'RuntimeService' ? RUNTIME_METHODS : IMAGE_METHODS
    const [reqName, resName] = table[method]
    const reqType = this.types.lookupType(`${CRI_PACKAGE}.${reqName}`)
    const resType = this.types.lookupType(`${CRI_PACKAGE}.${resName}`)
    const serialize = (value: object) => Buffer.from(reqType.encode(reqType.fromObject(value)).finish())
    const deserialize = (bytes: Buffer) => resType.toObject(resType.decode(bytes), TO_OBJECT) as T
    return new Promise<T>((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${CRI_PACKAGE}.${service}/${method}`,
        serialize,
        deserialize,
        request,
        new grpc.Metadata(),
        {deadline: Date.now() + timeoutMs},
        (err: grpc.ServiceError | null, value?: T) => {
          if (err) reject(new CriError(method, err.code, err.details))
          else resolve(value as T)
        },
      )
    })
  }

  // --- runtime service ---

  version(): Promise<VersionResponse> {
    return this.call('RuntimeService', 'Version', {version: 'v1'})
  }

  /** The runtime's conditions (RuntimeReady, NetworkReady): NetworkReady is false until a CNI config is loaded. */
  async status(): Promise<RuntimeCondition[]> {
    const res = await this.call<{status: {conditions: RuntimeCondition[]} | null}>('RuntimeService', 'Status', {})
    return res.status?.conditions ?? []
  }

  /** Creates and starts a sandbox (pause container + network namespace via CNI); returns its id. */
  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    return (await this.call<{podSandboxId: string}>('RuntimeService', 'RunPodSandbox', {config, runtimeHandler})).podSandboxId
  }

  /** Stops the sandbox's containers and releases its network; idempotent. */
  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call('RuntimeService', 'StopPodSandbox', {podSandboxId})
  }

  /** Removes a sandbox and its containers; idempotent. */
  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call('RuntimeService', 'RemovePodSandbox', {podSandboxId})
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const res = await this.call<{status: PodSandboxStatus | null}>('RuntimeService', 'PodSandboxStatus', {podSandboxId})
    if (!res.status) throw new CriError('PodSandboxStatus', grpc.status.NOT_FOUND, `sandbox ${podSandboxId} has no status`)
    return res.status
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return (await this.call<{items: PodSandbox[]}>('RuntimeService', 'ListPodSandbox', {filter})).items
  }

  /** Creates a container in a sandbox; the sandbox's config is passed again, as the CRI asks. */
  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return (await this.call<{containerId: string}>('RuntimeService', 'CreateContainer', {podSandboxId, config, sandboxConfig})).containerId
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call('RuntimeService', 'StartContainer', {containerId})
  }

  /** Sends the stop signal, then SIGKILL after timeoutSeconds (0: at once); idempotent. */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // The runtime may take the whole grace period; give the call that much more than its usual deadline.
    await this.call('RuntimeService', 'StopContainer', {containerId, timeout: timeoutSeconds}, this.timeoutMs + timeoutSeconds * 1000)
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call('RuntimeService', 'RemoveContainer', {containerId})
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return (await this.call<{containers: Container[]}>('RuntimeService', 'ListContainers', {filter})).containers
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const res = await this.call<{status: ContainerStatus | null}>('RuntimeService', 'ContainerStatus', {containerId})
    if (!res.status) throw new CriError('ContainerStatus', grpc.status.NOT_FOUND, `container ${containerId} has no status`)
    return res.status
  }

  /** Runs cmd in a running container and collects its output; timeoutSeconds 0 means no limit. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    return this.call('RuntimeService', 'ExecSync', {containerId, cmd, timeout: timeoutSeconds}, this.timeoutMs + timeoutSeconds * 1000)
  }

  /** A URL on the runtime's streaming server for one exec session (remote command protocol, single use). */
  async exec(containerId: string, cmd: string[], io: StreamIO): Promise<string> {
    return (await this.call<{url: string}>('RuntimeService', 'Exec', {containerId, cmd, ...io})).url
  }

  /** A URL on the runtime's streaming server attaching to the container's main process (single use). */
  async attach(containerId: string, io: StreamIO): Promise<string> {
    return (await this.call<{url: string}>('RuntimeService', 'Attach', {containerId, ...io})).url
  }

  /** A URL on the runtime's streaming server forwarding connections into the sandbox's network namespace. */
  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    return (await this.call<{url: string}>('RuntimeService', 'PortForward', {podSandboxId, port: ports})).url
  }

  /** Makes the runtime reopen the container's log file (after the agent renamed it for rotation). */
  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call('RuntimeService', 'ReopenContainerLog', {containerId})
  }

  // --- image service ---

  /** The image when present (by name, id or digest), else undefined. */
  async imageStatus(image: string): Promise<Image | undefined> {
    const res = await this.call<{image: Image | null}>('ImageService', 'ImageStatus', {image: {image}})
    return res.image ?? undefined
  }

  /** Pulls an image; returns the image reference the runtime resolved (an image id). */
  async pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    return (await this.call<{imageRef: string}>('ImageService', 'PullImage', {image: {image}, auth, sandboxConfig}, this.pullTimeoutMs)).imageRef
  }

  async listImages(image?: string): Promise<Image[]> {
    return (await this.call<{images: Image[]}>('ImageService', 'ListImages', {filter: image ? {image: {image}} : undefined})).images
  }
}
