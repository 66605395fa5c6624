// List-then-watch cache of one resource collection, with handlers, resume from the last resourceVersion and relist on 410.
import type {KubeList, KubeObject, Status, WatchEvent} from '../api/types.js'
import type {ListOptions, WatchHandle, WatchOptions} from './api-client.js'
import {type Clock, realClock} from '../api/clock.js'
import {isGone} from './errors.js'
import {type Target, objectKey} from './paths.js'

/** The part of ApiClient an informer needs (a fake in tests). */
export interface ListWatcher {
  list<T extends KubeObject>(target: Target, opts?: ListOptions): Promise<KubeList<T>>
  watch<T extends KubeObject>(target: Target, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle
}

/** Callbacks of an informer; they receive frozen objects, which must not be mutated. */
export interface InformerHandlers<T> {
  onAdd?(obj: T): void
  onUpdate?(oldObj: T, newObj: T): void
  onDelete?(obj: T): void
}

/** Options of an informer. */
export interface InformerOptions {
  labelSelector?: string
  fieldSelector?: string
  clock?: Clock
  /** Reconnect backoff: starts at initialMs, doubles per failure up to maxMs, resets on progress. */
  backoff?: {initialMs: number; maxMs: number}
  /** Server-side watch timeout; a random 5-10 min by default (as client-go) so half-open sockets get replaced. */
  watchTimeoutSeconds?: number
  log?: (msg: string) => void
}

/** Freezes obj and everything under it, so the cache can hand out the same objects to every reader. */
export function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj)
    for (const v of Object.values(obj as object)) deepFreeze(v)
  }
  return obj
}

