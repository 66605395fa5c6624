// SPDY/3.1 frame codec: an incremental frame parser, frame encoders, and the per-connection header block (de)compression.
import zlib from 'node:zlib'
import {SPDY_DICTIONARY} from './dictionary.js'

/** The protocol version carried in every control frame. */
export const SPDY_VERSION = 3
/** The largest frame payload the 24-bit length field can describe. */
export const MAX_FRAME_PAYLOAD = 0xffffff
/** FIN: the sender's last frame on the stream (DATA, SYN_STREAM, SYN_REPLY, HEADERS). */
export const FLAG_FIN = 0x01
/** UNIDIRECTIONAL: on SYN_STREAM, the opener will not receive data. */
export const FLAG_UNIDIRECTIONAL = 0x02

/** RST_STREAM status codes (SPDY/3 section 2.6.3). */
export const RstStatus = {
  PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5, INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9, INVALID_CREDENTIALS: 10, FRAME_TOO_LARGE: 11,
} as const

/** GOAWAY status codes. */
export const GoAwayStatus = {OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2} as const

const TYPE_CODES = {SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9} as const

/** Header names (lower case) to values; several values of one name travel NUL-joined and decode as an array. */
export type SpdyHeaders = Record<string, string | string[]>

/** A decoded frame. Header blocks stay compressed here: only the connection's shared zlib context can inflate them, in order. */
export type Frame =
  | {type: 'DATA'; streamId: number; flags: number; data: Buffer}
  | {type: 'SYN_STREAM'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headerBlock: Buffer}
  | {type: 'SYN_REPLY'; streamId: number; flags: number; headerBlock: Buffer}
  | {type: 'RST_STREAM'; streamId: number; status: number}
  | {type: 'SETTINGS'; flags: number; entries: Array<{flags: number; id: number; value: number}>}
  | {type: 'PING'; id: number}
  | {type: 'GOAWAY'; lastGoodStreamId: number; status: number}
  | {type: 'HEADERS'; streamId: number; flags: number; headerBlock: Buffer}
  | {type: 'WINDOW_UPDATE'; streamId: number; delta: number}
  | {type: 'UNKNOWN'; controlType: number; flags: number; payload: Buffer}

/** A frame with its header block inflated into headers. */
export type DecodedFrame = Exclude<Frame, {headerBlock: Buffer}> | (Extract<Frame, {headerBlock: Buffer}> & {headers: SpdyHeaders})

/** A violation of the SPDY framing rules by the peer (or by a caller building a frame). */
export class SpdyProtocolError extends Error {
  override name = 'SpdyProtocolError'
}

