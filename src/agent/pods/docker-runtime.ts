// ContainerRuntime over the node's inner dockerd with dockerode: list/inspect with a cache, create/start/stop, exec, events.
import {PassThrough} from 'node:stream'
import Dockerode from 'dockerode'
import {PodLabels, SANDBOX_CONTAINER} from '../container-labels.js'
import type {ContainerInfo, ContainerRuntime, CreateRequest, ExecResult} from './runtime.js'
import {Semaphore} from './semaphore.js'

const EXEC_OUTPUT_LIMIT = 10 * 1024

const DOCKER_ZERO_TIME = '0001-01-01T00:00:00Z'

function typeOf(labels: Record<string, string>): ContainerInfo['type'] {
  const t = labels[PodLabels.containerType]
  if (t === 'sandbox' || t === 'init') return t
  if (labels[PodLabels.containerName] === SANDBOX_CONTAINER) return 'sandbox'
  return 'app'
}

/** The HTTP status of a failed docker call (docker-modem sets statusCode). */
const statusOf = (err: unknown): number | undefined => (err as {statusCode?: number} | undefined)?.statusCode

function stateOf(s: string | undefined): ContainerInfo['state'] {
  if (s === 'running' || s === 'paused' || s === 'restarting') return 'running'
  if (s === 'exited' || s === 'dead') return 'exited'
  if (s === 'created') return 'created'
  return 'unknown'
}

