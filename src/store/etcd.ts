// Store backed by etcd: resourceVersion is the etcd mod revision and a watch is an etcd watch.
import type {Etcd3, IOptions, Watcher} from 'etcd3'
import type {KubeObject} from '../api/types.js'
import {
  decodeContinue, encodeContinue, encodeValue, type ListOptions, type ListPage, type Store, type StoreEvent,
  type StoredObject, StoreError, type WatchHandlers,
} from './types.js'
import type {ValueTransformer} from './encryption.js'

interface RawKv {
  key: Buffer
  value: Buffer
  mod_revision: string
  create_revision: string
}

/** A Store over an etcd v3 cluster reached through the etcd3 client. */
export class EtcdStore implements Store {
  // Loaded on first use: the etcd client (gRPC) costs ~26 MiB of heap, and only the control-plane
  // process uses a store; esbuild turns this import into a lazy require in the node bundle.
  private readonly clientP: Promise<Etcd3>

  /** Values pass through `transformer` (encryption at rest) on the way to and from etcd, watches included. */
  constructor(opts: IOptions | {hosts: string | string[]}, private readonly transformer?: ValueTransformer) {
    this.clientP = Promise.all([import('etcd3'), import('cockatiel')]).then(([m, c]) => new m.Etcd3({
      // etcd3's default opens a circuit breaker for 5 s after three failures: a restarted etcd (back in half a second)
      // would leave the apiserver refusing every request for seconds more. One host, so no breaker: a few quick retries.
      faultHandling: {
        host: () => c.noop,
        global: c.retry(c.handleWhen(m.isRecoverableError), {maxAttempts: 3, backoff: new c.ExponentialBackoff({initialDelay: 50, maxDelay: 400})}),
      },
      ...(opts as IOptions),
    }))
  }

  private encode(key: string, value: KubeObject): Buffer | string {
    const text = encodeValue(value)
    return this.transformer ? this.transformer.toStorage(key, Buffer.from(text)) : text
  }

  private decode(key: Buffer, value: Buffer): KubeObject {
    const plain = this.transformer ? this.transformer.fromStorage(key.toString(), value) : value
    return JSON.parse(plain.toString()) as KubeObject
  }

  private toStored(kv: RawKv): StoredObject {
    return {key: kv.key.toString(), value: this.decode(kv.key, kv.value), modRevision: Number(kv.mod_revision), createRevision: Number(kv.create_revision)}
  }

