// The slice of the inner dockerd the streaming server uses (a structural subset of dockerode, so tests can fake it), finding a pod's containers by their labels, and reading their output.
import {type Duplex, Readable, Writable} from 'node:stream'
import {PodLabels} from '../container-labels.js'

/** One entry of `GET /containers/json`. */
export interface DockerContainerSummary {
  Id: string
  Labels?: Record<string, string>
  State?: string
}

export interface DockerExec {
  start(opts: {hijack: true; stdin: boolean; Tty: boolean}): Promise<Duplex>
  resize(opts: {h: number; w: number}): Promise<unknown>
  inspect(): Promise<{Running?: boolean; ExitCode?: number | null}>
}

export interface DockerContainer {
  inspect(): Promise<{Config?: {Tty?: boolean; OpenStdin?: boolean}; State?: {Running?: boolean; ExitCode?: number}}>
  /** dockerode answers a Buffer when follow is false and a stream when it is true. */
  logs(opts: {follow: boolean; stdout: boolean; stderr: boolean; timestamps: boolean; tail?: number; since?: number}): Promise<NodeJS.ReadableStream | Buffer>
  exec(opts: {Cmd: string[]; AttachStdin: boolean; AttachStdout: boolean; AttachStderr: boolean; Tty: boolean}): Promise<DockerExec>
  attach(opts: {stream: true; hijack: true; stdin: boolean; stdout: boolean; stderr: boolean}): Promise<Duplex>
  resize(opts: {h: number; w: number}): Promise<unknown>
}

/** docker-modem's splitter of docker's multiplexed stdout/stderr stream (dockerode's `modem`). */
export interface DockerModem {
  demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void
}

/** What the streaming server calls on the docker client; a `new Dockerode()` satisfies it at runtime. */
export interface DockerApi {
  listContainers(opts: {all: boolean; filters: string}): Promise<DockerContainerSummary[]>
  getContainer(id: string): DockerContainer
  modem: DockerModem
}

/** One instance (one restart) of a pod's container in the inner dockerd. */
export interface ContainerInstance {
  id: string
  restartCount: number
  running: boolean
}

/** All instances of `container` in pod `namespace/pod`, newest (highest restartCount) first. */
export async function containerInstances(docker: DockerApi, namespace: string, pod: string, container: string): Promise<ContainerInstance[]> {
  const filters = JSON.stringify({label: [`${PodLabels.podNamespace}=${namespace}`, `${PodLabels.podName}=${pod}`, `${PodLabels.containerName}=${container}`]})
  const list = await docker.listContainers({all: true, filters})
  return list
    // Filter again: fakes (and a mis-set filter) must not hand back another pod's container.
    .filter(c => c.Labels?.[PodLabels.podNamespace] === namespace && c.Labels?.[PodLabels.podName] === pod && c.Labels?.[PodLabels.containerName] === container)
    .map(c => ({id: c.Id, restartCount: Number(c.Labels?.[PodLabels.restartCount] ?? 0) || 0, running: c.State === 'running'}))
    .sort((a, b) => b.restartCount - a.restartCount)
}

/** Wraps dockerode's non-follow Buffer answer in a stream so both answers are handled alike. */
export function asReadable(x: NodeJS.ReadableStream | Buffer): Readable {
  if (Buffer.isBuffer(x)) return Readable.from([x])
  return x as Readable
}

/** Calls onData with each chunk a container writes: docker-modem splits a stream without a TTY; with a TTY docker sends raw bytes (all stdout). */
export function onContainerOutput(docker: DockerApi, stream: Readable, tty: boolean, onData: (channel: 'stdout' | 'stderr', data: Buffer) => void): void {
  if (tty) {
    stream.on('data', (chunk: Buffer) => onData('stdout', chunk))
    return
  }
  const sink = (channel: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        onData(channel, chunk)
        cb()
      },
    })
  docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'))
}
