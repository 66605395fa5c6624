// A queue of object keys for control loops: dedup while queued, one worker per key at a time, delayed and rate-limited requeue.
import {type Clock, type TimerHandle, realClock} from '../api/clock.js'

/** Per-key exponential backoff: base * 2^failures, capped (client-go's ItemExponentialFailureRateLimiter). */
export class ExponentialRateLimiter {
  private failures = new Map<string, number>()

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  /** Delay before key's next retry; each call counts one more failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0
    this.failures.set(key, n + 1)
    // Exponents above ~60 overflow to Infinity; the cap makes that harmless.
    return Math.min(this.baseMs * 2 ** n, this.maxMs)
  }

  /** Failures counted for key. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0
  }

  /** Clears key's failures (after a successful sync). */
  forget(key: string): void {
    this.failures.delete(key)
  }
}

/** Work queue with client-go semantics: add() dedups queued keys, a key being processed is re-queued only when done(). */
export class WorkQueue {
  private queue: string[] = []
  private dirty = new Set<string>()
  private processing = new Set<string>()
  private waiting = new Map<string, {at: number; timer: TimerHandle}>()
  private getters: ((key: string | undefined) => void)[] = []
  private shuttingDown = false
  private readonly clock: Clock
  readonly limiter: ExponentialRateLimiter

  constructor(opts: {clock?: Clock; limiter?: ExponentialRateLimiter} = {}) {
    this.clock = opts.clock ?? realClock
    this.limiter = opts.limiter ?? new ExponentialRateLimiter()
  }

  /** Queues key unless already queued; if it is being processed it is queued again once done. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return
    this.dirty.add(key)
    if (this.processing.has(key)) return
    const getter = this.getters.shift()
    if (getter) {
      this.dirty.delete(key)
      this.processing.add(key)
      getter(key)
    } else {
      this.queue.push(key)
    }
  }

  /** Adds key after ms; a later request for an already waiting key keeps the earlier deadline. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return
    if (ms <= 0) return this.add(key)
    const at = this.clock.now() + ms
    const existing = this.waiting.get(key)
    if (existing && existing.at <= at) return
    existing?.timer.cancel()
    const timer = this.clock.setTimer(ms, () => {
      this.waiting.delete(key)
      this.add(key)
    })
    this.waiting.set(key, {at, timer})
  }

  /** Adds key after its rate limiter's next backoff delay. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key))
  }

  /** Forgets key's failures, so its next failure starts from the base delay. */
  forget(key: string): void {
    this.limiter.forget(key)
  }

  /** How many times key has been requeued with backoff since last forgotten. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key)
  }

  /** Next key to process (marked as processing), or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift()
    if (key !== undefined) {
      this.dirty.delete(key)
      this.processing.add(key)
      return Promise.resolve(key)
    }
    if (this.shuttingDown) return Promise.resolve(undefined)
    return new Promise((resolve) => this.getters.push(resolve))
  }

  /** Marks key as processed; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key)
    if (this.dirty.has(key)) {
      this.dirty.delete(key)
      this.add(key)
    }
  }

  /** Keys waiting to be processed (not counting delayed ones). */
  len(): number {
    return this.queue.length
  }

  /** Stops handing out keys: pending get() calls resolve undefined, delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true
    for (const w of this.waiting.values()) w.timer.cancel()
    this.waiting.clear()
    for (const g of this.getters.splice(0)) g(undefined)
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown
  }
}

/**
 * Runs sync for each key from queue with the given number of workers until the queue shuts down: success forgets the
 * key's failures, a throw requeues it with backoff.
 */
export async function processQueue(queue: WorkQueue, sync: (key: string) => Promise<void>, opts: {workers?: number; onError?: (key: string, err: unknown) => void} = {}): Promise<void> {
  const worker = async () => {
    for (;;) {
      const key = await queue.get()
      if (key === undefined) return
      try {
        await sync(key)
        queue.forget(key)
      } catch (err) {
        opts.onError?.(key, err)
        queue.addRateLimited(key)
      } finally {
        queue.done(key)
      }
    }
  }
  await Promise.all(Array.from({length: opts.workers ?? 1}, worker))
}
