// The seam between the pod lifecycle code and the node's container runtime: the few runtime calls the agent makes, as plain data, so tests use a fake.

/** Runtime state of one container, as the agent needs it (from the runtime's list and status answers). */
export interface ContainerInfo {
  id: string
  podUID: string
  podName: string
  podNamespace: string
  /** Container name in the pod spec, or `POD` for the sandbox. */
  name: string
  type: 'sandbox' | 'init' | 'app'
  /** Restart count when this instance was created (label). */
  restartCount: number
  /** Spec hash label, to notice spec changes. */
  hash: string
  state: 'created' | 'running' | 'exited' | 'unknown'
  /** The image reference the container was created from. */
  image: string
  /** The image's id, `sha256:...`. */
  imageID: string
  /** Creation time, ms since the epoch (orders instances of one container). */
  createdAt: number
  /** RFC 3339 times as docker reports them (nanoseconds), when known. */
  startedAt?: string
  finishedAt?: string
  exitCode?: number
  oomKilled?: boolean
  /** Docker's error text for a container that could not start. */
  error?: string
  /** The sandbox's address on the node's pod bridge. */
  ip?: string
}

/** What docker's create call receives: the container name and the create body (Docker Engine API shape). */
export interface CreateRequest {
  name: string
  body: Record<string, any>
}

/** Result of an exec in a container. */
export interface ExecResult {
  exitCode: number
  output: string
  timedOut?: boolean
}

/** The container runtime calls the pod lifecycle makes. */
export interface ContainerRuntime {
  /** Makes ready what the first pod needs (the sandbox image, the network config); cheap once done. */
  prepare?(): Promise<void>
  /** Points the pod network at the node's range (its Node's spec.podCIDR); new pods get addresses from it. */
  setPodCIDR?(podCIDR: string): Promise<void>
  /** Every container the agent created (all pods, or one pod), running or not. */
  listPodContainers(podUID?: string): Promise<ContainerInfo[]>
  /** One container's state, or undefined when it no longer exists. */
  inspect(id: string): Promise<ContainerInfo | undefined>
  /** The image id when the image is present, else undefined. */
  imageID(ref: string): Promise<string | undefined>
  /** The user a present image runs as (numeric uid or a name; neither: root); undefined when the image is absent. */
  imageUser?(ref: string): Promise<{uid?: number; username?: string} | undefined>
  /** Pulls an image; rejects with the daemon's message on failure. */
  pullImage(ref: string): Promise<void>
  /** Creates a container, returns its id. */
  create(req: CreateRequest): Promise<string>
  start(id: string): Promise<void>
  /** Sends the stop signal, then SIGKILL after graceSeconds (docker stop). */
  stop(id: string, graceSeconds: number): Promise<void>
  /** Removes a container (forcefully, with anonymous volumes); a missing container is not an error. */
  remove(id: string): Promise<void>
  /** Runs cmd in a running container, collecting output (capped), giving up after timeoutMs. */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>
  /** Calls onChange with a pod uid whenever one of its containers starts, dies or is removed, until signal aborts. */
  watch(onChange: (podUID: string) => void, signal: AbortSignal): void
}
