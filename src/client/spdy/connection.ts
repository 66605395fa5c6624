// SPDY/3.1 sessions: multiplexed Duplex streams over one socket, interoperating with Go's moby/spdystream peers.
import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'
import {Duplex} from 'node:stream'
import {encodeFrame, FLAG_FIN, FrameReader, GoAwayStatus, HeaderCompressor, RstStatus, type DecodedFrame, type Frame, type SpdyHeaders} from './frames.js'

/** Which end of the session we are: clients open odd stream ids, servers even ones. */
export type SpdyRole = 'client' | 'server'

const MAX_DATA_FRAME = 16 * 1024
// Half of SPDY/3.1's default 64 KiB window. Only peers that sent SETTINGS get WINDOW_UPDATEs: Go's spdystream sends none,
// ignores them, and closing with them unread makes its kernel reset the TCP connection, dropping output not sent yet.
const WINDOW_UPDATE_AT = 32 * 1024
// Go's framer rejects a SYN_STREAM or SYN_REPLY carrying any of these, killing the whole session.
const HOP_BY_HOP = new Set(['connection', 'host', 'keep-alive', 'proxy-connection', 'transfer-encoding'])

/** Why a stream failed: reset by the peer with a status other than CANCEL (`status`), or its connection lost mid-stream. */
export class SpdyStreamError extends Error {
  override name = 'SpdyStreamError'
  constructor(message: string, readonly status?: number) {
    super(message)
  }
}

// What a stream needs from its connection.
interface StreamLink {
  alive(): boolean
  flowControl(): boolean
  send(frame: Frame): boolean
  sendReply(streamId: number, headers: SpdyHeaders): void
  whenDrained(callback: () => void): void
  forget(stream: SpdyStream): void
}

/**
 * One SPDY stream as a Node Duplex. Writing sends DATA frames, end() sends FIN (a half-close: reading goes on), the
 * peer's FIN ends the readable side. A peer's RST_STREAM ends reading after the data already received, then destroys the
 * stream: with a SpdyStreamError, except for CANCEL, which Go peers send to tear down streams that are done.
 */
export class SpdyStream extends Duplex {
  /** The peer's headers: from its SYN_STREAM for accepted streams, from its SYN_REPLY for streams we opened. */
  headers: SpdyHeaders
  /** Resolves with the peer's SYN_REPLY headers (at once for accepted streams); rejects if the stream dies first. */
  readonly replied: Promise<SpdyHeaders>
  /** The RST_STREAM status once either side reset the stream. */
  resetStatus?: number
  private settle?: {resolve: (h: SpdyHeaders) => void; reject: (err: Error) => void}
  private ready = false
  private readonly waiters: Array<() => void> = []
  private localClosed = false
  private remoteClosed = false
  private unacked = 0

  /** Made by SpdyConnection only: `opened` is true for streams we opened, false for the peer's. */
  constructor(private readonly link: StreamLink, readonly id: number, readonly opened: boolean, headers: SpdyHeaders) {
    super()
    this.headers = headers
    this.replied = opened ? new Promise((resolve, reject) => (this.settle = {resolve, reject})) : Promise.resolve(headers)
    // Nobody has to await `replied`; its rejection must not surface as an unhandled one.
    this.replied.catch(() => undefined)
  }

