// The scheduling queue: pending pods wait in active (by priority, then arrival), backoff, or unschedulable until something changes.
import {type Clock, type TimerHandle, realClock} from '../api/clock.js'

/** Tuning of the queue; the defaults are kube-scheduler's. */
export interface SchedulingQueueOptions {
  clock?: Clock
  /** Backoff after the first failed attempt; doubles per attempt. */
  initialBackoffMs?: number
  maxBackoffMs?: number
  /** An unschedulable pod is retried after this long even if nothing happened (k8s: 5 min). */
  maxUnschedulableMs?: number
}

type Where = 'active' | 'backoff' | 'unschedulable' | 'inflight'

interface Entry {
  key: string
  priority: number
  /** Scheduling attempts so far; drives the backoff. */
  attempts: number
  /** When the last attempt failed. */
  failedAt: number
  /** Arrival order in active, for FIFO among equal priorities. */
  seq: number
  where: Where
  timer?: TimerHandle
  /** Set when a cluster change or an update of the pod arrived while it was being scheduled. */
  moveRequested: boolean
}

/** Counts of the sub-queues, for tests and logs. */
export interface QueueStats {
  active: number
  backoff: number
  unschedulable: number
  inflight: number
}

/**
 * kube-scheduler's PriorityQueue, reduced to what skiff needs. A pod is in exactly one place: active (ready to be
 * popped), backoff (failed recently; a timer moves it to active), unschedulable (failed; waits for a cluster
 * change) or in flight (being scheduled). Keys are `namespace/name`.
 */
export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>()
  /** Keys in active, sorted: higher priority first, then lower seq. */
  private active: Entry[] = []
  private waiters: ((key: string | undefined) => void)[] = []
  private seq = 0
  private closed = false
  private readonly clock: Clock
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly maxUnschedulableMs: number

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000
  }

  /** Adds a new pending pod to active; a pod already known is treated as updated (see update()). */
  add(key: string, priority = 0): void {
    if (this.closed) return
    const e = this.entries.get(key)
    if (e) {
      e.priority = priority
      this.update(key)
      return
    }
    const entry: Entry = {key, priority, attempts: 0, failedAt: 0, seq: 0, where: 'active', moveRequested: false}
    this.entries.set(key, entry)
    this.toActive(entry)
  }

  /**
   * Reacts to a change of the pod itself (labels, tolerations, ...): an unschedulable pod may fit now, so it goes to
   * active, or to backoff if its backoff is not over; a pod being scheduled is retried when that attempt fails.
   */
  update(key: string): void {
    const e = this.entries.get(key)
    if (!e) return
    if (e.where === 'inflight') e.moveRequested = true
    else if (e.where === 'unschedulable') this.toActiveOrBackoff(e)
  }

  /** Forgets a pod (deleted, or bound by someone else). */
  delete(key: string): void {
    const e = this.entries.get(key)
    if (!e) return
    this.detach(e)
    this.entries.delete(key)
  }

  /** True when key is known to the queue in any state. */
  has(key: string): boolean {
    return this.entries.has(key)
  }

  /**
   * Moves every unschedulable pod to active (or backoff, until its backoff is over): called on cluster changes that
   * may make room, such as a node added or updated, or a pod deleted.
   */
  moveAllToActiveOrBackoff(): void {
    for (const e of this.entries.values()) {
      if (e.where === 'unschedulable') this.toActiveOrBackoff(e)
      else if (e.where === 'inflight') e.moveRequested = true
    }
  }

  /** Next pod to schedule (now in flight), waiting for one if active is empty; undefined once closed. */
  pop(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined)
    const e = this.active.shift()
    if (e) return Promise.resolve(this.takeOff(e))
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Records a failed attempt for an in-flight pod that no node fits: it waits for a cluster change. */
  addUnschedulable(key: string): void {
    const e = this.entries.get(key)
    if (!e || e.where !== 'inflight') return
    e.failedAt = this.clock.now()
    if (e.moveRequested) {
      // Something changed while we were looking; the verdict may be stale, so do not park it.
      e.moveRequested = false
      this.toActiveOrBackoff(e)
      return
    }
    e.where = 'unschedulable'
    e.timer = this.clock.setTimer(this.maxUnschedulableMs, () => {
      e.timer = undefined
      this.toActiveOrBackoff(e)
    })
  }

  /** Records a failed attempt for an in-flight pod that hit an error (e.g. the bind failed): retry after backoff. */
  addBackoff(key: string): void {
    const e = this.entries.get(key)
    if (!e || e.where !== 'inflight') return
    e.failedAt = this.clock.now()
    e.moveRequested = false
    this.toActiveOrBackoff(e)
  }

  /** Finishes an in-flight pod that was scheduled: the queue forgets it, attempts included. */
  done(key: string): void {
    const e = this.entries.get(key)
    if (e?.where === 'inflight') this.entries.delete(key)
  }

  /** The backoff a pod with this many attempts waits: initial * 2^(attempts-1), capped. */
  backoffFor(attempts: number): number {
    if (attempts <= 0) return 0
    return Math.min(this.initialBackoffMs * 2 ** Math.min(attempts - 1, 30), this.maxBackoffMs)
  }

  /** Sizes of the sub-queues. */
  stats(): QueueStats {
    const s: QueueStats = {active: 0, backoff: 0, unschedulable: 0, inflight: 0}
    for (const e of this.entries.values()) s[e.where]++
    return s
  }

  /** Where key is, if queued. */
  where(key: string): Where | undefined {
    return this.entries.get(key)?.where
  }

  /** Stops the queue: pending pops resolve undefined and timers are cancelled. */
  close(): void {
    this.closed = true
    for (const e of this.entries.values()) e.timer?.cancel()
    for (const w of this.waiters.splice(0)) w(undefined)
  }

  private takeOff(e: Entry): string {
    e.where = 'inflight'
    e.attempts++
    e.moveRequested = false
    return e.key
  }

  private toActiveOrBackoff(e: Entry): void {
    this.detach(e)
    const remaining = e.failedAt + this.backoffFor(e.attempts) - this.clock.now()
    if (remaining <= 0) return this.toActive(e)
    e.where = 'backoff'
    e.timer = this.clock.setTimer(remaining, () => {
      e.timer = undefined
      this.toActive(e)
    })
  }

  private toActive(e: Entry): void {
    this.detach(e)
    if (this.closed) return
    const waiter = this.waiters.shift()
    if (waiter) {
      waiter(this.takeOff(e))
      return
    }
    e.where = 'active'
    e.seq = this.seq++
    // Binary search for the first entry that should come after e.
    let lo = 0
    let hi = this.active.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const m = this.active[mid]
      if (m.priority > e.priority || (m.priority === e.priority && m.seq < e.seq)) lo = mid + 1
      else hi = mid
    }
    this.active.splice(lo, 0, e)
  }

  /** Takes e out of whatever sub-queue holds it (cancelling its timer); leaves it in entries. */
  private detach(e: Entry): void {
    e.timer?.cancel()
    e.timer = undefined
    if (e.where === 'active') {
      const i = this.active.indexOf(e)
      if (i >= 0) this.active.splice(i, 1)
    }
  }
}
