// HTTP/2 transport of the API client: every request and watch of one client shares one multiplexed TLS session.
// Why: client-go talks HTTP/2 to the apiserver for the same reason. Over HTTP/1.1 each open watch holds a TLS
// connection of its own, ~80 KiB on each side; a controller-manager watching every resource held ~55 of them.
import * as http2 from 'node:http2'
import type {IncomingHttpHeaders} from 'node:http'
import type {Readable} from 'node:stream'

/** What the client reads of a response, from HTTP/1.1 and HTTP/2 alike: the status, headers and a body stream. */
export type Reply = Readable & {statusCode?: number; headers: IncomingHttpHeaders}

/** What the client drives of a request, from HTTP/1.1 and HTTP/2 alike. */
export interface Outgoing {
  setTimeout(ms: number, onTimeout: () => void): unknown
  destroy(err?: Error): unknown
  end(payload?: string): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
}

/** TLS settings of the session: what ClientConfig holds. */
export interface H2TlsOptions {
  ca?: string
  cert?: string
  key?: string
  rejectUnauthorized: boolean
}

/** One lazily opened HTTP/2 session per origin, replaced when it closes, fails or the server sends GOAWAY. */
export class H2Transport {
  private live?: {session: http2.ClientHttp2Session; open: number}
  private closed = false

  constructor(private readonly origin: string, private readonly tls: H2TlsOptions) {}

  /** Sends one request on the current session; onResponse gets the stream once the response headers arrive. */
  request(method: string, path: string, headers: Record<string, string>, onResponse: (res: Reply) => void): Outgoing {
    const live = this.current()
    const {session} = live
    const lower: http2.OutgoingHttpHeaders = {':method': method, ':path': path}
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v
    const stream = session.request(lower, {endStream: false})
    // A session keeps the process alive only while a request is open, like an HTTP/1.1 agent's idle sockets don't.
    if (live.open++ === 0) session.ref()
    stream.once('close', () => {
      if (--live.open === 0 && !session.destroyed) session.unref()
    })
    stream.once('response', (h) => {
      const reply = stream as unknown as Reply
      reply.statusCode = Number(h[':status'])
      reply.headers = h as IncomingHttpHeaders
      onResponse(reply)
    })
    return stream
  }

  /** Ends the session for good: open streams are cancelled, and a later request fails at once (the client is closed). */
  close(): void {
    this.closed = true
    this.live?.session.destroy()
    this.live = undefined
  }

  private current(): {session: http2.ClientHttp2Session; open: number} {
    const live = this.live
    if (live && !live.session.closed && !live.session.destroyed) return live
    if (this.closed) throw new Error(`${this.origin}: the client is closed`)
    const session = http2.connect(this.origin, {
      ca: this.tls.ca, cert: this.tls.cert, key: this.tls.key, rejectUnauthorized: this.tls.rejectUnauthorized,
      // Every watch is a stream; the server's own limit applies once its SETTINGS arrive.
      peerMaxConcurrentStreams: 1000,
    })
    const fresh = {session, open: 0}
    const forget = () => {
      if (this.live === fresh) this.live = undefined
    }
    // The error also reaches each open stream, whose caller reports it; the next request opens a new session.
    session.on('error', forget)
    session.on('goaway', forget)
    session.on('close', forget)
    // TCP keepalive is what notices a vanished peer under quiet watches.
    session.on('connect', (_s, socket) => (socket as {setKeepAlive?: (on: boolean, ms: number) => void}).setKeepAlive?.(true, 15_000))
    session.unref()
    this.live = fresh
    return fresh
  }
}
