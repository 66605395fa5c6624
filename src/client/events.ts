// Records core/v1 Events about any object (Scheduled, Pulled, SuccessfulCreate, ...), folding repeats into one Event with a count.
import type {KubeObject} from '../api/types.js'
import type {Target} from './paths.js'
import {type Clock, realClock} from '../api/clock.js'
import {isNotFound} from './errors.js'

/** The part of the API client the recorder needs. */
export interface EventSink {
  create<T extends KubeObject>(target: Target, body: T): Promise<T>
  patch<T extends KubeObject>(target: Target, patch: unknown, type?: 'merge'): Promise<T>
}

/** Who reports the events. */
export interface EventSource {
  /** source.component and reportingComponent, e.g. default-scheduler. */
  component: string
  /** reportingInstance, e.g. default-scheduler-<host>. */
  instance: string
  /** source.host: the node, for events the agent reports. */
  host?: string
}

interface Seen {
  name: string
  namespace: string
  count: number
  firstTimestamp: string
  lastSeen: number
}

/** Kubernetes caps an Event's message (note) at this many bytes. */
export const EVENT_MESSAGE_LIMIT = 1024

/** Shortens message to the Event limit the way kube-scheduler does (" ..." suffix). */
export function truncateEventMessage(message: string): string {
  if (message.length <= EVENT_MESSAGE_LIMIT) return message
  return message.slice(0, EVENT_MESSAGE_LIMIT - 4) + ' ...'
}

let lastSuffix = 0n

/**
 * client-go names events <object>.<unix nanos in hex>. Clocks here tick in milliseconds, so the
 * nanosecond part is a counter: several events about one object in the same millisecond (a
 * ReplicaSet creating pods) still get distinct names.
 */
function uniqueSuffix(nowMs: number): string {
  const candidate = BigInt(nowMs) * 1_000_000n
  lastSuffix = candidate > lastSuffix ? candidate : lastSuffix + 1n
  return lastSuffix.toString(16)
}

/** metav1.Time: RFC 3339 with second precision. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

/**
 * An event recorder in the spirit of client-go's: an identical event (same object, type, reason, message) seen again
 * within ten minutes bumps count and lastTimestamp of the existing Event instead of creating another. Writes are
 * fire-and-forget for callers (a lost event must never stall scheduling); flush() waits for them, for tests and
 * shutdown.
 */
export class EventRecorder {
  private readonly seen = new Map<string, Seen>()
  private readonly pending = new Set<Promise<void>>()
  private readonly chains = new Map<string, Promise<void>>()
  private readonly clock: Clock
  private static readonly DEDUPE_MS = 10 * 60_000
  private static readonly MAX_REMEMBERED = 4096

  constructor(
    private readonly sink: EventSink,
    private readonly source: EventSource,
    private readonly opts: {clock?: Clock; log?: (msg: string) => void} = {},
  ) {
    this.clock = opts.clock ?? realClock
  }

  /** Records an event about obj; returns at once. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void {
    const text = truncateEventMessage(message)
    const key = [obj.metadata.namespace || 'default', obj.metadata.uid ?? obj.metadata.name, type, reason, text].join('\u0000')
    // Writes of the same event are chained, so a quick repeat patches the Event the first write created.
    const prev = this.chains.get(key) ?? Promise.resolve()
    const p = prev
      .then(() => this.write(key, obj, type, reason, action, text))
      .catch((err) => {
        this.opts.log?.(`event ${reason} for ${obj.metadata.namespace}/${obj.metadata.name}: ${err?.message ?? err}`)
      })
    this.chains.set(key, p)
    this.pending.add(p)
    void p.finally(() => {
      this.pending.delete(p)
      if (this.chains.get(key) === p) this.chains.delete(key)
    })
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  private async write(key: string, obj: KubeObject, type: string, reason: string, action: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default'
    const now = this.clock.now()
    const prev = this.seen.get(key)
    if (prev && now - prev.lastSeen < EventRecorder.DEDUPE_MS) {
      prev.count++
      prev.lastSeen = now
      try {
        await this.sink.patch({version: 'v1', resource: 'events', namespace, name: prev.name}, {count: prev.count, lastTimestamp: rfc3339(now)}, 'merge')
        return
      } catch (err) {
        // Someone deleted the Event (or it expired): start a new one below.
        if (!isNotFound(err)) throw err
      }
    }
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      // client-go names events <object>.<unix nanos in hex>, unique enough and sortable by time.
      metadata: {name: `${obj.metadata.name}.${uniqueSuffix(now)}`, namespace},
      involvedObject: {
        apiVersion: obj.apiVersion ?? 'v1',
        kind: obj.kind ?? 'Pod',
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      action,
      source: {component: this.source.component, ...(this.source.host ? {host: this.source.host} : {})},
      reportingComponent: this.source.component,
      reportingInstance: this.source.instance,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      eventTime: rfc3339Micro(now),
      count: 1,
    }
    const created = await this.sink.create({version: 'v1', resource: 'events', namespace}, event as KubeObject)
    this.remember(key, {name: created?.metadata?.name ?? event.metadata.name, namespace, count: 1, firstTimestamp: event.firstTimestamp, lastSeen: now})
  }

  private remember(key: string, s: Seen): void {
    this.seen.delete(key)
    this.seen.set(key, s)
    // Map iteration order is insertion order, so the first key is the least recently recorded one.
    while (this.seen.size > EventRecorder.MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string)
  }
}
