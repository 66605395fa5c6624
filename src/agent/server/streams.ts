// exec and attach over WebSocket with the Kubernetes channel protocol (v5/v4.channel.k8s.io): binary messages whose first byte is the channel, bridged to a runtime session.
import type {WebSocket} from 'ws'
import type {RemoteSession, StreamRuntime} from './runtime.js'
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

/** The running, newest instance of the container; 400 before the upgrade otherwise. */
export async function runningContainer(rt: StreamRuntime, ns: string, pod: string, container: string): Promise<{id: string; tty: boolean}> {
  const [current] = await rt.containerInstances(ns, pod, container)
  if (!current) throw new AgentError(404, 'NotFound', `container "${container}" not found in pod "${pod}"`)
  if (!current.running) throw new AgentError(400, 'BadRequest', `container "${container}" in pod "${pod}" is not running`)
  return {id: current.id, tty: current.tty}
}

function errorStatus(message: string): Record<string, unknown> {
  return {metadata: {}, status: 'Failure', reason: 'InternalError', message: `Internal error occurred: ${message}`, details: {causes: [{message}]}, code: 500}
}

/**
 * Runs an exec (or attach) session on an upgraded WebSocket: ws → the session's stdin/resize, its stdout/stderr →
 * ws, then the runtime's exit Status on channel 3 and a normal close.
 */
export async function runStream(ws: WebSocket, rt: StreamRuntime, container: {id: string; tty: boolean}, kind: StreamKind, opts: StreamOptions, log: (m: string) => void): Promise<void> {
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.isBuffer(data) ? data : Buffer.from(data)]), {binary: true})
  }
  const finish = (status: Record<string, unknown>) => {
    send(Channel.error, JSON.stringify(status))
    if (ws.readyState === ws.OPEN) ws.close(1000)
  }

  // Messages can arrive before the runtime's session is open (kubectl sends stdin at once): queue them until then.
  let session: RemoteSession | undefined
  let stdinClosed = false
  const pending: Buffer[] = []
  const handle = (msg: Buffer) => {
    if (msg.length === 0 || !session) return
    const channel = msg[0]
    const data = msg.subarray(1)
    if (channel === Channel.stdin) {
      if (session.stdin && !stdinClosed && data.length > 0) session.stdin.write(data)
    } else if (channel === Channel.resize) {
      try {
        const size = JSON.parse(data.toString()) as {Width?: number; Height?: number}
        if (opts.tty && size.Width && size.Height) session.resize(size.Width, size.Height)
      } catch {
        // A malformed resize is not worth ending the session for.
      }
    } else if (channel === Channel.close && data[0] === Channel.stdin) {
      // The client's stdin reached EOF: half-close the session's stdin so the process sees EOF too.
      if (session.stdin && !stdinClosed) {
        stdinClosed = true
        session.stdin.end()
      }
    }
  }
  let clientGone = false
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const buf = isBinary ? msg : Buffer.from(msg)
    if (session) handle(buf)
    else pending.push(buf)
  })
  ws.on('close', () => {
    clientGone = true
    session?.close()
  })
  ws.on('error', () => session?.close())

  // Attach takes the container's own TTY setting; with a TTY there is no separate stderr.
  if (kind === 'attach') {
    opts.tty = container.tty
    if (opts.tty) opts.stderr = false
  }
  const io = {stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, tty: opts.tty}
  try {
    session = kind === 'exec' ? await rt.exec(container.id, opts.command, io) : await rt.attach(container.id, io)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    log(`${kind} in ${container.id.slice(0, 12)} failed: ${message}`)
    finish(errorStatus(message))
    return
  }
  if (clientGone) {
    session.close()
    return
  }
  session.stdout?.on('data', (d: Buffer) => send(Channel.stdout, d))
  session.stderr?.on('data', (d: Buffer) => send(Channel.stderr, d))
  session.stdin?.on('error', (err) => log(`${kind} stdin: ${err.message}`))
  for (const m of pending.splice(0)) handle(m)
  try {
    const status = await session.status
    if (!clientGone) finish(status)
  } catch (err) {
    if (!clientGone) finish(errorStatus(err instanceof Error ? err.message : String(err)))
  }
}
