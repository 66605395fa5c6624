// exec and attach over WebSocket with the Kubernetes channel protocol (v5/v4.channel.k8s.io): binary messages whose first byte is the channel.
import type {Duplex} from 'node:stream'
import type {WebSocket} from 'ws'
import {poll, PollTimeoutError} from '../../api/poll.js'
import {containerInstances, type DockerApi, onContainerOutput} from './runtime.js'
import {AgentError} from './status.js'

/** Subprotocols we speak, in order of preference; v5 adds the close channel (255) that half-closes stdin. */
export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const

export const Channel = {stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255} as const

export type StreamKind = 'exec' | 'attach'

export interface StreamOptions {
  command: string[]
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

const truthy = (v: string | null) => v === 'true' || v === '1'

/** Parses and checks the query of an exec/attach request, with the kubelet's messages. */
export function parseStreamOptions(q: URLSearchParams, kind: StreamKind): StreamOptions {
  const tty = truthy(q.get('tty'))
  // With a TTY stderr is merged into stdout, so kubectl does not ask for it; never attach it.
  const opts: StreamOptions = {command: q.getAll('command'), stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')) && !tty, tty}
  if (kind === 'exec' && opts.command.length === 0) throw new AgentError(400, 'BadRequest', 'you must specify at least one command for the container')
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new AgentError(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr')
  return opts
}

/** The subprotocol to answer for the client's offer, or undefined when we speak none of them. */
export function pickProtocol(offered: string | undefined): string | undefined {
  const list = (offered ?? '').split(',').map(s => s.trim())
  return STREAM_PROTOCOLS.find(p => list.includes(p))
}

/** The id of the running, newest instance of the container; 400 before the upgrade otherwise. */
export async function runningContainer(docker: DockerApi, ns: string, pod: string, container: string): Promise<string> {
  const [current] = await containerInstances(docker, ns, pod, container)
  if (!current) throw new AgentError(404, 'NotFound', `container "${container}" not found in pod "${pod}"`)
  if (!current.running) throw new AgentError(400, 'BadRequest', `container "${container}" in pod "${pod}" is not running`)
  return current.id
}

/** The channel-3 Status kubectl reads at the end of a stream (kubectl-compat D1). */
export function exitStatus(exitCode: number, command: string[]): Record<string, unknown> {
  if (exitCode === 0) return {metadata: {}, status: 'Success'}
  return {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    details: {causes: [{reason: 'ExitCode', message: String(exitCode)}]},
  }
}

function errorStatus(message: string): Record<string, unknown> {
  return {metadata: {}, status: 'Failure', reason: 'InternalError', message: `Internal error occurred: ${message}`, details: {causes: [{message}]}, code: 500}
}

/**
 * Runs an exec (or attach) session on an upgraded WebSocket: ws → docker stdin/resize, docker → ws stdout/stderr,
 * then the exit status on channel 3 and a normal close.
 */
export async function runStream(ws: WebSocket, docker: DockerApi, containerId: string, kind: StreamKind, opts: StreamOptions, log: (m: string) => void): Promise<void> {
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]), {binary: true})
  }
  const finish = (status: Record<string, unknown>) => {
    send(Channel.error, JSON.stringify(status))
    if (ws.readyState === ws.OPEN) ws.close(1000)
  }

  // Messages can arrive before docker's stream is open (kubectl sends stdin at once): queue them until then.
  let stream: Duplex | undefined
  let resize: ((w: number, h: number) => Promise<unknown>) | undefined
  let stdinClosed = false
  const pending: Buffer[] = []
  const handle = (msg: Buffer) => {
    if (msg.length === 0) return
    const channel = msg[0]
    const data = msg.subarray(1)
    if (channel === Channel.stdin) {
      if (opts.stdin && !stdinClosed && data.length > 0) stream!.write(data)
    } else if (channel === Channel.resize) {
      try {
        const size = JSON.parse(data.toString()) as {Width?: number; Height?: number}
        if (opts.tty && size.Width && size.Height) resize?.(size.Width, size.Height).catch(() => {})
      } catch {
        // A malformed resize is not worth ending the session for.
      }
    } else if (channel === Channel.close && data[0] === Channel.stdin) {
      // The client's stdin reached EOF: half-close docker's hijacked stream so the process sees EOF too.
      if (opts.stdin && !stdinClosed) {
        stdinClosed = true
        stream!.end()
      }
    }
  }
  let clientGone = false
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const buf = isBinary ? msg : Buffer.from(msg)
    if (stream) handle(buf)
    else pending.push(buf)
  })
  ws.on('close', () => {
    clientGone = true
    stream?.destroy()
  })
  ws.on('error', () => stream?.destroy())

  const c = docker.getContainer(containerId)
  let exitCode: () => Promise<number | undefined>
  try {
    if (kind === 'exec') {
      const exec = await c.exec({Cmd: opts.command, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr, Tty: opts.tty})
      stream = await exec.start({hijack: true, stdin: opts.stdin, Tty: opts.tty})
      resize = (w, h) => exec.resize({w, h})
      exitCode = async () => {
        // Docker may report the exec as running for a moment after its stream ended.
        const exited = async () => {
          const info = await exec.inspect()
          return !info.Running && typeof info.ExitCode === 'number' ? info.ExitCode : undefined
        }
        return poll(exited, {what: 'the exec to exit', intervalMs: 20, deadline: Date.now() + 1000}).catch((err) => {
          // Still running after a second: no exit code; docker failing to answer: its error.
          if (err instanceof PollTimeoutError && err.lastError) throw err.lastError
          return undefined
        })
      }
    } else {
      const info = await c.inspect()
      opts.tty = info.Config?.Tty === true
      if (opts.tty) opts.stderr = false
      stream = await c.attach({stream: true, hijack: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr})
      resize = (w, h) => c.resize({w, h})
      // Attach reports how the stream ended, not the process' exit code, as the kubelet does.
      exitCode = async () => 0
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    log(`${kind} in ${containerId.slice(0, 12)} failed: ${message}`)
    finish(errorStatus(message))
    return
  }
  if (clientGone) {
    stream.destroy()
    return
  }
  const s = stream
  onContainerOutput(docker, s, opts.tty, (channel, data) => send(channel === 'stderr' ? Channel.stderr : Channel.stdout, data))
  let ended = false
  const onEnd = async () => {
    if (ended) return
    ended = true
    if (clientGone) return
    try {
      const code = await exitCode()
      finish(code === undefined ? errorStatus('could not read the exit code') : exitStatus(code, opts.command))
    } catch (err) {
      finish(errorStatus(err instanceof Error ? err.message : String(err)))
    }
  }
  s.on('end', onEnd)
  s.on('close', onEnd)
  s.on('error', (err) => log(`${kind} stream error: ${err.message}`))
  for (const m of pending.splice(0)) handle(m)
}
