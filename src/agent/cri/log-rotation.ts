// The kubelet's container log manager, simplified: rotate a CRI log past a size, have containerd reopen it, keep a few old files.
import {lstat, readdir, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {type Clock, type TimerHandle, realClock} from '../../api/clock.js'

/** The kubelet's default containerLogMaxSize. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024
/** The kubelet's default containerLogMaxFiles (the current file included). */
export const DEFAULT_MAX_LOG_FILES = 5
/** The kubelet's default containerLogMonitorInterval. */
export const DEFAULT_ROTATE_INTERVAL_MS = 10_000

/** A running container and its current CRI log file. */
export interface ContainerLog {
  id: string
  logPath: string
}

/** How to rotate. */
export interface RotateOptions {
  /** A log of at least this size is rotated. */
  maxBytes?: number
  /** Files kept per container, the current one included (so maxFiles-1 rotated ones). */
  maxFiles?: number
  /** CRI ReopenContainerLog: containerd closes its file and creates a new one at the log path. */
  reopen(id: string): Promise<void>
  /** Names the rotated file; the wall clock by default. */
  now?(): Date
}

/** What one pass did; a container's failure does not stop the others. */
export interface RotateResult {
  rotated: {id: string; to: string}[]
  removed: string[]
  failed: {id: string; error: Error}[]
}

const ROTATED_SUFFIX = /^\d{8}-\d{6}$/

/** The name a log rotated at `at` gets: `<logPath>.<UTC YYYYMMDD-HHMMSS>`, which sorts oldest first. */
export function rotatedLogName(logPath: string, at: Date): string {
  const iso = at.toISOString()
  return `${logPath}.${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`
}

/** The rotated files of a log, oldest first (only names rotatedLogName makes, so other files nearby are left alone). */
export async function rotatedLogs(logPath: string): Promise<string[]> {
  const prefix = `${basename(logPath)}.`
  const names = await readdir(dirname(logPath)).catch(ifMissing)
  return (names ?? [])
    .filter((n) => n.startsWith(prefix) && ROTATED_SUFFIX.test(n.slice(prefix.length)))
    .sort()
    .map((n) => join(dirname(logPath), n))
}

/**
 * Rotates each container's log that reached maxBytes: renames it to rotatedLogName, asks containerd to reopen (if that
 * fails the file is renamed back, as the kubelet does, so nothing is lost and the next pass retries), then deletes the
 * oldest rotated files beyond maxFiles-1. A missing log is skipped; so is a rotation whose name already exists (two
 * in one second), rather than overwriting it.
 */
export async function rotateLogs(containers: ContainerLog[], opts: RotateOptions): Promise<RotateResult> {
  const result: RotateResult = {rotated: [], removed: [], failed: []}
  for (const c of containers) {
    try {
      const to = await rotateOne(c, opts)
      if (!to) continue
      result.rotated.push({id: c.id, to})
      const old = await rotatedLogs(c.logPath)
      const excess = old.slice(0, Math.max(0, old.length - Math.max(0, (opts.maxFiles ?? DEFAULT_MAX_LOG_FILES) - 1)))
      for (const f of excess) {
        await rm(f, {force: true})
        result.removed.push(f)
      }
    } catch (err) {
      result.failed.push({id: c.id, error: err instanceof Error ? err : new Error(text(err))})
    }
  }
  return result
}

/** Rotates one log if it is due; returns the rotated file's name. */
async function rotateOne(c: ContainerLog, opts: RotateOptions): Promise<string | undefined> {
  const st = await stat(c.logPath).catch(ifMissing)
  // The kubelet rotates at MaxSize, not only past it.
  if (!st || st.size < (opts.maxBytes ?? DEFAULT_MAX_LOG_BYTES)) return undefined
  const to = rotatedLogName(c.logPath, opts.now?.() ?? new Date())
  if (await lstat(to).catch(ifMissing)) return undefined
  await rename(c.logPath, to)
  try {
    await opts.reopen(c.id)
  } catch (err) {
    const restored = await rename(to, c.logPath).then(
      () => '',
      (back: unknown) => `; renaming ${to} back failed too: ${text(back)}`,
    )
    throw new Error(`reopening the log of ${c.id}: ${text(err)}${restored}`, {cause: err})
  }
  return to
}

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function ifMissing(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined
  throw err
}

/** What the periodic rotator needs besides RotateOptions. */
export interface LogRotatorOptions extends Omit<RotateOptions, 'now'> {
  /** The containers to look at each pass: the running ones (reopening a stopped container's log fails). */
  list(): Promise<ContainerLog[]> | ContainerLog[]
  intervalMs?: number
  clock?: Pick<Clock, 'now' | 'setTimer'>
  /** Each pass's result (to log failures). */
  onResult?(result: RotateResult): void
  /** list() or onResult threw. */
  onError?(err: unknown): void
}

/** Runs rotateLogs over list() when started and then intervalMs after each pass ends, until stopped. */
export class LogRotator {
  private timer: TimerHandle | undefined
  private current: Promise<void> | undefined
  private stopped = true
  /** Bumped by stop(), so a pass still under way from before a stop then start schedules nothing. */
  private generation = 0

  constructor(private readonly opts: LogRotatorOptions) {}

  /** Starts the passes; the first runs now. Starting a started rotator does nothing. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.tick()
  }

  /** Ends the passes; resolves once a pass under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true
    this.generation++
    this.timer?.cancel()
    this.timer = undefined
    await this.current
  }

  /** One pass, now. */
  async runOnce(): Promise<RotateResult> {
    const clock = this.opts.clock ?? realClock
    const {maxBytes, maxFiles} = this.opts
    return rotateLogs(await this.opts.list(), {maxBytes, maxFiles, reopen: (id) => this.opts.reopen(id), now: () => new Date(clock.now())})
  }

  private tick(): void {
    this.timer = undefined
    const generation = this.generation
    this.current = (async () => {
      try {
        this.opts.onResult?.(await this.runOnce())
      } catch (err) {
        // A throwing onError must neither end the passes nor become an unhandled rejection.
        Promise.resolve()
          .then(() => this.opts.onError?.(err))
          .catch(() => {})
      }
      if (!this.stopped && generation === this.generation) this.timer = (this.opts.clock ?? realClock).setTimer(this.opts.intervalMs ?? DEFAULT_ROTATE_INTERVAL_MS, () => this.tick())
    })()
  }
}
