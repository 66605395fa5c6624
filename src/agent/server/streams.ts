// exec and attach over WebSocket with the Kubernetes channel protocols (v5/v4/v1 channel.k8s.io, binary; v4/v1 base64.channel.k8s.io, text), bridged to a runtime session.
import type {WebSocket} from 'ws'
import type {RemoteSession, StreamRuntime} from './runtime.js'
import {AgentError} from './status.js'
import {queryFlag} from '../../api/query.js'

/**
 * Subprotocols we speak, in order of preference. v5 adds the close channel (255) that half-closes stdin; v4 and v5
 * send the exit as a Status on the error channel, the older channel.k8s.io only a failure's message. The base64
 * forms (for clients that cannot send binary frames, such as browsers) frame the same channels as text: the channel
 * as an ASCII digit, then the payload in base64.
 */
export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io', 'v4.base64.channel.k8s.io', 'base64.channel.k8s.io'] as const

export type StreamProtocol = (typeof STREAM_PROTOCOLS)[number]

/** How a subprotocol frames its messages. */
export interface Framing {
  base64: boolean
  /** The error channel carries a JSON Status (v4 and later) rather than a failure's bare message. */
  statusJson: boolean
  /** The close channel (255) exists (v5). */
  closeChannel: boolean
}

/** The framing of one of our subprotocols. */
export function framingOf(protocol: StreamProtocol): Framing {
  return {base64: protocol.includes('base64'), statusJson: protocol.startsWith('v4.') || protocol.startsWith('v5.'), closeChannel: protocol.startsWith('v5.')}
}

/** One message for `channel` in `framing`. */
export function encodeFrame(framing: Framing, channel: number, data: Buffer): {data: Buffer | string; binary: boolean} {
  if (framing.base64) return {data: String(channel) + data.toString('base64'), binary: false}
  return {data: Buffer.concat([Buffer.from([channel]), data]), binary: true}
}

/** Channel and payload of a client's message; undefined for an empty or malformed one. */
export function decodeFrame(framing: Framing, msg: Buffer): {channel: number; data: Buffer} | undefined {
  if (msg.length === 0) return undefined
  if (!framing.base64) return {channel: msg[0], data: msg.subarray(1)}
  const digit = msg[0] - 0x30
  if (digit < 0 || digit > 9) return undefined
  return {channel: digit, data: Buffer.from(msg.subarray(1).toString('latin1'), 'base64')}
}

export const Channel = {stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255} as const

export type StreamKind = 'exec' | 'attach'

export interface StreamOptions {
  command: string[]
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

/** Parses and checks the query of an exec/attach request, with the kubelet's messages. */
export function parseStreamOptions(q: URLSearchParams, kind: StreamKind): StreamOptions {
  const tty = queryFlag(q, 'tty')
  // With a TTY stderr is merged into stdout, so kubectl does not ask for it; never attach it.
  const opts: StreamOptions = {command: q.getAll('command'), stdin: queryFlag(q, 'stdin'), stdout: queryFlag(q, 'stdout'), stderr: queryFlag(q, 'stderr') && !tty, tty}
  if (kind === 'exec' && opts.command.length === 0) throw new AgentError(400, 'BadRequest', 'you must specify at least one command for the container')
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new AgentError(400, 'BadRequest', 'you must specify at least 1 of stdin, stdout, stderr')
  return opts
}

/** The subprotocol to answer for the client's offer, or undefined when we speak none of them. */
export function pickProtocol(offered: string | undefined): StreamProtocol | undefined {
  const list = (offered ?? '').split(',').map(s => s.trim())
  return STREAM_PROTOCOLS.find(p => list.includes(p))
}

/** The running, newest instance of the container; 400 before the upgrade otherwise. */
export async function runningContainer(rt: StreamRuntime, ns: string, pod: string, container: string): Promise<StreamTarget> {
  const [current] = await rt.containerInstances(ns, pod, container)
  if (!current) throw new AgentError(404, 'NotFound', `container "${container}" not found in pod "${pod}"`)
  if (!current.running) throw new AgentError(400, 'BadRequest', notRunning(container, pod))
  return {id: current.id, tty: current.tty, name: container, pod}
}

/** The container instance a session runs in. */
export interface StreamTarget {
  id: string
  tty: boolean
  /** Container and pod name, for messages. */
  name?: string
  pod?: string
}

const notRunning = (container: string, pod: string) => `container "${container}" in pod "${pod}" is not running`

/** How often an attach checks that its container still runs, and how long output may drain after it stopped. */
export const ATTACH_WATCH = {intervalMs: 1000, drainMs: 2000}

function failure(message: string): Record<string, unknown> {
  return {metadata: {}, status: 'Failure', reason: 'BadRequest', message, code: 400}
}

function errorStatus(message: string): Record<string, unknown> {
  return {metadata: {}, status: 'Failure', reason: 'InternalError', message: `Internal error occurred: ${message}`, details: {causes: [{message}]}, code: 500}
}

/**
 * Runs an exec (or attach) session on an upgraded WebSocket: ws → the session's stdin/resize, its stdout/stderr →
 * ws, then the runtime's exit Status on channel 3 and a normal close.
 */
export async function runStream(ws: WebSocket, rt: StreamRuntime, container: StreamTarget, kind: StreamKind, opts: StreamOptions, log: (m: string) => void, protocol: StreamProtocol = 'v5.channel.k8s.io', endConnection?: () => void): Promise<void> {
  const framing = framingOf(protocol)
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return
    const frame = encodeFrame(framing, channel, Buffer.isBuffer(data) ? data : Buffer.from(data))
    ws.send(frame.data, {binary: frame.binary})
  }
  const finish = (status: Record<string, unknown>) => {
    // Before v4 the error channel carries only a failure's message; success is the close alone.
    if (framing.statusJson) send(Channel.error, JSON.stringify(status))
    else if (status.status !== 'Success') send(Channel.error, String(status.message ?? ''))
    if (ws.readyState === ws.OPEN) {
      ws.close(1000)
      // Then end the connection, as the kubelet does, rather than wait (up to 30 s) for the client's close frame: a
      // client that waits on the socket for more bytes (the Python client selects on it) would not see the close
      // frame already buffered in its TLS layer until the connection ends.
      endConnection?.()
    }
  }

