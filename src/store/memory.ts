// In-memory Store for unit tests and simulated nodes: etcd semantics (one global revision, bounded history).
import type {KubeObject} from '../api/types.js'
import {
  decodeContinue, encodeContinue, encodeValue, type ListOptions, type ListPage, type Store, type StoreEvent,
  type StoredObject, StoreError, type WatchHandlers,
} from './types.js'

interface Entry {
  json: string
  modRevision: number
  createRevision: number
}

interface Watcher {
  prefix: string
  handlers: WatchHandlers
}

/** A Store held in process memory; history beyond `historyLimit` events is compacted. */
export class MemoryStore implements Store {
  private readonly data = new Map<string, Entry>()
  private revision = 1
  private readonly history: StoreEvent[] = []
  /** Watches from a revision below this are answered with Expired. */
  private compacted = 1
  private readonly watchers = new Set<Watcher>()

  constructor(private readonly historyLimit = 10_000) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const entry = this.data.get(key)
    return entry && toStored(key, entry)
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    // Resuming reads current state after the token's key: a memory store keeps no old snapshots, so an exact
    // read of an older revision is answered as if it had been compacted.
    if (opts.revision !== undefined && opts.revision !== this.revision) throw new StoreError('Expired', 'The resourceVersion for the provided list is too old.')
    const start = opts.continue ? decodeContinue(opts.continue).start : undefined
    const keys = [...this.data.keys()].filter(k => k.startsWith(prefix) && (start === undefined || k > start)).sort()
    const revision = opts.continue ? decodeContinue(opts.continue).rv : this.revision
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length
    const page = keys.slice(0, limit)
    const items = page.map(k => toStored(k, this.data.get(k)!))
    const more = keys.length > page.length
    return {
      items,
      revision,
      continue: more ? encodeContinue(revision, page[page.length - 1]) : undefined,
      remainingItemCount: more ? keys.length - page.length : undefined,
    }
  }

  async create(key: string, value: KubeObject): Promise<number> {
    if (this.data.has(key)) throw new StoreError('AlreadyExists', `key ${key} already exists`)
    const rev = ++this.revision
    const json = encodeValue(value)
    this.data.set(key, {json, modRevision: rev, createRevision: rev})
    this.emit({type: 'put', key, value: JSON.parse(json), revision: rev, created: true})
    return rev
  }

  async update(key: string, value: KubeObject, expectedRevision: number): Promise<number> {
    const old = this.data.get(key)
    if (!old) throw new StoreError('NotFound', `key ${key} not found`)
    if (old.modRevision !== expectedRevision) throw new StoreError('Conflict', `key ${key} was modified`, old.modRevision)
    const rev = ++this.revision
    const json = encodeValue(value)
    this.data.set(key, {json, modRevision: rev, createRevision: old.createRevision})
    this.emit({type: 'put', key, value: JSON.parse(json), prev: JSON.parse(old.json), revision: rev, created: false})
    return rev
  }

  async delete(key: string, expectedRevision?: number): Promise<{revision: number; prev: StoredObject}> {
    const old = this.data.get(key)
    if (!old) throw new StoreError('NotFound', `key ${key} not found`)
    if (expectedRevision !== undefined && old.modRevision !== expectedRevision) {
      throw new StoreError('Conflict', `key ${key} was modified`, old.modRevision)
    }
    this.data.delete(key)
    const rev = ++this.revision
    this.emit({type: 'delete', key, value: JSON.parse(old.json), revision: rev, created: false})
    return {revision: rev, prev: toStored(key, old)}
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): () => void {
    const watcher: Watcher = {prefix, handlers}
    if (fromRevision < this.compacted) {
      queueMicrotask(() => handlers.onError(new StoreError('Expired', `too old resource version: ${fromRevision} (${this.compacted})`, this.compacted)))
      return () => {}
    }
    // Replay and registration happen in one synchronous step, so no event falls between them.
    const backlog = this.history.filter(ev => ev.revision > fromRevision && ev.key.startsWith(prefix))
    this.watchers.add(watcher)
    let cancelled = false
    queueMicrotask(() => {
      for (const ev of backlog) if (!cancelled) handlers.onEvent(structuredClone(ev))
    })
    return () => {
      cancelled = true
      this.watchers.delete(watcher)
    }
  }

  async currentRevision(): Promise<number> {
    return this.revision
  }

  /** Drops history up to `revision`, as etcd compaction does (tests use it to provoke 410). */
  compact(revision: number): void {
    while (this.history.length > 0 && this.history[0].revision <= revision) this.history.shift()
    this.compacted = Math.max(this.compacted, revision)
  }

  async close(): Promise<void> {
    this.watchers.clear()
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev)
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()!
      this.compacted = dropped.revision
    }
    // Delivered after the write's promise settles, in order, like an etcd watch stream.
    const targets = [...this.watchers].filter(w => ev.key.startsWith(w.prefix))
    queueMicrotask(() => {
      for (const w of targets) if (this.watchers.has(w)) w.handlers.onEvent(structuredClone(ev))
    })
  }
}

function toStored(key: string, entry: Entry): StoredObject {
  return {key, value: JSON.parse(entry.json), modRevision: entry.modRevision, createRevision: entry.createRevision}
}