/** Encodes a frame into its wire bytes. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'DATA': {
      const head = frameHead(frame.flags, frame.data.length)
      head.writeUInt32BE(id31(frame.streamId), 0)
      return Buffer.concat([head, frame.data])
    }
    case 'SYN_STREAM': {
      const fixed = Buffer.alloc(10)
      fixed.writeUInt32BE(id31(frame.streamId), 0)
      fixed.writeUInt32BE(id31(frame.associatedId), 4)
      fixed[8] = (frame.priority & 0x07) << 5
      fixed[9] = frame.slot & 0xff
      return control(TYPE_CODES.SYN_STREAM, frame.flags, fixed, frame.headerBlock)
    }
    case 'SYN_REPLY':
    case 'HEADERS':
      return control(TYPE_CODES[frame.type], frame.flags, u32(id31(frame.streamId)), frame.headerBlock)
    case 'RST_STREAM':
      return control(TYPE_CODES.RST_STREAM, 0, u32(id31(frame.streamId)), u32(frame.status))
    case 'SETTINGS': {
      const body = Buffer.alloc(4 + 8 * frame.entries.length)
      body.writeUInt32BE(frame.entries.length, 0)
      frame.entries.forEach((e, i) => {
        body[4 + 8 * i] = e.flags & 0xff
        body.writeUIntBE(e.id & 0xffffff, 5 + 8 * i, 3)
        body.writeUInt32BE(e.value >>> 0, 8 + 8 * i)
      })
      return control(TYPE_CODES.SETTINGS, frame.flags, body)
    }
    case 'PING':
      return control(TYPE_CODES.PING, 0, u32(frame.id >>> 0))
    case 'GOAWAY':
      return control(TYPE_CODES.GOAWAY, 0, u32(id31(frame.lastGoodStreamId)), u32(frame.status))
    case 'WINDOW_UPDATE':
      return control(TYPE_CODES.WINDOW_UPDATE, 0, u32(id31(frame.streamId)), u32(frame.delta & 0x7fffffff))
    case 'UNKNOWN':
      return control(frame.controlType, frame.flags, frame.payload)
  }
}

function frameHead(flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame payload of ${length} bytes exceeds ${MAX_FRAME_PAYLOAD}`)
  const head = Buffer.alloc(8)
  head[4] = flags & 0xff
  head.writeUIntBE(length, 5, 3)
  return head
}

function control(type: number, flags: number, ...payload: Buffer[]): Buffer {
  const head = frameHead(flags, payload.reduce((n, p) => n + p.length, 0))
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0)
  head.writeUInt16BE(type, 2)
  return Buffer.concat([head, ...payload])
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(value >>> 0)
  return b
}

function id31(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) throw new SpdyProtocolError(`invalid stream id ${id}`)
  return id
}

/** Incremental frame parser: push socket chunks of any size, get back the frames they complete. */
export class FrameParser {
  // Chunks are kept as received and joined only once a whole frame is present, so a large frame costs one copy.
  private chunks: Buffer[] = []
  private buffered = 0

