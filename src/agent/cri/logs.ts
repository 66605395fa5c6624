// Serving `kubectl logs` from containerd's CRI log files as the kubelet's ReadLogs does: parse, tail, since, limit, follow across rotation.
import {type FileHandle, open, realpath, stat} from 'node:fs/promises'
import {Readable} from 'node:stream'
import {type Clock, realClock} from '../../api/clock.js'

/** The stream a CRI log entry was written to. */
export type CriLogStream = 'stdout' | 'stderr'

/** Which streams a log request wants (PodLogOptions.stream, defaulting to both). */
export type LogStreamFilter = 'All' | 'Stdout' | 'Stderr'

/** One parsed line of a CRI log file. */
export interface CriLogEntry<C extends Buffer | string = Buffer | string> {
  /** The timestamp exactly as written, for printing. */
  time: string
  /** Milliseconds since the epoch with the sub-millisecond part as a fraction (about 0.25 µs resolution). */
  timeMs: number
  /** Nanoseconds since the epoch, exact: what `since` is compared with. */
  timeNs: bigint
  stream: CriLogStream
  /** True for a P entry: the line continues in the stream's next entry and no newline follows this content. */
  partial: boolean
  /** The text, without the file's line terminator. */
  content: C
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/
const NL = 0x0a
const SP = 0x20

/** Epoch nanoseconds of an RFC 3339 time (fraction up to nanoseconds, Z or ±hh:mm), or undefined if it is not one. */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = TIME_RE.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number)
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const [oh, om] = m[8] === 'Z' ? [0, 0] : [Number(m[10]), Number(m[11])]
  const check = new Date(ms)
  // Date.UTC rolls 31 February over into March; a round trip catches that and other out-of-range fields.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) return undefined
  const offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
  return BigInt(ms - offsetMin * 60_000) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'))
}

/**
 * Parses one CRI log line (with or without its trailing '\n'): `<RFC 3339 time> <stdout|stderr> <P|F[:more tags]> <content>`.
 * Returns undefined for a line that does not have that shape; content keeps the input's type.
 */
export function parseCriLogLine(line: string): CriLogEntry<string> | undefined
export function parseCriLogLine(line: Buffer): CriLogEntry<Buffer> | undefined
export function parseCriLogLine(line: string | Buffer): CriLogEntry | undefined {
  const next = (from: number) => (typeof line === 'string' ? line.indexOf(' ', from) : line.indexOf(SP, from))
  const text = (a: number, b: number) => (typeof line === 'string' ? line.slice(a, b) : line.toString('latin1', a, b))
  const t = next(0)
  const s = t < 0 ? -1 : next(t + 1)
  const g = s < 0 ? -1 : next(s + 1)
  if (g < 0) return undefined
  const stream = text(t + 1, s)
  if (stream !== 'stdout' && stream !== 'stderr') return undefined
  // The tag field is a ':'-separated list for forward compatibility; only its first element means anything today.
  const tag = text(s + 1, g).split(':')[0]
  if (tag !== 'P' && tag !== 'F') return undefined
  const time = text(0, t)
  const timeNs = parseRfc3339Nano(time)
  if (timeNs === undefined) return undefined
  const end = line.length > g + 1 && (typeof line === 'string' ? line.endsWith('\n') : line[line.length - 1] === NL) ? line.length - 1 : line.length
  const content = typeof line === 'string' ? line.slice(g + 1, end) : line.subarray(g + 1, end)
  const sec = timeNs / 1_000_000_000n
  const timeMs = Number(sec) * 1000 + Number(timeNs - sec * 1_000_000_000n) / 1e6
  return {time, timeMs, timeNs, stream, partial: tag === 'P', content}
}

/** What to read from a container's log and how (the kubelet's LogOptions). */
export interface ReadContainerLogOptions {
  /** The container's current log file (symlinks are resolved once, at the start). */
  path: string
  /** Keep reading what containerd appends, across rotations, until the container stops or signal aborts. */
  follow?: boolean
  /** Asked at EOF while following (at most every runningCheckMs); once false the reader drains what is left and ends. Absent: follows until aborted. */
  isRunning?: () => Promise<boolean>
  /** Only the last N lines (a line being a run of P entries ended by an F entry); 0 shows nothing yet still follows; negative or absent: all. */
  tailLines?: number
  /** Epoch seconds, fractional: lines that began earlier are left out (a line counts from its first entry). */
  since?: number
  /** Prefix each line with its first entry's time string as written, and a space. */
  timestamps?: boolean
  /** Stop after this many bytes of output, even mid-line; absent or not positive: no limit (as the kubelet). */
  limitBytes?: number
  stream?: LogStreamFilter
  /** Ends the output (cleanly, without an error). */
  signal?: AbortSignal
  clock?: Pick<Clock, 'now' | 'sleep'>
  /** How often to stat the path at EOF while following (appends and rotations). */
  pollIntervalMs?: number
  /** Least time between isRunning calls. */
  runningCheckMs?: number
  /** Read size, forwards and backwards. */
  chunkBytes?: number
}

