// Back-off for replacing failed daemon pods: 1 s doubling to 15 min per key, forgotten after twice the maximum of quiet (flowcontrol.Backoff).
const INITIAL_MS = 1000
const MAX_MS = 15 * 60_000

/** Per-key exponential back-off with the semantics the daemon controller uses for failed pods. */
export class FailedPodBackoff {
  private readonly entries = new Map<string, {delayMs: number; lastMs: number}>()

  /** True while the delay since the key's last failure has not passed (IsInBackOffSinceUpdate). */
  inBackoff(key: string, nowMs: number): boolean {
    const e = this.entries.get(key)
    return !!e && nowMs - e.lastMs < e.delayMs
  }

  /** How long until the key's back-off ends. */
  remaining(key: string, nowMs: number): number {
    const e = this.entries.get(key)
    return e ? Math.max(0, e.lastMs + e.delayMs - nowMs) : 0
  }

  /** Counts one more failure at nowMs: the first (or one after a long quiet) waits 1 s, each next one twice as long. */
  next(key: string, nowMs: number): void {
    this.gc(nowMs)
    const e = this.entries.get(key)
    const fresh = !e || nowMs - e.lastMs > 2 * MAX_MS
    this.entries.set(key, {delayMs: fresh ? INITIAL_MS : Math.min(e.delayMs * 2, MAX_MS), lastMs: nowMs})
  }

  /** Drops keys quiet for longer than twice the maximum, so deleted DaemonSets and nodes do not accumulate. */
  private gc(nowMs: number): void {
    for (const [k, e] of this.entries) if (nowMs - e.lastMs > 2 * MAX_MS) this.entries.delete(k)
  }
}
