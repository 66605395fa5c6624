// DaemonSet history: the ControllerRevision of the current template (created, reused or renumbered) and truncation of old ones.
import type {DaemonSet} from '../../api/resources/apps/daemonset.js'
import type {Pod} from '../../api/types/workloads.js'
import {isNotFound} from '../../client/errors.js'
import type {ControllerClient} from '../types.js'
import {
  CONTROLLER_REVISION_HASH,
  type ControllerRevision,
  bumpRevision,
  createRevision,
  equalRevision,
  newRevision,
  nextRevision,
  ownedRevisions,
  truncateHistory,
} from '../util/history.js'
import {DS_API, DS_KIND} from './placement.js'

const REVISIONS = {group: 'apps', version: 'v1', resource: 'controllerrevisions'}

/**
 * The revision data of a DaemonSet (getPatch): a strategic merge patch that replaces spec.template wholesale, which is
 * what `kubectl rollout undo` sends back and what `kubectl rollout history --revision` applies to show a template.
 */
export function revisionData(ds: DaemonSet): {spec: {template: Record<string, unknown>}} {
  return {spec: {template: {...structuredClone(ds.spec?.template ?? {}), $patch: 'replace'}}}
}

/** Whether a revision holds the DaemonSet's current template (Match). */
export function matchesRevision(ds: DaemonSet, rev: ControllerRevision): boolean {
  return equalRevision(rev, {metadata: {}, data: revisionData(ds)})
}

/** The current revision, the older ones (oldest first) and the collision count to persist. */
export interface History {
  current: ControllerRevision
  old: ControllerRevision[]
  collisionCount: number
}

/**
 * constructHistory: splits the DaemonSet's revisions into the one matching its template and the rest; creates the
 * current one when missing (numbered one past the old ones, collisions resolved by bumping the count), keeps the
 * highest of duplicates (relabelling their pods, deleting the others) and renumbers a revived one (rollout undo) to be the newest.
 */
export async function constructHistory(client: ControllerClient, ds: DaemonSet, all: ControllerRevision[], pods: readonly Pod[] = []): Promise<History> {
  const owned: ControllerRevision[] = []
  for (const rev of ownedRevisions(all, ds)) {
    // Revisions made elsewhere may lack the hash label; their name stands in for it, so hash collisions cannot matter.
    if (rev.metadata.labels?.[CONTROLLER_REVISION_HASH]) owned.push(rev)
    else owned.push(await client.update<ControllerRevision>({...REVISIONS, namespace: rev.metadata.namespace, name: rev.metadata.name}, {...rev, apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: {...rev.metadata, labels: {...rev.metadata.labels, [CONTROLLER_REVISION_HASH]: rev.metadata.name!}}}))
  }
  const matching = owned.filter((r) => matchesRevision(ds, r))
  const old = owned.filter((r) => !matchesRevision(ds, r))
  const want = nextRevision(old)
  let collisionCount = ds.status?.collisionCount ?? 0
  let current: ControllerRevision
  if (matching.length === 0) {
    const rev = newRevision(ds, DS_API, DS_KIND, ds.spec?.template?.metadata?.labels, revisionData(ds), want)
    // The DaemonSet's annotations travel with the revision: kubectl shows kubernetes.io/change-cause from there.
    if (ds.metadata.annotations) rev.metadata.annotations = {...ds.metadata.annotations}
    const created = await createRevision(client, ds, rev, collisionCount)
    current = created.revision
    collisionCount = created.collisionCount
  } else {
    current = matching[matching.length - 1]
    const keep = revisionHash(current)
    for (const dup of matching.slice(0, -1)) {
      // Pods of a duplicate run the current template already: relabel them rather than roll them.
      const dupHash = revisionHash(dup)
      for (const p of pods.filter((x) => x.metadata.labels?.[CONTROLLER_REVISION_HASH] === dupHash)) {
        await client.patch({version: 'v1', resource: 'pods', namespace: p.metadata.namespace, name: p.metadata.name}, {metadata: {labels: {[CONTROLLER_REVISION_HASH]: keep}}}, 'merge').catch((err: unknown) => {
          if (!isNotFound(err)) throw err
        })
      }
      await client.delete({...REVISIONS, namespace: dup.metadata.namespace, name: dup.metadata.name}, {preconditions: {uid: dup.metadata.uid}}).catch((err: unknown) => {
        if (!isNotFound(err)) throw err
      })
    }
    if ((current.revision ?? 0) < want) current = await bumpRevision(client, current, want)
  }
  return {current, old, collisionCount}
}

/** The hash a ControllerRevision is known by (its label, or its name for revisions made without one). */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? rev.metadata.name!
}

/**
 * cleanupHistory: when there are more old revisions than revisionHistoryLimit, deletes the oldest whose hash no live pod
 * carries. The limit counts every old revision, live ones included, as Kubernetes' daemon controller does.
 */
export async function cleanupHistory(client: ControllerClient, ds: DaemonSet, old: ControllerRevision[], pods: readonly Pod[]): Promise<void> {
  const limit = ds.spec?.revisionHistoryLimit ?? 10
  if (old.length <= limit) return
  const liveHashes = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH]).filter((h): h is string => !!h))
  const live = new Set(old.filter((r) => liveHashes.has(revisionHash(r))).map((r) => r.metadata.name!))
  // truncateHistory keeps `limit` dead revisions; here live old revisions use up part of the limit.
  await truncateHistory(client, old, live, limit - live.size)
}