const DEFAULT_POLL_MS = 150
const DEFAULT_RUNNING_CHECK_MS = 1000
const DEFAULT_CHUNK = 64 * 1024
/** How long a rotated-away file is still read: containerd creates the new file before it closes the old one. */
const ROTATED_GRACE_MS = 1000

/**
 * Streams a container's log rendered as `kubectl logs` shows it (stdout and stderr merged in file order). The stream
 * respects backpressure, errors if the file cannot be opened or isRunning throws, and ends at EOF (not following),
 * at the byte limit, on abort or destroy, or, following, once isRunning said false and everything written was read.
 * While following, a rotation (the path now names another inode, or the file shrank) is handled by finishing the
 * old file and continuing at the start of the new one.
 */
export function readContainerLog(opts: ReadContainerLogOptions): Readable {
  if (opts.since !== undefined && !Number.isFinite(opts.since)) throw new RangeError(`since: not a finite number: ${opts.since}`)
  const ac = new AbortController()
  const onAbort = () => ac.abort()
  if (opts.signal?.aborted) ac.abort()
  else opts.signal?.addEventListener('abort', onAbort, {once: true})
  const it = readLog(opts, ac.signal)
  const release = () => opts.signal?.removeEventListener('abort', onAbort)
  let pumping = false
  // Pulls only while push() wants more: that is the backpressure.
  const pump = async () => {
    pumping = true
    try {
      for (;;) {
        const r = await it.next()
        if (out.destroyed) return
        if (r.done) return void (release(), out.push(null))
        if (!out.push(r.value)) return
      }
    } catch (err) {
      out.destroy(err instanceof Error ? err : new Error(String(err)))
    } finally {
      pumping = false
    }
  }
  const out = new Readable({
    read: () => void (pumping || pump()),
    destroy(err, cb) {
      ac.abort()
      release()
      // Queued behind a pending next(), so the generator's finally (closing its files) runs either way.
      it.return(undefined).catch(() => {})
      cb(err)
    },
  })
  return out
}

/** An open log file and how far it has been read; pending holds an incomplete last line starting at pendingStart. */
type LogFile = {fh: FileHandle; ino: number; dev: number; pos: number; pending: Buffer[]; pendingStart: number}

/** Renders one line of a file found at offset, or nothing. */
type LineHandler = (line: Buffer, offset: number) => Buffer | undefined

/** Per stream, the offset in the first file where tailed output starts. */
type StreamOffsets = Partial<Record<CriLogStream, number>>

async function openLog(path: string): Promise<LogFile | undefined> {
  const fh = await open(path, 'r').catch(ifExists)
  if (!fh) return undefined
  const st = await fh.stat()
  return {fh, ino: st.ino, dev: st.dev, pos: 0, pending: [], pendingStart: 0}
}

/** Treats a missing file as undefined: between the agent's rename and containerd's reopen there is none. */
function ifExists(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined
  throw err
}

/** Turns entries into output bytes: per-stream line state (for timestamps and since), the stream filter and the byte limit. */
class Renderer {
  /** Set once the byte limit is reached. */
  done = false
  private remaining: number
  private readonly state: Record<CriLogStream, 'start' | 'inLine' | 'dropping'> = {stdout: 'start', stderr: 'start'}
  private readonly sinceNs: bigint | undefined

  constructor(private readonly opts: ReadContainerLogOptions) {
    this.remaining = opts.limitBytes !== undefined && opts.limitBytes > 0 ? opts.limitBytes : Infinity
    this.sinceNs = opts.since === undefined ? undefined : secondsToNs(opts.since)
  }

  wants(stream: CriLogStream): boolean {
    const f = this.opts.stream ?? 'All'
    return f === 'All' || (f === 'Stdout') === (stream === 'stdout')
  }

