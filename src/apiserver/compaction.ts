// Periodic compaction of the store's history, as kube-apiserver compacts etcd every 5 minutes, so etcd stays small.

/** kube-apiserver's --etcd-compaction-interval. */
export const COMPACTION_INTERVAL_MS = 5 * 60_000

/** The part of a Store compaction needs. */
export interface Compactable {
  currentRevision(): Promise<number>
  compact?(revision: number): Promise<void> | void
}

/**
 * Every interval, compacts to the revision seen one interval earlier: at least one interval of history stays for
 * watches and paged lists to resume from. Returns a stop function.
 */
export function startCompaction(store: Compactable, intervalMs = COMPACTION_INTERVAL_MS, log: (msg: string) => void = () => {}): () => void {
  if (!store.compact) return () => {}
  let previous: number | undefined
  const tick = async () => {
    try {
      const current = await store.currentRevision()
      if (previous !== undefined && previous > 1) await store.compact!(previous)
      previous = current
    } catch (err) {
      // A failed round (etcd away, or already compacted further) is tried again next interval.
      if (!/compacted/.test(String(err))) log(`compaction failed: ${(err as Error).message ?? err}`)
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