  /** Accepts a peer-opened stream with a SYN_REPLY. Writing first replies with no headers, since Go drops data sent before it. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.opened) throw new Error('reply() is only for streams the peer opened')
    checkHeaders(headers)
    if (this.ready || !this.isOpen() || !this.link.alive()) return
    this.ready = true
    this.link.sendReply(this.id, headers)
    runAll(this.waiters)
  }

  /** Aborts the stream: sends RST_STREAM (CANCEL by default) and destroys it, dropping unread data. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.isOpen() && this.link.alive()) this.link.send({type: 'RST_STREAM', streamId: this.id, status})
    this.markClosed(status)
    this.destroy()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.whenReady((err) => {
      if (err) return callback(err)
      // After a CANCEL the peer drops whatever we send (Go's spdystream does not fail such writes either): discard.
      if (this.resetStatus !== undefined) return callback()
      let flushed = true
      for (let offset = 0; offset < chunk.length; offset += MAX_DATA_FRAME) {
        flushed = this.link.send({type: 'DATA', streamId: this.id, flags: 0, data: chunk.subarray(offset, offset + MAX_DATA_FRAME)})
      }
      if (flushed) callback()
      else this.link.whenDrained(() => callback())
    })
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.whenReady((err) => {
      // A FIN carries no data, so on a reset stream or dead connection there is nothing to fail: end() just completes.
      if (!err && this.isOpen() && !this.localClosed) {
        this.localClosed = true
        this.link.send({type: 'DATA', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0)})
        if (this.remoteClosed) this.link.forget(this)
      }
      callback()
    })
  }

  override _read(): void {
    this.acknowledge()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // Destroying a live stream tells the peer, as Go's Stream.Reset does.
    if (this.isOpen()) {
      if (this.link.alive()) this.link.send({type: 'RST_STREAM', streamId: this.id, status: RstStatus.CANCEL})
      this.markClosed(RstStatus.CANCEL)
    }
    this.settle?.reject(err ?? new SpdyStreamError(`stream ${this.id} closed before its reply`))
    runAll(this.waiters)
    callback(err)
  }

  /** @internal A DATA frame for this stream arrived. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return
    if (data.length) {
      this.unacked += data.length
      if (this.push(data)) this.acknowledge()
    }
    if (fin) this.onFin()
  }

  /** @internal The peer's SYN_REPLY (kind 'reply') or HEADERS frame arrived; HEADERS are merged in and emitted as 'headers'. */
  onHeaders(kind: 'reply' | 'headers', headers: SpdyHeaders, fin: boolean): void {
    if (kind === 'headers') {
      this.headers = {...this.headers, ...headers}
      this.emit('headers', headers)
    } else if (this.opened && !this.ready) {
      this.ready = true
      this.headers = headers
      this.settle?.resolve(headers)
      runAll(this.waiters)
    }
    if (fin) this.onFin()
  }

  /** @internal The peer's FIN arrived. */
  onFin(): void {
    if (this.remoteClosed) return
    this.remoteClosed = true
    this.push(null)
    if (this.localClosed) this.link.forget(this)
  }

  /** @internal The peer reset the stream. */
  onReset(status: number): void {
    this.markClosed(status)
    const err = status === RstStatus.CANCEL ? undefined : new SpdyStreamError(`stream ${this.id} reset by peer (status ${status})`, status)
    this.settle?.reject(err ?? new SpdyStreamError(`stream ${this.id} cancelled by peer`, status))
    runAll(this.waiters)
    this.destroyAfterEnd(err)
  }

  /** @internal The connection went away; err is set when it broke rather than being closed by us. */
  onConnectionClose(err: Error | undefined): void {
    const complete = this.remoteClosed
    this.localClosed = this.remoteClosed = true
    this.settle?.reject(err ?? new SpdyStreamError('connection closed'))
    // What the peer finished sending stays readable; a stream cut short fails. Waiting writes fail after (callbacks only).
    if (complete) this.destroyAfterEnd(undefined)
    else this.destroy(err)
    runAll(this.waiters)
  }

  private isOpen(): boolean {
    return this.resetStatus === undefined && !(this.localClosed && this.remoteClosed)
  }

  private markClosed(status: number): void {
    this.resetStatus = status
    this.localClosed = true
    if (!this.remoteClosed) {
      this.remoteClosed = true
      this.push(null)
    }
    this.link.forget(this)
  }

  // Destroys once the data already pushed has been read ('end'); destroying at once would drop it.
  private destroyAfterEnd(err: Error | undefined): void {
    if (this.readableEnded) this.destroy(err)
    else this.once('end', () => this.destroy(err))
  }

  // Runs fn once the stream may carry data: our SYN_STREAM got its reply, or our SYN_REPLY went out.
  private whenReady(fn: (err?: Error) => void): void {
    if (this.destroyed) return fn(new SpdyStreamError(`stream ${this.id} destroyed`))
    if (this.resetStatus !== undefined) return fn(this.resetStatus === RstStatus.CANCEL ? undefined : new SpdyStreamError(`stream ${this.id} was reset`, this.resetStatus))
    if (!this.link.alive()) return fn(new SpdyStreamError('connection closed'))
    if (!this.ready && !this.opened) this.reply()
    if (this.ready) return fn()
    this.waiters.push(() => this.whenReady(fn))
  }

  // WINDOW_UPDATE for data the reader took, which a peer enforcing SPDY windows needs.
  private acknowledge(): void {
    if (this.unacked < WINDOW_UPDATE_AT || this.remoteClosed || !this.link.alive() || !this.link.flowControl()) return
    this.link.send({type: 'WINDOW_UPDATE', streamId: this.id, delta: this.unacked})
    this.unacked = 0
  }
}

