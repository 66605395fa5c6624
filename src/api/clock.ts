// Time as a dependency for every component: a real clock for production and a fake one so tests of timers never sleep.

/** A cancellable timer handle, opaque to callers. */
export type TimerHandle = {cancel(): void}

/** What timing-dependent code needs from the outside world. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls fn after ms milliseconds unless cancelled. */
  setTimer(ms: number, fn: () => void): TimerHandle
  /** Resolves after ms milliseconds, or early (without rejecting) when signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The wall clock; its timers are unref'd so they never keep a process alive on their own. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return {cancel: () => clearTimeout(t)}
  },
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
    })
  },
}

interface FakeTimer {
  at: number
  seq: number
  fn: () => void
}

/** A manually advanced clock: timers fire only inside advance(), in deadline order. */
export class FakeClock implements Clock {
  private current: number
  private seq = 0
  private timers = new Set<FakeTimer>()

  constructor(start = Date.parse('2024-01-01T00:00:00Z')) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = {at: this.current + Math.max(0, ms), seq: this.seq++, fn}
    this.timers.add(timer)
    return {cancel: () => this.timers.delete(timer)}
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const handle = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      })
      const onAbort = () => {
        handle.cancel()
        resolve()
      }
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }

  /** Number of timers not yet fired. */
  pending(): number {
    return this.timers.size
  }

  /**
   * Moves time forward by ms, firing due timers in order; between timers it lets promise callbacks run,
   * so code awaiting a sleep can schedule its next timer within the same advance.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms
    for (;;) {
      await flushMicrotasks()
      const next = [...this.timers].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!next) break
      this.timers.delete(next)
      this.current = Math.max(this.current, next.at)
      next.fn()
    }
    this.current = target
    await flushMicrotasks()
  }
}

/** Lets pending promise continuations (several hops deep) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r))
}
