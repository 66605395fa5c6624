// ContainerRuntime over containerd's CRI plugin: sandboxes are CRI pod sandboxes, containers CRI containers, state polled.
import {readFileSync} from 'node:fs'
import {NodeFiles} from '../../api/contract.js'
import {PodLabels} from '../container-labels.js'
import {CriClient, isNotFound} from '../cri/client.js'
import {writeCniConfig} from '../cri/cni.js'
import {LogRotator} from '../cri/log-rotation.js'
import {ensureCriPauseImage} from '../cri/pause.js'
import {criProbe} from '../cri/probe.js'
import {containerConfigFromRequest, containerInfo, isSandboxRequest, sandboxConfigFromRequest, sandboxIdOf, sandboxInfo, podLogDirectory} from '../cri/translate.js'
import type {PodSandboxConfig, PodSandboxStatus} from '../cri/types.js'
import type {RuntimeProbe} from '../runtime-probe.js'
import {PAUSE_IMAGE} from './pause-image.js'
import type {ContainerInfo, ContainerRuntime, CreateRequest, ExecResult} from './runtime.js'
import {Semaphore} from './semaphore.js'

const EXEC_OUTPUT_LIMIT = 10 * 1024


export interface CriRuntimeOptions {
  client?: CriClient
  /** Parent cgroup of pods; default: what the entrypoint wrote to /run/skiff/cgroup-parent. */
  cgroupParent?: string
  /** The node's pod range, for the CNI config written by prepare(); none: the config is left as it is. */
  podCIDR?: string
  /** Concurrent sandbox runs and container starts (see DockerRuntime for why a bound helps). */
  startConcurrency?: number
  /** How often watch() polls the runtime's state. */
  pollMs?: number
  /** Where the CNI config goes (tests). */
  cniConfDir?: string
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return fallback
  }
}

/** containerd's snapshotter as the entrypoint chose it (overlayfs, or native where the volume is not a real fs). */
function configuredSnapshotter(): string {
  return readFileOr(NodeFiles.snapshotter, '') || 'overlayfs'
}

interface KnownSandbox {
  config: PodSandboxConfig
  hostNetwork: boolean
}

/** The runtime in the node's containerd, through its CRI socket. */
export class CriRuntime implements ContainerRuntime {
  readonly cri: CriClient
  private readonly cgroupParent: string
  private readonly sandboxes = new Map<string, KnownSandbox>()
  // Status answers by container id and list state, as DockerRuntime caches inspects: a steady pod costs one list.
  private readonly statuses = new Map<string, {state: string; info: ContainerInfo}>()
  private readonly sandboxIPs = new Map<string, string>()
  private readonly startSlots: Semaphore
  private prepared?: Promise<void>

  constructor(private readonly opts: CriRuntimeOptions = {}) {
    this.cri = opts.client ?? new CriClient()
    this.cgroupParent = opts.cgroupParent ?? readFileOr(NodeFiles.cgroupParent, '')
    this.startSlots = new Semaphore(opts.startConcurrency ?? Number(process.env.SKIFF_AGENT_START_CONCURRENCY || 4))
  }