/** Options of a SpdyConnection. */
export type SpdyConnectionOptions = {role: SpdyRole}

/**
 * A SPDY/3.1 session over a socket (any Duplex). Events: 'stream' (a SpdyStream the peer opened; without a listener such
 * streams are refused), 'goaway' ({lastGoodStreamId, status}), 'close' (error?: Error, set when the session broke).
 */
export class SpdyConnection extends EventEmitter {
  readonly role: SpdyRole
  private readonly compressor = new HeaderCompressor()
  private readonly reader = new FrameReader(
    (frame) => (frame ? this.handle(frame) : this.shutdown(this.socketError, this.socketError ?? new SpdyStreamError('connection closed by peer before the stream ended'))),
    (err) => this.protocolError(err),
  )
  private readonly streams = new Map<number, SpdyStream>()
  private readonly pings = new Map<number, {resolve: () => void; reject: (err: Error) => void}>()
  private readonly drainWaiters: Array<() => void> = []
  private nextStreamId: number
  private nextPingId: number
  private lastPeerStreamId = 0
  private unacked = 0
  private peerSettings = false
  private socketError?: Error
  private sentGoAway = false
  private peerGoneAway = false
  private isClosed = false

  /** Runs a session over the socket, which must already speak SPDY (after the HTTP upgrade). */
  constructor(private readonly socket: Duplex, options: SpdyConnectionOptions) {
    super()
    this.role = options.role
    this.nextStreamId = this.nextPingId = options.role === 'client' ? 1 : 2
    // Small frames (keystrokes, resize events) should not wait for Nagle's algorithm.
    ;(socket as Partial<Socket>).setNoDelay?.(true)
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk))
    // The end (or an error) is queued behind frames still waiting for header inflation, so none of them is lost.
    for (const event of ['end', 'close']) socket.on(event, () => this.reader.end())
    socket.on('error', (err: Error) => ((this.socketError ??= err), this.reader.end()))
    socket.on('drain', () => runAll(this.drainWaiters))
  }

  /** True once the session is over (closed by us, by the peer, or broken). */
  get closed(): boolean {
    return this.isClosed
  }

  /** Opens a stream with a SYN_STREAM carrying these headers; data written to it waits for the peer's SYN_REPLY. */
  openStream(headers: SpdyHeaders): SpdyStream {
    if (this.isClosed || this.sentGoAway || this.peerGoneAway) throw new Error('SPDY connection is closing')
    if (this.nextStreamId > 0x7fffffff) throw new Error('SPDY stream ids exhausted')
    checkHeaders(headers)
    const stream = new SpdyStream(this.link, this.nextStreamId, true, {})
    this.nextStreamId += 2
    this.streams.set(stream.id, stream)
    const headerBlock = this.compressor.compress(headers)
    this.send({type: 'SYN_STREAM', streamId: stream.id, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock})
    return stream
  }

  /** Sends a PING and resolves with the round-trip time in milliseconds. */
  ping(): Promise<number> {
    if (this.isClosed) return Promise.reject(new Error('SPDY connection is closed'))
    const id = this.nextPingId
    this.nextPingId = id + 2 > 0x7fffffff ? 2 - (id % 2) : id + 2
    const started = Date.now()
    return new Promise<void>((resolve, reject) => {
      this.pings.set(id, {resolve, reject})
      this.send({type: 'PING', id})
    }).then(() => Date.now() - started)
  }

  /** Sends GOAWAY: the peer may finish its streams but open no new ones, and we refuse any it still opens. */
  goAway(status: number = GoAwayStatus.OK): void {
    if (!this.isClosed && !this.sentGoAway) this.send({type: 'GOAWAY', lastGoodStreamId: this.lastPeerStreamId, status})
    this.sentGoAway = true
  }

  /** Ends the session: resets open streams, sends GOAWAY, closes the socket. Data the peer had finished stays readable. */
  close(): void {
    if (this.isClosed) return
    for (const stream of this.streams.values()) this.send({type: 'RST_STREAM', streamId: stream.id, status: RstStatus.CANCEL})
    this.goAway()
    this.socket.end()
    // A peer that never closes its side must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref()
    this.shutdown(undefined)
  }

  private readonly link: StreamLink = {
    alive: () => !this.isClosed,
    flowControl: () => this.peerSettings,
    send: (frame) => this.send(frame),
    sendReply: (streamId, headers) => this.send({type: 'SYN_REPLY', streamId, flags: 0, headerBlock: this.compressor.compress(headers)}),
    whenDrained: (callback) => this.drainWaiters.push(callback),
    forget: (stream) => void (this.streams.get(stream.id) === stream && this.streams.delete(stream.id)),
  }

  // Header blocks are compressed right before their frame is written: the peer inflates them in wire order.
  private send(frame: Frame): boolean {
    if (this.isClosed || this.socket.destroyed) return true
    return this.socket.write(encodeFrame(frame))
  }

  private handle(frame: DecodedFrame): void {
    switch (frame.type) {
      case 'DATA':
        this.unacked += frame.data.length
        if (this.unacked >= WINDOW_UPDATE_AT && this.peerSettings) {
          this.send({type: 'WINDOW_UPDATE', streamId: 0, delta: this.unacked}) // SPDY/3.1's session-wide window
          this.unacked = 0
        }
        // Frames for unknown or finished streams are dropped, as Go's spdystream does.
        this.streams.get(frame.streamId)?.onData(frame.data, (frame.flags & FLAG_FIN) !== 0)
        break
      case 'RST_STREAM':
        this.streams.get(frame.streamId)?.onReset(frame.status)
        break
      case 'PING':
        // Echo the peer's pings (ids of its parity); ours come back as answers.
        if (frame.id % 2 !== this.nextPingId % 2) this.send(frame)
        else this.pings.get(frame.id)?.resolve()
        this.pings.delete(frame.id)
        break
      case 'GOAWAY':
        this.peerGoneAway = true
        this.emit('goaway', {lastGoodStreamId: frame.lastGoodStreamId, status: frame.status})
        break
      case 'SYN_REPLY':
      case 'HEADERS':
        this.streams.get(frame.streamId)?.onHeaders(frame.type === 'SYN_REPLY' ? 'reply' : 'headers', frame.headers, (frame.flags & FLAG_FIN) !== 0)
        break
      case 'SYN_STREAM':
        this.accept(frame)
        break
      case 'SETTINGS':
        this.peerSettings = true // a flow-control-aware SPDY/3.1 peer: from now on it gets WINDOW_UPDATEs
        break
      default: // WINDOW_UPDATE: we enforce no windows on our sending (nor does Go); unknown control frames are to be ignored
        break
    }
  }

  private accept(frame: Extract<DecodedFrame, {type: 'SYN_STREAM'}>): void {
    // Peer streams must have the peer's parity and increasing ids (Go's spdystream checks the same).
    const invalid = frame.streamId % 2 !== (this.role === 'client' ? 0 : 1) || frame.streamId <= this.lastPeerStreamId
    if (!invalid) this.lastPeerStreamId = frame.streamId
    if (invalid || this.sentGoAway || this.listenerCount('stream') === 0) {
      const status = invalid ? RstStatus.PROTOCOL_ERROR : RstStatus.REFUSED_STREAM
      return void this.send({type: 'RST_STREAM', streamId: frame.streamId, status})
    }
    const stream = new SpdyStream(this.link, frame.streamId, false, frame.headers)
    this.streams.set(stream.id, stream)
    if (frame.flags & FLAG_FIN) stream.onFin()
    this.emit('stream', stream)
  }

  private protocolError(err: unknown): void {
    this.send({type: 'GOAWAY', lastGoodStreamId: this.lastPeerStreamId, status: GoAwayStatus.PROTOCOL_ERROR})
    this.shutdown(err instanceof Error ? err : new Error(String(err)))
  }

  // err: why the session broke (reported on 'close'); streamErr: what streams the peer had not finished fail with.
  private shutdown(err: Error | undefined, streamErr = err): void {
    if (this.isClosed) return
    this.isClosed = true
    this.reader.close()
    const streams = [...this.streams.values()]
    this.streams.clear()
    for (const stream of streams) stream.onConnectionClose(streamErr)
    for (const ping of this.pings.values()) ping.reject(new Error('SPDY connection closed'))
    this.pings.clear()
    runAll(this.drainWaiters)
    if (streamErr && !this.socket.destroyed) this.socket.destroy()
    this.emit('close', err)
  }
}

// Runs and removes the callbacks queued so far (ones they queue anew wait for the next run).
function runAll(callbacks: Array<() => void>): void {
  for (const callback of callbacks.splice(0)) callback()
}

function checkHeaders(headers: SpdyHeaders): void {
  for (const name of Object.keys(headers)) {
    if (HOP_BY_HOP.has(name.toLowerCase())) throw new Error(`header ${name} is not allowed on a SPDY stream`)
  }
}
