// A rate-limited sync loop for components that rebuild everything from informer caches (service proxy, policy enforcer, cloud controller): one sync at a time, at least minSyncMs apart, changes in between batched, a failure retried.
import type {Clock} from '../api/clock.js'

/** Runs `sync` when asked, like kube-proxy's bounded-frequency runner. */
export class SyncLoop {
  private pending = false
  private running: Promise<void> | undefined
  private lastSync = 0

  constructor(
    private readonly clock: Clock,
    private readonly minSyncMs: number,
    private readonly sync: () => Promise<void>,
    /** Called with a failed sync's error; the loop then retries after retryMs. */
    private readonly onError: (err: unknown) => void,
    private readonly retryMs = 1000,
  ) {}

  /** Asks for a sync: now when the last one is old enough, else once minSyncMs has passed; never two at a time. */
  schedule(): void {
    if (this.pending) return
    this.pending = true
    const wait = Math.max(0, this.lastSync + this.minSyncMs - this.clock.now())
    const go = async () => {
      await this.running
      this.pending = false
      this.lastSync = this.clock.now()
      this.running = this.sync().catch((err) => {
        this.onError(err)
        this.clock.setTimer(this.retryMs, () => this.schedule())
      })
      await this.running
    }
    if (wait === 0) void go()
    else this.clock.setTimer(wait, () => void go())
  }
}