  /** Adds a chunk and returns the complete frames now available. Throws SpdyProtocolError on a malformed frame. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    const frames: Frame[] = []
    while (this.buffered >= 8) {
      const total = 8 + this.peekHead().readUIntBE(5, 3)
      if (this.buffered < total) break
      frames.push(parseFrame(this.take(total)))
    }
    return frames
  }

  private peekHead(): Buffer {
    if (this.chunks[0].length < 8) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]
  }

  private take(n: number): Buffer {
    this.buffered -= n
    const first = this.chunks[0]
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const all = Buffer.concat(this.chunks)
    this.chunks = all.length > n ? [all.subarray(n)] : []
    return all.subarray(0, n)
  }
}

/** Decodes one complete frame (8-byte head plus payload). */
export function parseFrame(bytes: Buffer): Frame {
  const flags = bytes[4]
  const p = bytes.subarray(8)
  if ((bytes[0] & 0x80) === 0) return {type: 'DATA', streamId: bytes.readUInt32BE(0) & 0x7fffffff, flags, data: p}
  const version = bytes.readUInt16BE(0) & 0x7fff
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`)
  const type = bytes.readUInt16BE(2)
  const need = (n: number, exact = false): void => {
    if (p.length < n || (exact && p.length !== n)) throw new SpdyProtocolError(`control frame type ${type} has a bad length ${p.length}`)
  }
  const word = (offset: number): number => p.readUInt32BE(offset)
  const id = (offset: number): number => word(offset) & 0x7fffffff
  switch (type) {
    case TYPE_CODES.SYN_STREAM:
      need(10)
      return {type: 'SYN_STREAM', streamId: id(0), associatedId: id(4), priority: p[8] >> 5, slot: p[9], flags, headerBlock: p.subarray(10)}
    case TYPE_CODES.SYN_REPLY:
    case TYPE_CODES.HEADERS:
      need(4)
      return {type: type === TYPE_CODES.SYN_REPLY ? 'SYN_REPLY' : 'HEADERS', streamId: id(0), flags, headerBlock: p.subarray(4)}
    case TYPE_CODES.RST_STREAM:
      need(8, true)
      return {type: 'RST_STREAM', streamId: id(0), status: word(4)}
    case TYPE_CODES.SETTINGS: {
      need(4)
      const count = word(0)
      need(4 + 8 * count, true)
      const entries: Array<{flags: number; id: number; value: number}> = []
      for (let i = 0, o = 4; i < count; i++, o += 8) entries.push({flags: p[o], id: p.readUIntBE(o + 1, 3), value: word(o + 4)})
      return {type: 'SETTINGS', flags, entries}
    }
    case TYPE_CODES.PING:
      need(4, true)
      return {type: 'PING', id: word(0)}
    case TYPE_CODES.GOAWAY:
      need(8, true)
      return {type: 'GOAWAY', lastGoodStreamId: id(0), status: word(4)}
    case TYPE_CODES.WINDOW_UPDATE:
      need(8, true)
      return {type: 'WINDOW_UPDATE', streamId: id(0), delta: id(4)}
    default:
      // SPDY/3 says unknown control frames are to be ignored, so they are surfaced rather than rejected.
      return {type: 'UNKNOWN', controlType: type, flags, payload: p}
  }
}

/** Serializes headers into an uncompressed header block (names lower-cased, repeated names merged, values NUL-joined). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  // Go's framer rejects upper-case and duplicate names, so both are normalized here.
  const merged = new Map<string, string[]>()
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase()
    if (!name) throw new SpdyProtocolError('empty header name')
    merged.set(name, [...(merged.get(name) ?? []), ...(Array.isArray(value) ? value : [value])])
  }
  const parts: Buffer[] = [u32(merged.size)]
  for (const [name, values] of merged) {
    const n = Buffer.from(name, 'utf8')
    const v = Buffer.from(values.join('\0'), 'utf8')
    parts.push(u32(n.length), n, u32(v.length), v)
  }
  return Buffer.concat(parts)
}

/** Parses an uncompressed header block. Throws SpdyProtocolError when it is truncated. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let offset = 0
  const read = (n: number): Buffer => {
    if (offset + n > block.length) throw new SpdyProtocolError('truncated header block')
    offset += n
    return block.subarray(offset - n, offset)
  }
  const count = read(4).readUInt32BE(0)
  const headers: SpdyHeaders = {}
  for (let i = 0; i < count; i++) {
    const name = read(read(4).readUInt32BE(0)).toString('utf8').toLowerCase()
    const values = read(read(4).readUInt32BE(0)).toString('utf8').split('\0')
    const previous = headers[name]
    const all = previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values]
    headers[name] = all.length === 1 ? all[0] : all
  }
  return headers
}

/** The first value of a header, or undefined when absent (like Go's http.Header.Get). */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

/** Adler-32 checksum, as zlib uses to name a preset dictionary. */
export function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  return ((b << 16) | a) >>> 0
}

const MAX_STORED = 0xffff
// CMF 0x78 (deflate, 32K window), FLG 0x20 (FDICT set; 0x7820 % 31 == 0), then the dictionary's adler32.
const ZLIB_HEADER = Buffer.concat([Buffer.from([0x78, 0x20]), u32(adler32(SPDY_DICTIONARY))])
// The empty stored block a sync flush ends with. Without it Go's inflater holds a block's bytes back and reads on into the
// frame's end, which poisons its shared reader: the next header block fails ("compressed payload size was incorrect").
const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])

/**
 * Compresses header blocks for one direction of one connection. Its output is one zlib stream made of deflate STORED
 * blocks, each header block ending as a sync flush does: what Go's zlib reader takes with the SPDY dictionary, and
 * synchronous, so frames never wait.
 */
export class HeaderCompressor {
  private started = false

  /** Returns the compressed header block for these headers (the zlib stream header is part of the first one). */
  compress(headers: SpdyHeaders): Buffer {
    const raw = encodeHeaderBlock(headers)
    const parts: Buffer[] = []
    if (!this.started) parts.push(ZLIB_HEADER)
    this.started = true
    // Non-final stored blocks (BFINAL 0, BTYPE 00, LEN, NLEN, bytes), then the sync-flush marker.
    for (let offset = 0; offset < raw.length; offset += MAX_STORED) {
      const chunk = raw.subarray(offset, offset + MAX_STORED)
      const head = Buffer.alloc(5)
      head.writeUInt16LE(chunk.length, 1)
      head.writeUInt16LE(~chunk.length & 0xffff, 3)
      parts.push(head, chunk)
    }
    return Buffer.concat([...parts, SYNC_MARKER])
  }
}

/**
 * Inflates the peer's header blocks, which share one zlib context per connection (Go compresses with the dictionary and
 * a sync flush per block). One block at a time: the next decompress() must wait for the previous one to settle.
 */
export class HeaderDecompressor {
  private readonly inflate = zlib.createInflate({dictionary: SPDY_DICTIONARY})
  private output: Buffer[] = []
  private failure?: Error
  private failCurrent?: (err: Error) => void

  constructor() {
    // Draining on 'readable' keeps the buffer under its high-water mark; otherwise a block inflating to more than 16 KiB
    // would hold back the flush callback, which we wait for before reading.
    this.inflate.on('readable', () => this.drain())
    this.inflate.on('error', (err: Error) => {
      this.failure = new SpdyProtocolError(`header block decompression failed: ${err.message}`)
      this.failCurrent?.(this.failure)
    })
  }

  /** Inflates one header block and parses it. Rejects with SpdyProtocolError on corrupt input (the context is then dead). */
  decompress(block: Buffer): Promise<SpdyHeaders> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.failCurrent) return Promise.reject(new Error('decompress() called while a block is being inflated'))
    return new Promise((resolve, reject) => {
      this.failCurrent = reject
      this.inflate.write(block)
      // The flush callback runs once all output for the input written so far has been pushed to the readable side.
      this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.failCurrent = undefined
        if (this.failure) return reject(this.failure)
        this.drain()
        const raw = Buffer.concat(this.output)
        this.output = []
        try {
          resolve(decodeHeaderBlock(raw))
        } catch (err) {
          reject(err)
        }
      })
    })
  }

  /** Releases the zlib context; a block still being inflated is rejected. */
  close(): void {
    this.failure ??= new SpdyProtocolError('header decompressor closed')
    this.failCurrent?.(this.failure)
    this.inflate.destroy()
  }

  private drain(): void {
    let chunk: Buffer | null
    while ((chunk = this.inflate.read() as Buffer | null) !== null) this.output.push(chunk)
  }
}

/**
 * Turns one connection's incoming bytes into frames with inflated headers, delivered strictly in arrival order: inflating
 * is asynchronous, so later frames wait behind a header block. onFrame(null) marks the end of input, after every frame.
 */
export class FrameReader {
  private readonly parser = new FrameParser()
  private readonly decompressor = new HeaderDecompressor()
  // The serial queue: each frame is handled once the one before it has been.
  private chain: Promise<void> = Promise.resolve()
  private stopped = false

  /** Delivers frames to onFrame; a malformed frame or header block goes to onError, after which nothing more is delivered. */
  constructor(
    private readonly onFrame: (frame: DecodedFrame | null) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Adds a chunk of socket data. */
  push(chunk: Buffer): void {
    try {
      for (const frame of this.parser.push(chunk)) this.deliver(frame)
    } catch (err) {
      this.fail(err)
    }
  }

  /** Marks the end of input: onFrame(null) follows the frames still queued. */
  end(): void {
    this.deliver(null)
  }

  /** Stops delivering and releases the zlib context. */
  close(): void {
    this.stopped = true
    this.decompressor.close()
  }

  private deliver(frame: Frame | null): void {
    this.chain = this.chain
      .then(async () => {
        const decoded = frame && 'headerBlock' in frame ? {...frame, headers: await this.decompressor.decompress(frame.headerBlock)} : frame
        if (!this.stopped) this.onFrame(decoded)
      })
      .catch((err: unknown) => this.fail(err))
  }

  private fail(err: unknown): void {
    if (this.stopped) return
    this.close()
    this.onError(err instanceof Error ? err : new SpdyProtocolError(String(err)))
  }
}
