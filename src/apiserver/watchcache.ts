// The apiserver's watch cache (kube-apiserver's cacher): one store watch per resource, fanned out in memory to every client watch, with a window of recent events.
import type {Store, StoreEvent, WatchHandlers} from '../store/index.js'
import {StoreError} from '../store/index.js'

/** Events kept per resource; a client resuming within them is served from memory (kube-apiserver sizes its window alike). */
const DEFAULT_WINDOW = 1000

interface Subscriber {
  prefix: string
  /** Events at or before this revision were already seen by the client (it may be ahead of the cache by a beat). */
  from: number
  handlers: WatchHandlers
}

/** One resource's cache: a store watch from `start`, the events since (at most `window`), and the client watches on it. */
class ResourceCache {
  private readonly events: StoreEvent[] = []
  /** Every event after this revision is in `events` (or was dropped off the front, see `oldest`). */
  private oldest: number
  private latest: number
  private readonly subscribers = new Set<Subscriber>()
  private cancel: () => void
  failed = false

  constructor(store: Store, prefix: string, start: number, private readonly window: number, private readonly onFail: () => void) {
    this.oldest = start
    this.latest = start
    this.cancel = store.watch(prefix, start, {
      onEvent: (ev) => this.add(ev),
      onError: (err) => this.fail(err),
    })
  }

  /** Whether a watch from `from` can be served from memory: nothing it needs has left the window. */
  covers(from: number): boolean {
    return !this.failed && from >= this.oldest
  }

  /** Replays the window's events after `from` under `prefix`, then streams new ones; synchronous, so nothing falls between. */
  subscribe(prefix: string, from: number, handlers: WatchHandlers): () => void {
    const sub: Subscriber = {prefix, from, handlers}
    const backlog = this.events.filter((ev) => ev.revision > from && ev.key.startsWith(prefix))
    this.subscribers.add(sub)
    let cancelled = false
    queueMicrotask(() => {
      for (const ev of backlog) if (!cancelled) handlers.onEvent(copy(ev))
    })
    return () => {
      cancelled = true
      this.subscribers.delete(sub)
    }
  }

  get watchers(): number {
    return this.subscribers.size
  }

  stop(): void {
    this.cancel()
    this.subscribers.clear()
  }

  private add(ev: StoreEvent): void {
    this.events.push(ev)
    this.latest = ev.revision
    if (this.events.length > this.window) this.oldest = this.events.shift()!.revision
    for (const sub of this.subscribers) if (ev.revision > sub.from && ev.key.startsWith(sub.prefix)) sub.handlers.onEvent(copy(ev))
  }

  private fail(err: StoreError): void {
    // The store watch is gone (etcd lost, history compacted): every client watch ends, so clients relist; the next
    // watch starts a fresh cache.
    this.failed = true
    const subs = [...this.subscribers]
    this.subscribers.clear()
    this.onFail()
    for (const sub of subs) sub.handlers.onError(new StoreError(err.code === 'Expired' ? 'Expired' : 'Unavailable', err.message, this.latest))
  }
}

/** A shallow copy per client: handlers set apiVersion and kind on the object they are given (one resource, several versions). */
function copy(ev: StoreEvent): StoreEvent {
  return {...ev, value: {...ev.value, metadata: {...ev.value.metadata}}, ...(ev.prev ? {prev: {...ev.prev, metadata: {...ev.prev.metadata}}} : {})}
}

/** The resource prefix of a watch prefix: /registry/<group>/<resource>/ (a namespaced watch is a narrower prefix of it). */
export function resourceRoot(prefix: string): string {
  const m = /^(\/registry\/[^/]+\/[^/]+\/)/.exec(prefix)
  return m ? m[1] : prefix
}

/** Watches served from per-resource caches; a watch older than a cache's window goes to the store itself (410 if compacted). */
export class WatchCache {
  private readonly caches = new Map<string, ResourceCache>()

  constructor(private readonly store: Store, private readonly window = DEFAULT_WINDOW) {}

  /** Store.watch's contract: events after `from` under `prefix`, in order; onError ends the watch. */
  watch(prefix: string, from: number, handlers: WatchHandlers): () => void {
    const root = resourceRoot(prefix)
    let cache = this.caches.get(root)
    if (!cache) {
      // The first watch of a resource starts its cache at the client's revision, so the window begins there.
      const fresh: ResourceCache = new ResourceCache(this.store, root, from, this.window, () => {
        if (this.caches.get(root) === fresh) this.caches.delete(root)
      })
      cache = fresh
      this.caches.set(root, cache)
    }
    if (cache.covers(from)) return cache.subscribe(prefix, from, handlers)
    // Older than the window: etcd may still hold it (it answers 410 itself once compacted).
    return this.store.watch(prefix, from, handlers)
  }

  /** Store watches open (one per cached resource) and client watches served from them. */
  stats(): {storeWatches: number; clientWatches: number} {
    let clientWatches = 0
    for (const c of this.caches.values()) clientWatches += c.watchers
    return {storeWatches: this.caches.size, clientWatches}
  }

  close(): void {
    for (const c of this.caches.values()) c.stop()
    this.caches.clear()
  }
}