/** A cache of one collection kept up to date by list+watch; run() drives it until its signal aborts. */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>()
  private readonly handlers: InformerHandlers<T>[] = []
  private readonly clock: Clock
  private readonly backoff: {initialMs: number; maxMs: number}
  private synced = false
  private syncWaiters: (() => void)[] = []
  private rv = ''
  private running?: Promise<void>

  constructor(
    private readonly client: ListWatcher,
    readonly target: Target,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock
    this.backoff = opts.backoff ?? {initialMs: 100, maxMs: 30_000}
  }

  /** Registers handlers; if the cache has already synced, replays the current objects as adds (as client-go). */
  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h)
    if (this.synced) for (const obj of this.cache.values()) this.call(h, 'onAdd', obj)
  }

  /** The cached object under key (`namespace/name` or `name`). */
  get(key: string): T | undefined {
    return this.cache.get(key)
  }

  /** All cached objects. */
  list(): T[] {
    return [...this.cache.values()]
  }

  /** True once the first list has been applied. */
  hasSynced(): boolean {
    return this.synced
  }

  /** The last resourceVersion seen (list or event). */
  get resourceVersion(): string {
    return this.rv
  }

  /** Resolves true when synced, or false if signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true)
    if (signal?.aborted) return Promise.resolve(false)
    return new Promise((resolve) => {
      const onAbort = () => resolve(false)
      signal?.addEventListener('abort', onAbort, {once: true})
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(true)
      })
    })
  }

  /**
   * Lists, then watches from the list's resourceVersion, re-watching and relisting as needed, until signal aborts.
   * A shared informer is run by each of its users: while it runs, later calls join the running loop (one watch),
   * whatever their signal; the components of one process share one.
   */
  run(signal: AbortSignal): Promise<void> {
    this.running ??= this.loop(signal).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let needList = true
    let delay = this.backoff.initialMs
    // Counts 410s not separated by any delivered event: a second one in a row means relisting alone does not help.
    let expiredInARow = 0
    let failures = 0
    let refused = false
    while (!signal.aborted) {
      let progressed = false
      try {
        if (needList) {
          await this.relist()
          needList = false
          // The server answers again: later failures start a new streak from the shortest delay.
          failures = 0
          delay = this.backoff.initialMs
        }
        if (signal.aborted) break
        const outcome = await this.watchOnce(signal)
        if (outcome.events > 0) {
          progressed = true
          expiredInARow = 0
        }
        if (outcome.expired) {
          needList = true
          if (++expiredInARow === 1) progressed = true
        } else if (outcome.error) {
          this.log(`watch error ${outcome.error.code} ${outcome.error.reason ?? ''}: ${outcome.error.message ?? ''}`)
        }
      } catch (err: any) {
        refused = err?.code === 'ECONNREFUSED'
        if (isGone(err)) {
          needList = true
          if (++expiredInARow === 1) progressed = true
        } else if (!signal.aborted) {
          // While the apiserver is down every retry fails the same way: say so at the start of a streak and every
          // 10th retry, not on each one.
          if (failures++ % 10 === 0) this.log(`${needList ? 'list' : 'watch'} failed${failures > 1 ? ` (${failures} times)` : ''}: ${err?.message ?? err}`)
        }
      }
      if (progressed) {
        failures = 0
        delay = this.backoff.initialMs
        continue
      }
      if (signal.aborted) break
      await this.clock.sleep(delay, signal)
      // A refused connection (the apiserver not listening yet, as while a cluster boots) costs nothing to retry:
      // keep the shortest delay for the first 50 of them, so components follow the apiserver within a beat.
      if (!(refused && failures <= 50)) delay = Math.min(delay * 2, this.backoff.maxMs)
      refused = false
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.target, {labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector})
    const seen = new Set<string>()
    for (const raw of list.items ?? []) {
      // Lists omit kind/apiVersion on items; keep what we got.
      const obj = deepFreeze(raw)
      const key = objectKey(obj)
      seen.add(key)
      const old = this.cache.get(key)
      this.cache.set(key, obj)
      if (!old) this.emit('onAdd', obj)
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('onUpdate', old, obj)
    }
    for (const [key, old] of this.cache) {
      if (seen.has(key)) continue
      this.cache.delete(key)
      this.emit('onDelete', old)
    }
    this.rv = list.metadata?.resourceVersion ?? ''
    if (!this.synced) {
      this.synced = true
      for (const w of this.syncWaiters.splice(0)) w()
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<{events: number; expired: boolean; error?: Status}> {
    let events = 0
    let expired = false
    let error: Status | undefined
    const timeout = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()))
    const handle: WatchHandle = this.client.watch<T>(
      this.target,
      {
        resourceVersion: this.rv || undefined,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        allowWatchBookmarks: true,
        timeoutSeconds: timeout,
      },
      (ev) => {
        if (ev.type === 'ERROR') {
          error = ev.object as unknown as Status
          expired = error.code === 410
          // The server closes after an ERROR; stopping here as well means a server that does not cannot stall us.
          // Deferred, because a source may deliver events before watch() has returned the handle.
          queueMicrotask(() => handle.stop())
          return
        }
        events++
        this.apply(ev)
      },
    )
    const onAbort = () => handle.stop()
    signal.addEventListener('abort', onAbort, {once: true})
    try {
      await handle.done
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
    return {events, expired, error}
  }

  private apply(ev: WatchEvent<T>): void {
    const rv = ev.object?.metadata?.resourceVersion
    if (rv) this.rv = rv
    if (ev.type === 'BOOKMARK') return
    const obj = deepFreeze(ev.object)
    const key = objectKey(obj)
    const old = this.cache.get(key)
    if (ev.type === 'DELETED') {
      this.cache.delete(key)
      this.emit('onDelete', obj)
      return
    }
    this.cache.set(key, obj)
    if (old) this.emit('onUpdate', old, obj)
    else this.emit('onAdd', obj)
  }

  private emit(kind: 'onAdd' | 'onDelete', obj: T): void
  private emit(kind: 'onUpdate', old: T, obj: T): void
  private emit(kind: keyof InformerHandlers<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b)
  }

  private call(h: InformerHandlers<T>, kind: keyof InformerHandlers<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b as T)
      else h[kind]?.(a)
    } catch (err: any) {
      // A broken handler must not stop the cache from following the stream.
      this.log(`${kind} handler failed: ${err?.stack ?? err}`)
    }
  }

  private log(msg: string): void {
    const where = typeof this.target === 'string' ? this.target : this.target.resource
    this.opts.log?.(`informer ${where}: ${msg}`)
  }
}
