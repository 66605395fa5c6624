// A fake ContainerRuntime for pod lifecycle tests: containers are records, exits are simulated by the test.
import type {ContainerInfo, ContainerRuntime, CreateRequest, ExecResult} from '../../../../src/agent/pods/runtime.js'

/** In-memory runtime; `calls` records each operation as `verb name-or-id`. */
export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, ContainerInfo & {body: Record<string, any>; dockerName: string}>()
  readonly images = new Map<string, string>([['skiff/pause:1', 'sha256:pause'], ['busybox:1', 'sha256:busybox']])
  readonly calls: string[] = []
  pullError = 'pull access denied'
  execResult: ExecResult = {exitCode: 0, output: ''}
  private seq = 0
  private ips = 1

  constructor(private readonly now: () => number) {}

  async listPodContainers(podUID?: string): Promise<ContainerInfo[]> {
    return [...this.containers.values()].filter((c) => !podUID || c.podUID === podUID).map((c) => ({...c}))
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id)
    return c ? {...c} : undefined
  }

  async imageID(ref: string): Promise<string | undefined> {
    return this.images.get(ref)
  }

  /** Image users by ref (ImageStatus's uid/username); a present image without an entry names no user (root). */
  readonly imageUsers = new Map<string, {uid?: number; username?: string}>()

  async imageUser(ref: string): Promise<{uid?: number; username?: string} | undefined> {
    return this.images.has(ref) ? (this.imageUsers.get(ref) ?? {}) : undefined
  }

  async pullImage(ref: string): Promise<void> {
    this.calls.push(`pull ${ref}`)
    throw new Error(this.pullError)
  }

  async create(req: CreateRequest): Promise<string> {
    this.calls.push(`create ${req.name}`)
    const labels = req.body.Labels as Record<string, string>
    const id = `c${++this.seq}`
    this.containers.set(id, {
      id,
      dockerName: req.name,
      body: req.body,
      podUID: labels['io.kubernetes.pod.uid'],
      podName: labels['io.kubernetes.pod.name'],
      podNamespace: labels['io.kubernetes.pod.namespace'],
      name: labels['io.kubernetes.container.name'],
      type: labels['io.skiff.container.type'] as ContainerInfo['type'],
      restartCount: Number(labels['io.kubernetes.container.restartCount']),
      hash: labels['io.skiff.container.hash'],
      state: 'created',
      image: req.body.Image,
      imageID: this.images.get(req.body.Image) ?? '',
      createdAt: this.now() + this.seq / 1000,
    })
    return id
  }

  async start(id: string): Promise<void> {
    const c = this.containers.get(id)!
    this.calls.push(`start ${c.dockerName}`)
    c.state = 'running'
    c.startedAt = new Date(this.now()).toISOString()
    if (c.type === 'sandbox') c.ip = `10.244.1.${++this.ips}`
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const c = this.containers.get(id)
    if (!c) return
    this.calls.push(`stop ${c.dockerName} ${graceSeconds}`)
    if (c.state === 'running') this.exit(id, 137)
  }

  async remove(idOrName: string): Promise<void> {
    const c = this.containers.get(idOrName) ?? [...this.containers.values()].find((x) => x.dockerName === idOrName)
    if (!c) return
    this.calls.push(`remove ${c.dockerName}`)
    this.containers.delete(c.id)
  }

  async exec(id: string, cmd: string[]): Promise<ExecResult> {
    this.calls.push(`exec ${this.containers.get(id)?.dockerName} ${cmd.join(' ')}`)
    return this.execResult
  }

  watch(): void {}

  /** Simulates a container exiting with code. */
  exit(id: string, code: number, opts: {oom?: boolean} = {}): void {
    const c = this.containers.get(id)!
    c.state = 'exited'
    c.exitCode = code
    c.oomKilled = opts.oom ?? false
    c.finishedAt = new Date(this.now()).toISOString()
  }

  /** The newest instance of a pod container by spec name. */
  latest(name: string): (ContainerInfo & {body: Record<string, any>; dockerName: string}) | undefined {
    return [...this.containers.values()].filter((c) => c.name === name).sort((a, b) => b.createdAt - a.createdAt)[0]
  }
}
