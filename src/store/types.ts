// The Store contract: a revisioned key-value store of API objects that the apiserver alone talks to.
import type {KubeObject} from '../api/types.js'

/** One stored object with the revision at which it was last modified (its resourceVersion). */
export interface StoredObject {
  key: string
  value: KubeObject
  modRevision: number
  createRevision: number
}

/** A page of a prefix listing; `revision` is the store revision the page was read at. */
export interface ListPage {
  items: StoredObject[]
  revision: number
  /** Opaque token for the next page, absent on the last page. */
  continue?: string
  remainingItemCount?: number
}

/** A change seen by a watch. For deletions `value` is the last stored state (etcd's prevKv). */
export interface StoreEvent {
  type: 'put' | 'delete'
  key: string
  value: KubeObject
  /** The previous value of a put (absent on creation). */
  prev?: KubeObject
  revision: number
  /** True when a put created the key. */
  created: boolean
}

export interface ListOptions {
  limit?: number
  /** Token from a previous page's `continue`. */
  continue?: string
  /** Read the prefix as it was at this revision (resourceVersionMatch=Exact); Expired once compacted. */
  revision?: number
}

/** Watch callbacks: events in revision order; `onError` ends the watch (compaction, lost connection). */
export interface WatchHandlers {
  onEvent(ev: StoreEvent): void
  onError(err: StoreError): void
}

/**
 * A revisioned object store. Values are stored without `metadata.resourceVersion`; callers derive it
 * from `modRevision`. Every write returns the new global revision.
 */
export interface Store {
  get(key: string): Promise<StoredObject | undefined>
  list(prefix: string, opts?: ListOptions): Promise<ListPage>
  /** Creates `key`; throws StoreError 'AlreadyExists' if it exists. */
  create(key: string, value: KubeObject): Promise<number>
  /** Replaces `key` only if its modRevision equals `expectedRevision` ('Conflict' otherwise, 'NotFound' if absent). */
  update(key: string, value: KubeObject, expectedRevision: number): Promise<number>
  /** Deletes `key` (optionally only at `expectedRevision`); returns the deletion revision and the last value. */
  delete(key: string, expectedRevision?: number): Promise<{revision: number; prev: StoredObject}>
  /** Streams changes under `prefix` with revision > `fromRevision`; returns a cancel function. */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): () => void
  currentRevision(): Promise<number>
  /** Drops history up to `revision` (etcd compaction); watches from before it get 'Expired'. */
  compact?(revision: number): Promise<void> | void
  close(): Promise<void>
}

export type StoreErrorCode = 'AlreadyExists' | 'NotFound' | 'Conflict' | 'Expired' | 'BadContinue' | 'Unavailable'

/** A store failure the apiserver maps to a Status (Expired → 410, Conflict → 409, ...). */
export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly current?: number) {
    super(message)
    this.name = 'StoreError'
  }
}

/** Encodes a continue token: the revision to read at and the key to resume after. */
export function encodeContinue(revision: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({rv: revision, start: lastKey})).toString('base64url')
}

/** Decodes a continue token, throwing 'BadContinue' on garbage. */
export function decodeContinue(token: string): {rv: number; start: string} {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {rv: unknown; start: unknown}
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return {rv: parsed.rv, start: parsed.start}
  } catch {
    // fall through to the error below
  }
  throw new StoreError('BadContinue', 'continue key is not valid')
}

/** Serializes an object for storage, dropping resourceVersion (it is the mod revision). */
export function encodeValue(value: KubeObject): string {
  const {resourceVersion: _rv, ...metadata} = value.metadata ?? {}
  return JSON.stringify({...value, metadata})
}
