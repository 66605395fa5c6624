// StreamRuntime over containerd's CRI: containers found by their pod labels, exec and attach through the runtime's streaming server (remote command protocol v4 over SPDY).
import {PodLabels} from '../container-labels.js'
import {type CriClient, isNotFound} from '../cri/client.js'
import {PORT_FORWARD_PROTOCOL, remoteCommand, type SpdyConnection, spdyUpgrade} from '../../client/spdy/index.js'
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
  const rc = await remoteCommand(url, io)
  // A stream torn down with the connection (the runtime went away) must not crash the agent: the status says why.
  for (const st of [rc.stdin, rc.stdout, rc.stderr]) st?.on('error', () => {})
  const ended = (s: NodeJS.ReadableStream | undefined) => (s ? new Promise<void>((resolve) => {
    s.once('end', resolve)
    s.once('close', resolve)
    s.once('error', () => resolve())
  }) : Promise.resolve())
  const outputs = Promise.all([ended(rc.stdout), ended(rc.stderr)])
  return {
    stdin: rc.stdin,
    stdout: rc.stdout,
    stderr: rc.stderr,
    resize: (w, h) => rc.resize(w, h),
    status: rc.status.then(async (st) => {
      await outputs
      return st as Record<string, unknown>
    }),
    close: () => rc.close(),
  }
}
