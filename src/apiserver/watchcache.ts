// The apiserver's watch cache (kube-apiserver's cacher): one store watch per resource, fanned out to every client watch, with a window of recent events and the resource's current objects for lists.
import type {Store, StoreEvent, StoredObject, WatchHandlers} from '../store/index.js'
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
  /** The resource's objects as of `revision`: a list, then every event after it (made on the first list request). */
  private snapshot?: {items: Map<string, StoredObject>; revision: number}
  private loading?: Promise<void>
  failed = false

  constructor(private readonly store: Store, private readonly prefix: string, start: number, private readonly window: number, private readonly onFail: () => void) {
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

  /** The objects under `prefix` (in key order) and the revision they are current at; undefined when the cache failed. */
  async list(prefix: string): Promise<{items: StoredObject[]; revision: number} | undefined> {
    this.loading ??= this.load()
    await this.loading
    const snap = this.snapshot
    if (!snap || this.failed) return undefined
    const items = [...snap.items.values()].filter((i) => i.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return {items: items.map((i) => ({...i, value: {...i.value, metadata: {...i.value.metadata}}})), revision: snap.revision}
  }

  /** Lists the store once and catches up with the events the watch delivered meanwhile. */
  private async load(): Promise<void> {
    for (let attempt = 0; attempt < 3 && !this.failed; attempt++) {
      const page = await this.store.list(this.prefix).catch(() => undefined)
      if (!page) break
      // The events after the list must all still be in the window; otherwise list again (the store has moved on).
      if (page.revision < this.oldest) continue
      const items = new Map(page.items.map((i) => [i.key, i]))
      const snap = {items, revision: page.revision}
      for (const ev of this.events) if (ev.revision > snap.revision) apply(snap, ev)
      this.snapshot = snap
      return
    }
    this.loading = undefined
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
    if (this.snapshot && ev.revision > this.snapshot.revision) apply(this.snapshot, ev)
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

/** Applies one store event to a snapshot of objects. */
function apply(snap: {items: Map<string, StoredObject>; revision: number}, ev: StoreEvent): void {
  if (ev.type === 'delete') snap.items.delete(ev.key)
  else snap.items.set(ev.key, {key: ev.key, value: ev.value, modRevision: ev.revision, createRevision: ev.created ? ev.revision : snap.items.get(ev.key)?.createRevision ?? ev.revision})
  snap.revision = ev.revision
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
    // The first watch of a resource starts its cache at the client's revision, so the window begins there.
    const cache = this.cacheOf(resourceRoot(prefix), from)
    if (cache.covers(from)) return cache.subscribe(prefix, from, handlers)
    // Older than the window: etcd may still hold it (it answers 410 itself once compacted).
    return this.store.watch(prefix, from, handlers)
  }

  /**
   * A list served from memory (resourceVersion "0", or not older than `atLeast`): the objects under `prefix` and the
   * revision they are current at; undefined when the cache cannot answer (the caller asks the store).
   */
  async list(prefix: string, atLeast: number): Promise<{items: StoredObject[]; revision: number} | undefined> {
    const root = resourceRoot(prefix)
    const cache = this.caches.get(root) ?? this.cacheOf(root, await this.store.currentRevision())
    const result = await cache.list(prefix)
    return result && result.revision >= atLeast ? result : undefined
  }

  private cacheOf(root: string, from: number): ResourceCache {
    let cache = this.caches.get(root)
    if (!cache) {
      const fresh: ResourceCache = new ResourceCache(this.store, root, from, this.window, () => {
        if (this.caches.get(root) === fresh) this.caches.delete(root)
      })
      cache = fresh
      this.caches.set(root, cache)
    }
    return cache
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