  render(e: CriLogEntry<Buffer>): Buffer | undefined {
    if (this.done || !this.wants(e.stream)) return undefined
    const state = this.state[e.stream]
    this.state[e.stream] = e.partial ? (state === 'start' ? 'inLine' : state) : 'start'
    if (state === 'dropping') return undefined
    if (state === 'start' && this.sinceNs !== undefined && e.timeNs < this.sinceNs) {
      if (e.partial) this.state[e.stream] = 'dropping'
      return undefined
    }
    const prefix = state === 'start' && this.opts.timestamps ? `${e.time} ` : ''
    let out = Buffer.concat([Buffer.from(prefix, 'latin1'), e.content, Buffer.from(e.partial ? '' : '\n')])
    if (out.length >= this.remaining) {
      out = out.subarray(0, this.remaining)
      this.done = true
    }
    this.remaining -= out.length
    return out
  }
}

/** Epoch seconds as exact nanoseconds, through the number's shortest decimal form so 1.1 means 1.100000000. */
function secondsToNs(seconds: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(seconds))
  if (!m) return BigInt(Math.round(seconds * 1e9))
  const ns = BigInt(m[2]) * 1_000_000_000n + BigInt((m[3] ?? '').slice(0, 9).padEnd(9, '0'))
  return m[1] ? -ns : ns
}

async function* readLog(opts: ReadContainerLogOptions, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  const clock = opts.clock ?? realClock
  const chunk = Math.max(1, opts.chunkBytes ?? DEFAULT_CHUNK)
  const pollMs = opts.pollIntervalMs ?? DEFAULT_POLL_MS
  const runningCheckMs = opts.runningCheckMs ?? DEFAULT_RUNNING_CHECK_MS
  const follow = opts.follow ?? false
  const renderer = new Renderer(opts)
  const path = await realpath(opts.path)
  const first = await openLog(path)
  if (!first) throw Object.assign(new Error(`failed to open log file ${JSON.stringify(path)}: no such file`), {code: 'ENOENT'})
  let file = first
  let rotated: {file: LogFile; until: number} | undefined
  // Where each stream's output starts in the first file when tailing (its entries before that belong to older lines).
  let from: StreamOffsets | undefined
  const handler = (f: LogFile) => (line: Buffer, offset: number) => {
    const e = parseCriLogLine(line)
    if (!e || (f === first && from && offset < (from[e.stream] ?? 0))) return undefined
    return renderer.render(e)
  }
  const drain = (f: LogFile) => readToEof(f, chunk, signal, renderer, handler(f))
  const retire = async function* (f: LogFile) {
    yield* flush(f, handler(f))
    await f.fh.close()
  }
  try {
    const tail = opts.tailLines ?? -1
    if (tail >= 0) {
      if (tail === 0 && !follow) return
      const start = await tailStart(file.fh, tail, follow, renderer, chunk)
      file.pos = start.pos
      from = start.from
    }
    let stopping = !follow
    let lastCheck = -Infinity
    for (;;) {
      yield* drain(file)
      if (rotated) {
        yield* drain(rotated.file)
        if (stopping || clock.now() >= rotated.until) {
          const old = rotated.file
          rotated = undefined
          yield* retire(old)
        }
      }
      if (renderer.done || signal.aborted) return
      if (follow) {
        const st = await stat(path).catch(ifExists)
        if (st && (st.ino !== file.ino || st.dev !== file.dev)) {
          const next = await openLog(path)
          if (next) {
            yield* drain(file)
            if (rotated) yield* retire(rotated.file)
            rotated = {file, until: clock.now() + ROTATED_GRACE_MS}
            file = next
          }
          continue
        }
        if (st && st.size < file.pos) {
          // Truncated in place (copytruncate): start over; a half line that was pending is gone with it.
          Object.assign(file, {pos: 0, pending: []})
          from = undefined
          continue
        }
      }
      if (stopping) {
        yield* flush(file, handler(file))
        return
      }
      if (opts.isRunning && clock.now() - lastCheck >= runningCheckMs) {
        lastCheck = clock.now()
        // Not running: one more pass picks up what was written between the last read and the exit.
        stopping = !(await opts.isRunning())
        if (stopping) continue
      }
      await clock.sleep(pollMs, signal)
    }
  } finally {
    await file.fh.close().catch(() => {})
    if (rotated) await rotated.file.fh.close().catch(() => {})
  }
}