  // Messages can arrive before the runtime's session is open (kubectl sends stdin at once): queue them until then.
  let session: RemoteSession | undefined
  let stdinClosed = false
  const pending: Buffer[] = []
  const handle = (msg: Buffer) => {
    const frame = session && decodeFrame(framing, msg)
    if (!session || !frame) return
    const {channel, data} = frame
    if (channel === Channel.stdin) {
      if (session.stdin && !stdinClosed && data.length > 0) session.stdin.write(data)
    } else if (channel === Channel.resize) {
      try {
        const size = JSON.parse(data.toString()) as {Width?: number; Height?: number}
        if (opts.tty && size.Width && size.Height) session.resize(size.Width, size.Height)
      } catch {
        // A malformed resize is not worth ending the session for.
      }
    } else if (framing.closeChannel && channel === Channel.close && data[0] === Channel.stdin) {
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
    // The container exited between the check and the runtime's attach: say so, as the check would have.
    const gone = kind === 'attach' && !(await rt.isRunning(container.id).catch(() => true))
    finish(gone ? failure(notRunning(container.name ?? container.id, container.pod ?? '')) : errorStatus(message))
    return
  }
  if (clientGone) {
    session.close()
    return
  }
  let sent = 0
  session.stdout?.on('data', (d: Buffer) => { sent += d.length; send(Channel.stdout, d) })
  session.stderr?.on('data', (d: Buffer) => { sent += d.length; send(Channel.stderr, d) })
  session.stdin?.on('error', (err) => log(`${kind} stdin: ${err.message}`))
  for (const m of pending.splice(0)) handle(m)
  const watch = kind === 'attach' ? watchContainer(rt, container.id) : undefined
  try {
    // An attach ends with its container: a runtime whose attach stream missed the exit must not hold the client.
    const status = await (watch ? Promise.race([session.status, watch.stopped.then(() => {
      session?.close()
      return success
    })]) : session.status)
    if (clientGone) return
    // An attach that ended with the container before any output reached it came too late to see what the container
    // wrote (kubectl run -it of a command that exits at once). Failing it makes kubectl fall back to the container's
    // logs, so the output is shown; a real kubelet mostly gets there by reporting the pod finished before Running.
    if (kind === 'attach' && sent === 0 && status.status === 'Success' && await stopsSoon(rt, container.id)) {
      finish(failure(notRunning(container.name ?? container.id, container.pod ?? '')))
    } else finish(status)
  } catch (err) {
    if (!clientGone) finish(errorStatus(err instanceof Error ? err.message : String(err)))
  } finally {
    watch?.stop()
  }
}

const success: Record<string, unknown> = {metadata: {}, status: 'Success'}

/**
 * Whether the container is stopped, or stops within ATTACH_WATCH.drainMs: the runtime may end an attach stream at
 * the process's exit a moment before its status says the container exited.
 */
async function stopsSoon(rt: StreamRuntime, id: string): Promise<boolean> {
  const deadline = Date.now() + ATTACH_WATCH.drainMs
  for (;;) {
    if (!(await rt.isRunning(id).catch(() => true))) return true
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves `stopped` once the container has stopped and its output has had ATTACH_WATCH.drainMs to drain. */
function watchContainer(rt: StreamRuntime, id: string): {stopped: Promise<void>; stop: () => void} {
  let drain: NodeJS.Timeout | undefined
  let timer: NodeJS.Timeout | undefined
  const stopped = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      if (drain) return
      rt.isRunning(id).then((running) => {
        if (!running && !drain) drain = setTimeout(resolve, ATTACH_WATCH.drainMs)
      }, () => undefined)
    }, ATTACH_WATCH.intervalMs)
  })
  return {stopped, stop: () => {
    clearInterval(timer)
    if (drain) clearTimeout(drain)
  }}
}