/** The runtime in the node's inner dockerd at socketPath. */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Dockerode
  // Inspect answers by container id and list state: a container's start/finish facts only change with its state,
  // so a steady pod costs one list call per sync rather than one inspect per container.
  private readonly inspected = new Map<string, {state: string; info: ContainerInfo}>()

  private readonly startSlots: Semaphore

  /**
   * startConcurrency bounds concurrent container starts: a start is mostly kernel work (namespaces, cgroups, mounts,
   * veth) that contends for the node's few CPUs, so beyond a few at once each start only gets slower.
   */
  constructor(socketPath = '/var/run/docker.sock', opts: {startConcurrency?: number} = {}) {
    this.docker = new Dockerode({socketPath})
    this.startSlots = new Semaphore(opts.startConcurrency ?? Number(process.env.SKIFF_AGENT_START_CONCURRENCY || 4))
  }

  async listPodContainers(podUID?: string): Promise<ContainerInfo[]> {
    const label = podUID ? `${PodLabels.podUID}=${podUID}` : PodLabels.podUID
    const list = await this.docker.listContainers({all: true, filters: {label: [label]}})
    const out = await Promise.all(
      list.map(async (c) => {
        const cached = this.inspected.get(c.Id)
        if (cached && cached.state === c.State) return cached.info
        return this.inspect(c.Id)
      }),
    )
    if (!podUID) {
      // A full list is the moment to forget containers that are gone.
      const live = new Set(list.map((c) => c.Id))
      for (const id of this.inspected.keys()) if (!live.has(id)) this.inspected.delete(id)
    }
    return out.filter((c): c is ContainerInfo => c !== undefined)
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    let d: Dockerode.ContainerInspectInfo
    try {
      d = await this.docker.getContainer(id).inspect()
    } catch (err) {
      if (statusOf(err) === 404) {
        this.inspected.delete(id)
        return undefined
      }
      throw err
    }
    const labels = d.Config.Labels ?? {}
    const st = d.State
    const info: ContainerInfo = {
      id: d.Id,
      podUID: labels[PodLabels.podUID] ?? '',
      podName: labels[PodLabels.podName] ?? '',
      podNamespace: labels[PodLabels.podNamespace] ?? '',
      name: labels[PodLabels.containerName] ?? '',
      type: typeOf(labels),
      restartCount: Number(labels[PodLabels.restartCount] ?? 0) || 0,
      hash: labels[PodLabels.specHash] ?? '',
      state: stateOf(st.Status),
      image: d.Config.Image,
      imageID: d.Image,
      createdAt: Date.parse(d.Created),
      startedAt: st.StartedAt && st.StartedAt !== DOCKER_ZERO_TIME ? st.StartedAt : undefined,
      finishedAt: st.FinishedAt && st.FinishedAt !== DOCKER_ZERO_TIME ? st.FinishedAt : undefined,
      exitCode: st.ExitCode,
      oomKilled: st.OOMKilled,
      error: st.Error || undefined,
      ip: (d.NetworkSettings as {IPAddress?: string} | undefined)?.IPAddress || Object.values(d.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined,
    }
    this.inspected.set(id, {state: st.Status, info})
    return info
  }

  async imageID(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id
    } catch (err) {
      if (statusOf(err) === 404) return undefined
      throw err
    }
  }

  async pullImage(ref: string): Promise<void> {
    const stream = await this.docker.pull(ref)
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, events: {error?: string}[]) => {
        if (err) return reject(err)
        const failed = events?.find((e) => e?.error)
        if (failed) return reject(new Error(failed.error))
        resolve()
      })
    })
  }

  async create(req: CreateRequest): Promise<string> {
    const c = await this.docker.createContainer({name: req.name, ...req.body} as Dockerode.ContainerCreateOptions)
    return c.id
  }

  async start(id: string): Promise<void> {
    await this.startSlots.run(() => this.docker.getContainer(id).start())
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({t: Math.max(0, Math.round(graceSeconds))})
    } catch (err) {
      // 304: already stopped; 404: already gone. Both are the outcome we want.
      if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({force: true, v: true})
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err
    }
    this.inspected.delete(id)
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({Cmd: cmd, AttachStdout: true, AttachStderr: true})
    const stream = await exec.start({hijack: true, stdin: false})
    let output = ''
    const sink = new PassThrough()
    sink.on('data', (c: Buffer) => {
      if (output.length < EXEC_OUTPUT_LIMIT) output += c.toString('utf8')
    })
    this.docker.modem.demuxStream(stream, sink, sink)
    const finished = new Promise<void>((resolve) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', () => resolve())
    })
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      finished.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (timedOut) {
      stream.destroy()
      return {exitCode: -1, output: output.slice(0, EXEC_OUTPUT_LIMIT), timedOut: true}
    }
    const info = await exec.inspect()
    return {exitCode: info.ExitCode ?? -1, output: output.slice(0, EXEC_OUTPUT_LIMIT)}
  }

  watch(onChange: (podUID: string) => void, signal: AbortSignal): void {
    const loop = async () => {
      while (!signal.aborted) {
        try {
          const stream = (await this.docker.getEvents({
            filters: {type: ['container'], event: ['start', 'die', 'destroy', 'oom'], label: [PodLabels.podUID]},
          })) as NodeJS.ReadableStream & {destroy(): void}
          const onAbort = () => stream.destroy()
          signal.addEventListener('abort', onAbort, {once: true})
          let buf = ''
          await new Promise<void>((resolve) => {
            stream.on('data', (chunk: Buffer) => {
              buf += chunk.toString('utf8')
              let nl: number
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl)
                buf = buf.slice(nl + 1)
                try {
                  const ev = JSON.parse(line)
                  const id = ev?.Actor?.ID ?? ev?.id
                  if (id) this.inspected.delete(id)
                  const uid = ev?.Actor?.Attributes?.[PodLabels.podUID]
                  if (uid) onChange(uid)
                } catch {
                  // A partial or foreign line: ignore.
                }
              }
            })
            stream.on('end', resolve)
            stream.on('close', resolve)
            stream.on('error', () => resolve())
          })
          signal.removeEventListener('abort', onAbort)
        } catch {
          // dockerd restarting: retry below.
        }
        if (!signal.aborted) await new Promise((r) => setTimeout(r, 500))
      }
    }
    void loop()
  }
}
