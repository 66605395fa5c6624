// StreamRuntime over containerd's CRI: containers found by their pod labels, exec and attach through the runtime's streaming server (remote command protocol v4 over SPDY).
import {Writable, type Readable} from 'node:stream'
import {PodLabels} from '../container-labels.js'
import {type CriClient, isNotFound} from '../cri/client.js'
import {PORT_FORWARD_PROTOCOL, type RemoteCommand, remoteCommand, type SpdyConnection, spdyUpgrade} from '../../client/spdy/index.js'
import type {ContainerInstance, RemoteSession, StreamIO, StreamRuntime} from './runtime.js'

/** The streaming seam on the node's containerd. */
export class CriStreamRuntime implements StreamRuntime {
  constructor(private readonly cri: CriClient) {}

  async containerInstances(namespace: string, pod: string, container: string): Promise<ContainerInstance[]> {
    const labelSelector = {[PodLabels.podNamespace]: namespace, [PodLabels.podName]: pod, [PodLabels.containerName]: container}
    const list = await this.cri.listContainers({labelSelector})
    const out: ContainerInstance[] = []
    for (const c of list) {
      // Filter again: a runtime that ignored the selector must not hand back another pod's container.
      if (Object.entries(labelSelector).some(([k, v]) => c.labels[k] !== v)) continue
      let logPath: string | undefined
      try {
        logPath = (await this.cri.containerStatus(c.id)).logPath || undefined
      } catch (err) {
        if (isNotFound(err)) continue
        throw err
      }
      out.push({id: c.id, restartCount: Number(c.labels[PodLabels.restartCount] ?? 0) || 0, running: c.state === 'CONTAINER_RUNNING', logPath, tty: c.labels[PodLabels.tty] === 'true'})
    }
    return out.sort((a, b) => b.restartCount - a.restartCount)
  }

  async isRunning(id: string): Promise<boolean> {
    try {
      return (await this.cri.containerStatus(id)).state === 'CONTAINER_RUNNING'
    } catch (err) {
      if (isNotFound(err)) return false
      throw err
    }
  }

  async exec(id: string, command: string[], io: StreamIO): Promise<RemoteSession> {
    return session(await this.cri.exec(id, command, io), io)
  }

  async attach(id: string, io: StreamIO): Promise<RemoteSession> {
    return session(await this.cri.attach(id, io), io)
  }

  private async sandboxOf(namespace: string, pod: string): Promise<string | undefined> {
    const list = await this.cri.listPodSandbox({labelSelector: {[PodLabels.podNamespace]: namespace, [PodLabels.podName]: pod}, state: {state: 'SANDBOX_READY'}})
    return list.filter((s) => s.labels[PodLabels.podNamespace] === namespace && s.labels[PodLabels.podName] === pod).sort((a, b) => b.createdAt - a.createdAt)[0]?.id
  }

  async hasSandbox(namespace: string, pod: string): Promise<boolean> {
    return (await this.sandboxOf(namespace, pod)) !== undefined
  }

  async portForward(namespace: string, pod: string): Promise<SpdyConnection> {
    const id = await this.sandboxOf(namespace, pod)
    if (!id) throw new Error(`pod ${namespace}/${pod} has no running sandbox`)
    const {connection} = await spdyUpgrade(await this.cri.portForward(id, []), {protocols: [PORT_FORWARD_PROTOCOL]})
    return connection
  }
}

/** Connects to a streaming-server URL and exposes the session; the status waits for the output streams to end. */
async function session(url: string, io: StreamIO): Promise<RemoteSession> {
  return remoteSession(await remoteCommand(url, io))
}

/** A remote command on containerd's streaming server as a RemoteSession: stdin is gated (StdinUntilOutputEnds), the status waits for the outputs. */
export function remoteSession(rc: RemoteCommand): RemoteSession {
  // A stream torn down with the connection (the runtime went away) must not crash the agent: the status says why.
  for (const st of [rc.stdin, rc.stdout, rc.stderr]) st?.on('error', () => {})
  const ended = (s: NodeJS.ReadableStream | undefined) => (s ? new Promise<void>((resolve) => {
    s.once('end', resolve)
    s.once('close', resolve)
    s.once('error', () => resolve())
  }) : Promise.resolve())
  const outputs = Promise.all([ended(rc.stdout), ended(rc.stderr)])
  // Once the status is in, the runtime closes the connection itself (containerd's ServeExec does, right after writing
  // it): frames sent to it then are never read, and its kernel answers them with a reset. A connection it left open
  // is closed a little later all the same.
  let over = false
  rc.status.then(() => (over = true), () => undefined)
  return {
    stdin: rc.stdin && new StdinUntilOutputEnds(rc.stdin, [rc.stdout, rc.stderr]),
    stdout: rc.stdout,
    stderr: rc.stderr,
    resize: (w, h) => rc.resize(w, h),
    status: rc.status.then(async (st) => {
      await outputs
      return st as Record<string, unknown>
    }),
    close: () => (over ? setTimeout(() => rc.close(), 2000).unref() : rc.close()),
  }
}

/**
 * The session's stdin, passed on until the runtime has ended one of the output streams, dropped from then on. Why:
 * containerd's CRI stops copying stdin into the process as soon as one output stream's copy ends (pkg/cri/io closes
 * its stdin reader then, for exec and attach alike), and its streaming server closes the connection right after the
 * status. A frame sent after that is never read: it reaches a socket that is closed or closing, whose kernel answers
 * with a TCP reset and throws away the server's frames not yet transmitted, the exit status among them. Clients send
 * their stdin EOF whenever their own input ends, often just after the command's output (kubectl exec -i with a
 * script ending in `exit`), so without this gate that EOF raced the server's close and sometimes cost the status.
 * Each write waits one turn of the event loop first: a client's message and the runtime's output end often arrive
 * together, and the decision must see whatever the runtime has already sent.
 */
export class StdinUntilOutputEnds extends Writable {
  private open = true

  constructor(private readonly stdin: Writable, outputs: Array<Readable | undefined>) {
    super()
    for (const out of outputs) for (const event of ['end', 'close']) out?.once(event, () => (this.open = false))
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    setImmediate(() => (this.passing() ? this.stdin.write(chunk, callback) : callback()))
  }

  override _final(callback: (err?: Error | null) => void): void {
    setImmediate(() => (this.passing() ? this.stdin.end(callback) : callback()))
  }

  // A stdin torn down with its session has nobody to pass anything to either; the status tells how the session ended.
  private passing(): boolean {
    return this.open && !this.stdin.destroyed
  }
}
