// Per-key exponential back-off as the kubelet keeps it for container restarts and image pulls: 10 s doubling to 5 min.

/** Back-off of one kind (restarts or pulls), keyed by pod uid + container name. */
export class Backoff {
  private readonly entries = new Map<string, {delayMs: number; lastUpdate: number}>()

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** Milliseconds left before key may be tried again at now (0 when not backing off). */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key)
    if (!e) return 0
    if (this.expired(e, now)) {
      this.entries.delete(key)
      return 0
    }
    return Math.max(0, e.lastUpdate + e.delayMs - now)
  }

  /** The current delay of key (for "back-off 20s ..." messages), 0 if none. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0
  }

  /**
   * Records an attempt at now: the first one (or the first after a quiet spell of twice the maximum, i.e. a
   * container that ran ten minutes) starts at the initial delay, later ones double it up to the maximum.
   */
  next(key: string, now: number): number {
    const e = this.entries.get(key)
    const delayMs = !e || this.expired(e, now) ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs)
    this.entries.set(key, {delayMs, lastUpdate: now})
    return delayMs
  }

  /** Forgets key (the pod is gone, or the container succeeded). */
  reset(key: string): void {
    this.entries.delete(key)
  }

  /** Forgets every key with the given prefix (a pod uid). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k)
  }

  private expired(e: {lastUpdate: number}, now: number): boolean {
    return now - e.lastUpdate > 2 * this.maxMs
  }
}