  /** Writes the node's CNI config (when a pod range is known) and imports the pause image, once (again after a failure). */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      if (this.opts.podCIDR) await writeCniConfig({podCIDR: this.opts.podCIDR}, this.opts.cniConfDir)
      await ensureCriPauseImage((ref) => this.imageID(ref), {snapshotter: configuredSnapshotter()})
    })().catch((err) => {
      this.prepared = undefined
      throw err
    })
    return this.prepared
  }

  /** Rewrites the CNI config for a new pod range (containerd reloads it on change); the same range changes nothing. */
  async setPodCIDR(podCIDR: string): Promise<void> {
    this.opts.podCIDR = podCIDR
    await writeCniConfig({podCIDR}, this.opts.cniConfDir)
  }

  async listPodContainers(podUID?: string): Promise<ContainerInfo[]> {
    const filter = podUID ? {labelSelector: {[PodLabels.podUID]: podUID} as Record<string, string>} : {}
    const [sandboxes, containers] = await Promise.all([this.cri.listPodSandbox(filter), this.cri.listContainers(filter)])
    const out: ContainerInfo[] = []
    for (const s of sandboxes) {
      if (!s.labels[PodLabels.podUID]) continue
      out.push(sandboxInfo(s, PAUSE_IMAGE, s.state === 'SANDBOX_READY' ? await this.sandboxIP(s.id) : undefined))
    }
    const infos = await Promise.all(
      containers
        .filter((c) => c.labels[PodLabels.podUID])
        .map(async (c) => {
          const cached = this.statuses.get(c.id)
          return cached && cached.state === c.state ? cached.info : this.inspect(c.id)
        }),
    )
    out.push(...infos.filter((c): c is ContainerInfo => c !== undefined))
    if (!podUID) {
      // A full list is the moment to forget what is gone.
      const live = new Set([...sandboxes.map((s) => s.id), ...containers.map((c) => c.id)])
      for (const m of [this.statuses, this.sandboxIPs, this.sandboxes]) for (const id of m.keys()) if (!live.has(id)) m.delete(id)
    }
    return out
  }

  private async sandboxIP(id: string): Promise<string | undefined> {
    let ip = this.sandboxIPs.get(id)
    if (ip === undefined) {
      ip = (await this.sandboxStatus(id))?.network?.ip ?? ''
      this.sandboxIPs.set(id, ip)
    }
    return ip || undefined
  }

  private async sandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    try {
      return await this.cri.podSandboxStatus(id)
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    if (!this.sandboxes.has(id)) {
      try {
        const st = await this.cri.containerStatus(id)
        const info = containerInfo(st, st.imageRef)
        this.statuses.set(id, {state: st.state, info})
        return info
      } catch (err) {
        if (!isNotFound(err)) throw err
        this.statuses.delete(id)
      }
    }
    const sb = await this.sandboxStatus(id)
    if (!sb) return undefined
    return sandboxInfo(sb, PAUSE_IMAGE, sb.state === 'SANDBOX_READY' ? sb.network?.ip : undefined)
  }

  async imageID(ref: string): Promise<string | undefined> {
    return (await this.cri.imageStatus(ref))?.id
  }

  async imageUser(ref: string): Promise<{uid?: number; username?: string} | undefined> {
    const img = await this.cri.imageStatus(ref)
    if (!img) return undefined
    // containerd reports a numeric USER as uid (0 included) and anything else as username; none when the image names none.
    return {uid: img.uid ? Number(img.uid.value) : undefined, username: img.username || undefined}
  }

  async pullImage(ref: string): Promise<void> {
    await this.cri.pullImage(ref)
  }

  /** A sandbox request runs the sandbox at once (CRI has no separate start for it); a container is only created. */
  async create(req: CreateRequest): Promise<string> {
    if (isSandboxRequest(req)) {
      const config = sandboxConfigFromRequest(req, {cgroupParent: this.cgroupParent || undefined})
      const id = await this.startSlots.run(() => this.cri.runPodSandbox(config))
      this.sandboxes.set(id, {config, hostNetwork: req.body.HostConfig?.NetworkMode === 'host'})
      return id
    }
    const sandboxId = sandboxIdOf(req)
    const sb = await this.knownSandbox(sandboxId)
    return this.cri.createContainer(sandboxId, containerConfigFromRequest(req, sb.hostNetwork), sb.config)
  }

  /** The config a sandbox was run with: remembered, or rebuilt from its status after an agent restart. */
  private async knownSandbox(id: string): Promise<KnownSandbox> {
    const known = this.sandboxes.get(id)
    if (known) return known
    const st = await this.cri.podSandboxStatus(id)
    const md = st.metadata ?? {name: '', uid: '', namespace: ''}
    const hostNetwork = st.linux?.namespaces?.options?.network === 'NODE'
    const config: PodSandboxConfig = {
      metadata: md,
      logDirectory: podLogDirectory(md.namespace, md.name, md.uid),
      labels: st.labels,
      annotations: st.annotations,
      linux: {cgroupParent: this.cgroupParent || undefined},
    }
    const sb = {config, hostNetwork}
    this.sandboxes.set(id, sb)
    return sb
  }

  private async isSandbox(id: string): Promise<boolean> {
    if (this.sandboxes.has(id)) return true
    if (this.statuses.has(id)) return false
    return (await this.cri.listPodSandbox({id})).length > 0
  }

  async start(id: string): Promise<void> {
    if (await this.isSandbox(id)) return
    await this.startSlots.run(() => this.cri.startContainer(id))
    this.statuses.delete(id)
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      if (await this.isSandbox(id)) await this.cri.stopPodSandbox(id)
      else await this.cri.stopContainer(id, Math.max(0, Math.round(graceSeconds)))
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    this.statuses.delete(id)
    this.sandboxIPs.delete(id)
  }

  async remove(id: string): Promise<void> {
    try {
      if (await this.isSandbox(id)) await this.cri.removePodSandbox(id)
      else await this.cri.removeContainer(id)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
    this.statuses.delete(id)
    this.sandboxIPs.delete(id)
    this.sandboxes.delete(id)
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    try {
      const res = await this.cri.execSync(id, cmd, Math.max(1, Math.ceil(timeoutMs / 1000)))
      const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, EXEC_OUTPUT_LIMIT).toString('utf8')
      return {exitCode: res.exitCode, output}
    } catch (err) {
      if (/timeout|deadline/i.test(String((err as Error)?.message))) return {exitCode: -1, output: '', timedOut: true}
      throw err
    }
  }

  /**
   * containerd 1.6 has no CRI event stream (GetContainerEvents came in 1.7), so the state is polled: one list of
   * sandboxes and one of containers per interval, and every pod whose containers changed state is reported.
   */
  watch(onChange: (podUID: string) => void, signal: AbortSignal): void {
    const pollMs = this.opts.pollMs ?? 1000
    let last: Map<string, {state: string; uid: string}> | undefined
    const loop = async () => {
      while (!signal.aborted) {
        try {
          const [sandboxes, containers] = await Promise.all([this.cri.listPodSandbox(), this.cri.listContainers()])
          const now = new Map<string, {state: string; uid: string}>()
          for (const x of [...sandboxes, ...containers]) {
            const uid = x.labels[PodLabels.podUID]
            if (uid) now.set(x.id, {state: x.state, uid})
          }
          if (last) {
            const changed = new Set<string>()
            for (const [id, x] of now) if (last.get(id)?.state !== x.state) changed.add(x.uid)
            for (const [id, x] of last) if (!now.has(id)) changed.add(x.uid)
            for (const uid of changed) onChange(uid)
          }
          last = now
        } catch {
          // containerd restarting: keep polling.
        }
        await new Promise((r) => setTimeout(r, pollMs))
      }
    }
    void loop()
  }
}