  private toEvent(ev: {type: string; kv: RawKv; prev_kv?: RawKv}): StoreEvent {
    const key = ev.kv.key.toString()
    const revision = Number(ev.kv.mod_revision)
    if (ev.type === 'Delete') {
      // A deleted kv carries the deletion revision in mod_revision; its value is in prev_kv.
      const value = ev.prev_kv ? this.decode(ev.prev_kv.key, ev.prev_kv.value) : {metadata: {}}
      return {type: 'delete', key, value, revision, created: false}
    }
    return {
      type: 'put',
      key,
      value: this.decode(ev.kv.key, ev.kv.value),
      prev: ev.prev_kv ? this.decode(ev.prev_kv.key, ev.prev_kv.value) : undefined,
      revision,
      created: ev.kv.create_revision === ev.kv.mod_revision,
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const client = await this.clientP
    const res = await client.get(key).exec()
    const kv = res.kvs[0] as unknown as RawKv | undefined
    return kv && this.toStored(kv)
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const client = await this.clientP
    let builder = client.getAll().prefix(prefix)
    let revision: number | undefined
    if (opts.continue) {
      const token = decodeContinue(opts.continue)
      revision = token.rv
      // Resume strictly after the last key of the previous page, at the same revision.
      builder = client.getAll().inRange({start: token.start + '\0', end: prefixEnd(prefix)})
      builder.revision(String(revision))
    }
    else if (opts.revision) {
      revision = opts.revision
      builder.revision(String(revision))
    }
    if (opts.limit && opts.limit > 0) builder.limit(opts.limit)
    let res
    try {
      res = await builder.exec()
    } catch (err) {
      if (/compacted/.test(String(err))) {
        throw new StoreError('Expired', opts.continue ? 'the continue token has expired; list again' : 'The resourceVersion for the provided list is too old.')
      }
      throw err
    }
    const items = (res.kvs as unknown as RawKv[]).map((kv) => this.toStored(kv))
    const rev = revision ?? Number(res.header.revision)
    const more = res.more
    const remaining = Number(res.count) - items.length
    return {
      items,
      revision: rev,
      continue: more && items.length > 0 ? encodeContinue(rev, items[items.length - 1].key) : undefined,
      remainingItemCount: more && remaining > 0 ? remaining : undefined,
    }
  }

  async create(key: string, value: KubeObject): Promise<number> {
    const client = await this.clientP
    const res = await client.if(key, 'Create', '==', 0).then(client.put(key).value(this.encode(key, value))).commit()
    if (!res.succeeded) throw new StoreError('AlreadyExists', `key ${key} already exists`)
    return Number(res.header.revision)
  }

  async update(key: string, value: KubeObject, expectedRevision: number): Promise<number> {
    const client = await this.clientP
    const res = await client.if(key, 'Mod', '==', expectedRevision)
      .then(client.put(key).value(this.encode(key, value)))
      .else(client.get(key))
      .commit()
    if (res.succeeded) return Number(res.header.revision)
    throw this.failure(key, res.responses[0]?.response_range?.kvs?.[0] as unknown as RawKv | undefined)
  }

  async delete(key: string, expectedRevision?: number): Promise<{revision: number; prev: StoredObject}> {
    const client = await this.clientP
    const cmp = expectedRevision === undefined ? client.if(key, 'Create', '>', 0) : client.if(key, 'Mod', '==', expectedRevision)
    const res = await cmp.then({request_delete_range: {key: Buffer.from(key), prev_kv: true}}).else(client.get(key)).commit()
    if (!res.succeeded) throw this.failure(key, res.responses[0]?.response_range?.kvs?.[0] as unknown as RawKv | undefined)
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0] as unknown as RawKv | undefined
    if (!prev) throw new StoreError('NotFound', `key ${key} not found`)
    return {revision: Number(res.header.revision), prev: this.toStored(prev)}
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): () => void {
    let watcher: Watcher | undefined
    let cancelled = false
    const fail = (err: unknown) => {
      if (cancelled) return
      cancelled = true
      void watcher?.cancel().catch(() => {})
      const text = String(err)
      // etcd cancels a watch on a compacted revision with an empty reason; a range read at that
      // revision tells compaction apart from other failures.
      void this.clientP.then((client) => client.get('\0').revision(String(fromRevision + 1)).exec())
        .then(() => /compacted/.test(text))
        .catch(e => /compacted/.test(String(e)))
        .then(compacted => handlers.onError(compacted
          ? new StoreError('Expired', `too old resource version: ${fromRevision}`)
          : new StoreError('Unavailable', `watch failed: ${text}`)))
    }
    // A watch from a compacted revision is refused before it reaches etcd: etcd answers such a create with
    // "created and canceled", which leaves the etcd3 client's queue of pending creates stuck, and every later watch
    // on the shared stream then waits forever. A range read at the revision costs one round trip per watch.
    this.clientP.then(async (client) => {
      if (fromRevision > 0) await client.get('\0').revision(String(fromRevision)).exec()
      return client.watch().prefix(prefix).withPreviousKV().startRevision(String(fromRevision + 1)).create()
    })
      .then(w => {
        watcher = w
        if (cancelled) {
          void w.cancel().catch(() => {})
          return
        }
        w.on('data', res => {
          if (cancelled) return
          for (const ev of res.events as unknown as Array<{type: string; kv: RawKv; prev_kv?: RawKv}>) {
            let event: StoreEvent
            try {
              event = this.toEvent(ev)
            } catch (err) {
              // An undecryptable value ends the watch loudly rather than skipping an event.
              fail(err)
              return
            }
            handlers.onEvent(event)
          }
        })
        w.on('error', fail)
      })
      .catch(fail)
    return () => {
      cancelled = true
      void watcher?.cancel().catch(() => {})
    }
  }

  async currentRevision(): Promise<number> {
    const client = await this.clientP
    // A range over an empty key costs little and returns the header revision.
    const res = await client.get('\0').exec()
    return Number(res.header.revision)
  }

  /** Compacts etcd history up to `revision` (tests use it to provoke 410 Expired). */
  async compact(revision: number): Promise<void> {
    const client = await this.clientP
    await client.kv.compact({revision: String(revision), physical: true})
  }

  async close(): Promise<void> {
    const client = await this.clientP
    client.close()
  }

  private failure(key: string, current: RawKv | undefined): StoreError {
    if (!current) return new StoreError('NotFound', `key ${key} not found`)
    return new StoreError('Conflict', `key ${key} was modified`, Number(current.mod_revision))
  }
}

/** The first key after every key with `prefix` (etcd's range end for a prefix). */
function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix)
  buf[buf.length - 1] += 1
  return buf.toString()
}
