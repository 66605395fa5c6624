// A counting semaphore for async work: the runtimes bound how many container starts run at once.

/** Runs at most `limit` functions at a time (0: no limit); the others wait their turn in order. */
export class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.limit > 0 && this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}