/** Reads f from its position to EOF, rendering each complete line; one output chunk per read keeps pushes few. */
async function* readToEof(f: LogFile, chunk: number, signal: AbortSignal, renderer: Renderer, handle: LineHandler): AsyncGenerator<Buffer, void, undefined> {
  while (!signal.aborted && !renderer.done) {
    const {bytesRead, buffer} = await f.fh.read(Buffer.allocUnsafe(chunk), 0, chunk, f.pos)
    if (bytesRead === 0) return
    const buf = buffer.subarray(0, bytesRead)
    const base = f.pos
    f.pos += bytesRead
    const outs: Buffer[] = []
    let lineStart = 0
    for (let nl = buf.indexOf(NL, 0); nl !== -1 && !renderer.done; nl = buf.indexOf(NL, lineStart)) {
      const piece = buf.subarray(lineStart, nl)
      const offset = f.pending.length ? f.pendingStart : base + lineStart
      const line = f.pending.length ? Buffer.concat([...f.pending, piece]) : piece
      f.pending = []
      lineStart = nl + 1
      const out = handle(line, offset)
      if (out?.length) outs.push(out)
    }
    if (lineStart < bytesRead && !renderer.done) {
      if (!f.pending.length) f.pendingStart = base + lineStart
      f.pending.push(buf.subarray(lineStart, bytesRead))
    }
    if (outs.length) yield outs.length === 1 ? outs[0] : Buffer.concat(outs)
  }
}

/** Renders f's incomplete last line, if any, as the kubelet does when a file ends without a newline. */
function* flush(f: LogFile, handle: LineHandler): Generator<Buffer, void, undefined> {
  if (!f.pending.length) return
  const line = Buffer.concat(f.pending)
  f.pending = []
  const out = handle(line, f.pendingStart)
  if (out?.length) yield out
}

/**
 * Where to start reading for the last n lines, found by reading backwards from the end: the lowest offset to read
 * from, and per stream the offset of its first wanted entry (so another stream's older entries in between are
 * skipped). A line is every P entry of a stream up to and including its F entry; a trailing unfinished line is shown
 * but not counted. While following, the incomplete text after the last newline is left for the forward read.
 */
async function tailStart(fh: FileHandle, n: number, follow: boolean, renderer: Renderer, chunk: number): Promise<{pos: number; from: StreamOffsets}> {
  const size = (await fh.stat()).size
  const state = new Map<CriLogStream, 'open' | 'done'>()
  const from: StreamOffsets = {}
  let count = 0
  let end = size
  let fragment = true
  for await (const {line, offset} of linesBackward(fh, size, chunk)) {
    if (fragment) {
      fragment = false
      if (follow) {
        end = offset
        continue
      }
    }
    if (count >= n && ![...state.values()].includes('open')) break
    const e = parseCriLogLine(line)
    if (!e || !renderer.wants(e.stream) || state.get(e.stream) === 'done') continue
    if (e.partial || count < n) {
      if (!e.partial) count++
      state.set(e.stream, 'open')
      from[e.stream] = offset
    } else {
      // The F entry ending the line before the n lines: this stream's output starts after it.
      state.set(e.stream, 'done')
      from[e.stream] ??= offset + line.length + 1
    }
  }
  return {pos: Math.min(end, ...Object.values(from).filter((v) => v !== undefined)), from}
}

/** The file's lines from last to first, without their '\n', each with its offset; the first one is the text after the last newline (maybe empty). */
async function* linesBackward(fh: FileHandle, size: number, chunk: number): AsyncGenerator<{line: Buffer; offset: number}, void, undefined> {
  let pos = size
  let carry: Buffer[] = []
  let started = false
  while (pos > 0) {
    const len = Math.min(chunk, pos)
    pos -= len
    const buf = Buffer.alloc(len)
    const {bytesRead} = await fh.read(buf, 0, len, pos)
    const data = buf.subarray(0, bytesRead)
    let end = data.length
    for (let nl = data.lastIndexOf(NL, end - 1); end > 0 && nl !== -1; nl = nl > 0 ? data.lastIndexOf(NL, nl - 1) : -1) {
      yield {line: Buffer.concat([data.subarray(nl + 1, end), ...carry]), offset: pos + nl + 1}
      started = true
      carry = []
      end = nl
    }
    carry.unshift(data.subarray(0, end))
  }
  const rest = Buffer.concat(carry)
  if (rest.length || !started) yield {line: rest, offset: 0}
}
