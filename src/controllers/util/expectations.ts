// Expected creations and deletions per controller key, so a sync never acts again on a cache that has not caught up with its own writes.
import type {Clock} from '../../api/clock.js'

/** Expectations older than this are considered satisfied, so a lost watch event cannot wedge a controller (as Kubernetes). */
export const EXPECTATIONS_TTL_MS = 5 * 60_000

interface Record_ {
  adds: number
  /** Keys of the pods we asked to delete and have not yet seen go (UID-tracking expectations in Kubernetes). */
  deletes: Set<string>
  at: number
}

/** Creations/deletions a controller is waiting to observe, per controller key. */
export class Expectations {
  private readonly records = new Map<string, Record_>()

  constructor(private readonly clock: Clock) {}

  /** True when nothing is pending for key (or the record expired): the cache reflects our writes and a sync may act. */
  satisfied(key: string): boolean {
    const r = this.records.get(key)
    if (!r) return true
    if (r.adds <= 0 && r.deletes.size === 0) return true
    return this.clock.now() - r.at > EXPECTATIONS_TTL_MS
  }

  /** Records that key is about to create n objects. */
  expectCreations(key: string, n: number): void {
    this.records.set(key, {adds: n, deletes: new Set(), at: this.clock.now()})
  }

  /** Records that key is about to delete the objects with these keys. */
  expectDeletions(key: string, objectKeys: string[]): void {
    this.records.set(key, {adds: 0, deletes: new Set(objectKeys), at: this.clock.now()})
  }

  /** Records that key is about to create n objects and delete the ones with these keys, in one sync (SetExpectations). */
  expect(key: string, n: number, objectKeys: string[]): void {
    this.records.set(key, {adds: n, deletes: new Set(objectKeys), at: this.clock.now()})
  }

  /** One expected creation was seen (or will never happen because the create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key)
    if (r) r.adds--
  }

  /** The deletion of objectKey was seen (or will never happen). */
  deletionObserved(key: string, objectKey: string): void {
    this.records.get(key)?.deletes.delete(objectKey)
  }

  /** Forgets key (its controller object is gone). */
  delete(key: string): void {
    this.records.delete(key)
  }
}