/**
 * Rotates the CRI log files of the node's running containers (the kubelet's container log manager): a file past
 * 10 MiB is renamed and containerd reopens a fresh one, and at most 4 rotated files are kept beside the current.
 * The path is computed from the container's labels (translate.ts names it), so a pass costs one list call.
 */
export function criLogRotator(client: CriClient, log: (msg: string) => void): LogRotator {
  return new LogRotator({
    list: async () =>
      (await client.listContainers({state: {state: 'CONTAINER_RUNNING'}}))
        .filter((c) => c.labels[PodLabels.podUID] && c.labels[PodLabels.containerName])
        .map((c) => ({
          id: c.id,
          logPath: `${podLogDirectory(c.labels[PodLabels.podNamespace] ?? '', c.labels[PodLabels.podName] ?? '', c.labels[PodLabels.podUID])}/${c.labels[PodLabels.containerName]}/${Number(c.labels[PodLabels.restartCount] ?? 0) || 0}.log`,
        })),
    reopen: (id) => client.reopenContainerLog(id),
    onResult: (r) => {
      for (const f of r.failed) log(`log rotation of container ${f.id.slice(0, 12)} failed: ${f.error.message}`)
    },
    onError: (err) => log(`log rotation: ${(err as Error)?.message ?? err}`),
  })
}

/** What the agent needs to run pods on the node's containerd: the readiness probe and the pod runtime, on one CRI channel. */
export function criAgentOptions(client: CriClient, podCIDR: string | undefined): {runtime: RuntimeProbe; pods: {runtime: CriRuntime}} {
  return {runtime: criProbe(client), pods: {runtime: new CriRuntime({client, podCIDR})}}
}
