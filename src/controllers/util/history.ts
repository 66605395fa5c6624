// Controller history shared by the DaemonSet and StatefulSet controllers: ControllerRevisions named by hash, created with collision handling, ordered and truncated.
import {isDeepStrictEqual} from 'node:util'
import type {ControllerRevision} from '../../api/resources/apps/controllerrevision.js'
import type {KubeObject} from '../../api/types.js'
import {isAlreadyExists} from '../../client/errors.js'
import type {ControllerClient} from '../types.js'
import {canonical, hashWithCollisions} from './hash.js'
import {newControllerRef} from './owners.js'
import {controllerRef} from './pods.js'

export type {ControllerRevision} from '../../api/resources/apps/controllerrevision.js'

/** The label naming the revision a pod (and the revision itself) belongs to. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash'
const REVISIONS = {group: 'apps', version: 'v1', resource: 'controllerrevisions'}
/** Kubernetes cuts a revision name's prefix so prefix, dash and hash fit a DNS subdomain. */
const MAX_PREFIX = 223

/** The hash of a revision's data with the owner's collision count (history.HashControllerRevision). */
export function hashRevision(data: unknown, collisionCount?: number | null): string {
  return hashWithCollisions(Buffer.from(JSON.stringify(canonical(data) ?? {})), collisionCount)
}

/** `<prefix>-<hash>`, the prefix cut to fit (history.ControllerRevisionName). */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix}-${hash}`
}

/** Whether two revisions hold the same data (history.EqualRevision). */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b
  return isDeepStrictEqual(canonical(a.data) ?? null, canonical(b.data) ?? null)
}

/** The revisions among `all` controlled by owner, oldest revision first (ties by name). */
export function ownedRevisions(all: ControllerRevision[], owner: KubeObject): ControllerRevision[] {
  return all
    .filter((r) => r.metadata.namespace === owner.metadata.namespace && controllerRef(r)?.uid === owner.metadata.uid)
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || String(a.metadata.name).localeCompare(String(b.metadata.name)))
}

/** One more than the highest revision (1 for the first). */
export function nextRevision(revisions: ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1
}

/** A new, not yet stored revision of owner (history.NewControllerRevision); the name is set on create. */
export function newRevision(owner: KubeObject, apiVersion: string, kind: string, labels: Record<string, string> | undefined, data: unknown, revision: number): ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {namespace: owner.metadata.namespace, labels: {...labels}, ownerReferences: [newControllerRef(owner, apiVersion, kind)]},
    data,
    revision,
  }
}

/**
 * Stores rev under `<owner>-<hash>`. When that name holds different data (a hash collision), bumps the collision count
 * and tries the next name; returns the stored revision (an identical existing one is reused) and the count to persist
 * in the owner's status.
 */
export async function createRevision(client: ControllerClient, owner: KubeObject, rev: ControllerRevision, collisionCount = 0): Promise<{revision: ControllerRevision; collisionCount: number}> {
  for (let count = collisionCount; ; count++) {
    const hash = hashRevision(rev.data, count)
    const body: ControllerRevision = {...rev, metadata: {...rev.metadata, name: revisionName(owner.metadata.name!, hash), labels: {...rev.metadata.labels, [CONTROLLER_REVISION_HASH]: hash}}}
    try {
      return {revision: await client.create<ControllerRevision>({...REVISIONS, namespace: owner.metadata.namespace}, body), collisionCount: count}
    } catch (err: unknown) {
      if (!isAlreadyExists(err)) throw err
      const existing = await client.get<ControllerRevision>({...REVISIONS, namespace: owner.metadata.namespace, name: body.metadata.name})
      if (equalRevision(existing, body) && controllerRef(existing)?.uid === owner.metadata.uid) return {revision: existing, collisionCount: count}
    }
  }
}

/** Updates a revision's number (an old template becoming current again: rollout undo). */
export async function bumpRevision(client: ControllerClient, rev: ControllerRevision, revision: number): Promise<ControllerRevision> {
  if (rev.revision === revision) return rev
  return client.update<ControllerRevision>({...REVISIONS, namespace: rev.metadata.namespace, name: rev.metadata.name}, {...rev, apiVersion: 'apps/v1', kind: 'ControllerRevision', revision})
}

/** Deletes the oldest revisions not in `live` beyond `limit` (revisionHistoryLimit). */
export async function truncateHistory(client: ControllerClient, revisions: ControllerRevision[], live: Set<string>, limit: number): Promise<void> {
  const dead = revisions.filter((r) => !live.has(r.metadata.name!))
  const excess = dead.length - Math.max(0, limit)
  for (const r of dead.slice(0, Math.max(0, excess))) {
    await client.delete({...REVISIONS, namespace: r.metadata.namespace, name: r.metadata.name}, {preconditions: {uid: r.metadata.uid}}).catch(() => undefined)
  }
}
