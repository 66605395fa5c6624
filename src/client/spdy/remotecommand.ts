// Client side of Kubernetes' remote command protocol v4 (exec, attach) and of port forwarding over SPDY, as kubectl and crictl speak them.
import type {Duplex, Readable, Writable} from 'node:stream'
import type {SpdyConnection, SpdyStream} from './connection.js'
import {spdyUpgrade, type SpdyUpgradeOptions} from './upgrade.js'

/** The remote command sub-protocol this client speaks (JSON metav1.Status on the error stream, resize stream). */
export const REMOTE_COMMAND_V4 = 'v4.channel.k8s.io'
/** The port forwarding sub-protocol; upgrade with it, then call portForwardStream per forwarded connection. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io'

/** Which standard streams the command has; they must match what the exec/attach request asked the server for. */
export interface RemoteCommandOptions {
  stdin?: boolean
  stdout?: boolean
  stderr?: boolean
  /** With a TTY stderr is merged into stdout (no stderr stream) and a resize stream exists. */
  tty?: boolean
  /** Upgrade settings other than the protocol (TLS, headers, method, timeout). */
  upgrade?: Omit<SpdyUpgradeOptions, 'protocols'>
}

/** A metav1.Status, as the server writes it on the error stream when the command is over. */
export interface RemoteCommandStatus {
  [key: string]: unknown
  metadata?: Record<string, unknown>
  status?: string
  message?: string
  reason?: string
  code?: number
  details?: {causes?: Array<{reason?: string; message?: string; field?: string}>}
}

/** A running remote command. */
export interface RemoteCommand {
  /** The process's stdin; end() half-closes the stream, which the process reads as EOF. */
  stdin?: Writable
  stdout?: Readable
  stderr?: Readable
  /** Sends a terminal size on the resize stream (a no-op without a TTY). */
  resize(width: number, height: number): void
  /** The final status; {metadata: {}, status: 'Success'} when the error stream closes empty. */
  status: Promise<RemoteCommandStatus>
  /** Ends the session (resets the streams, closes the connection). */
  close(): void
  /** The underlying SPDY session. */
  connection: SpdyConnection
}

/** Connects to an exec/attach URL (kubelet or CRI streaming server), opens the v4 streams and returns them. */
export async function remoteCommand(url: string, options: RemoteCommandOptions): Promise<RemoteCommand> {
  const {connection, protocol} = await spdyUpgrade(url, {...options.upgrade, protocols: [REMOTE_COMMAND_V4]})
  if (protocol !== REMOTE_COMMAND_V4) {
    connection.close()
    throw new Error(`server chose remote command protocol "${protocol}", only ${REMOTE_COMMAND_V4} is supported`)
  }
  return startRemoteCommand(connection, options)
}

/** Opens the v4 streams of a command on a session already upgraded to REMOTE_COMMAND_V4 (remoteCommand's second half). */
export async function startRemoteCommand(connection: SpdyConnection, options: RemoteCommandOptions): Promise<RemoteCommand> {
  // kubectl's order, error stream first. The server waits for exactly the streams its exec request named, in any order.
  const open = (streamtype: string): SpdyStream => connection.openStream({streamtype})
  const error = open('error')
  const stdin = options.stdin ? open('stdin') : undefined
  const stdout = options.stdout ? open('stdout') : undefined
  const stderr = options.stderr && !options.tty ? open('stderr') : undefined
  const resize = options.tty ? open('resize') : undefined
  // Nothing is read from stdin and resize: their failures (a lost session) show as a rejected status, not as crashes.
  for (const stream of [stdin, resize]) stream?.on('error', () => undefined)
  const status = readStatus(error)
  // Callers may never await the status (e.g. after close()); its failure must not become an unhandled rejection.
  status.catch(() => undefined)
  // Like kubectl's CreateStream: every stream must be accepted (within the upgrade's timeout) before the command counts as started.
  const timeoutMs = options.upgrade?.timeoutMs ?? 30_000
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not accepted within ${timeoutMs} ms`)), timeoutMs)))
    await Promise.race([Promise.all([error, stdin, stdout, stderr, resize].map((s) => s?.replied)), timeout])
  } catch (err) {
    connection.close()
    throw new Error(`remote command streams were refused: ${(err as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
  return {
    stdin,
    stdout,
    stderr,
    // Go's json.Encoder, which kubectl uses here, ends each value with a newline; the server decodes a JSON stream.
    resize: (width, height) => void resize?.write(`${JSON.stringify({Width: width, Height: height})}\n`),
    status,
    close: () => connection.close(),
    connection,
  }
}

/** The exit code a v4 status reports: 0 for Success, the ExitCode cause of a NonZeroExitCode failure, else undefined. */
export function exitCodeOf(status: RemoteCommandStatus): number | undefined {
  if (status.status === 'Success') return 0
  if (status.reason !== 'NonZeroExitCode') return undefined
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode')
  const code = Number(cause?.message)
  return cause && Number.isInteger(code) ? code : undefined
}

/** One forwarded connection on a portforward.k8s.io session: its data stream and the server's error text ('' if none). */
export interface PortForwardStream {
  data: Duplex
  error: Promise<string>
}

/** Opens the error and data streams of one forwarded connection to `port`, as kubectl port-forward does. */
export function portForwardStream(connection: SpdyConnection, port: number, requestId: number | string): PortForwardStream {
  const common = {port: String(port), requestid: String(requestId)}
  const errorStream = connection.openStream({streamtype: 'error', ...common})
  // kubectl half-closes the error stream at once: only the server writes on it.
  errorStream.end()
  const data = connection.openStream({streamtype: 'data', ...common})
  const error = readAll(errorStream).then((b) => b.toString('utf8'))
  error.catch(() => undefined)
  return {data, error}
}

// Everything the peer sends on a stream until it ends it (FIN, or a RST after the data, as Go servers do).
function readAll(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
    stream.on('close', () => reject(new Error('stream closed before the server ended it')))
  })
}

/**
 * The Status on the error stream, read to the stream's end. Go servers write it whole, in one DATA frame, just before
 * they reset the streams and close the connection. Should the connection break after that frame (a stdin EOF crossing
 * the server's close in flight makes its kernel reset the connection, taking its RST_STREAMs not yet sent with it), the
 * complete Status that did arrive is the command's outcome all the same. An error stream cut short of one still fails.
 */
function readStatus(stream: Readable): Promise<RemoteCommandStatus> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const lost = (err: Error): void => {
      const whole = completeStatus(Buffer.concat(chunks))
      if (whole) resolve(whole)
      else reject(err)
    }
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      try {
        resolve(parseStatus(Buffer.concat(chunks)))
      } catch (err) {
        reject(err)
      }
    })
    stream.on('error', lost)
    stream.on('close', () => lost(new Error('stream closed before the server ended it')))
  })
}

// A whole Status document in what arrived, or undefined (nothing, a fragment, something else).
function completeStatus(body: Buffer): RemoteCommandStatus | undefined {
  try {
    const status = body.toString('utf8').trim() ? parseStatus(body) : undefined
    return status?.status === 'Success' || status?.status === 'Failure' ? status : undefined
  } catch {
    return undefined
  }
}

function parseStatus(body: Buffer): RemoteCommandStatus {
  const text = body.toString('utf8').trim()
  if (!text) return {metadata: {}, status: 'Success'}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`malformed remote command status: ${text.slice(0, 200)}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`unexpected remote command status: ${text.slice(0, 200)}`)
  return parsed as RemoteCommandStatus
}
