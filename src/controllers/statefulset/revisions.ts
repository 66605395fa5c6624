// A StatefulSet's ControllerRevisions: the template patch they store, and picking (or creating) the current and update revisions.
import type {StatefulSet} from '../../api/resources/apps/statefulset.js'
import type {PodTemplateSpec} from '../../api/types/workloads.js'
import type {ControllerClient} from '../types.js'
import {type ControllerRevision, bumpRevision, createRevision, equalRevision, newRevision, nextRevision} from '../util/history.js'
import {STS_API, STS_KIND} from './identity.js'

/**
 * The revision data of a set (getPatch): only spec.template, marked `$patch: replace`, so that kubectl rollout undo can
 * send it as a strategic merge patch that swaps the whole template back.
 */
export function templatePatch(set: StatefulSet): {spec: {template: Record<string, unknown>}} {
  return {spec: {template: {...structuredClone(set.spec?.template ?? {}), $patch: 'replace'}}}
}

/** The set with its template taken from a revision (ApplyRevision for a template-only patch). */
export function applyRevision(set: StatefulSet, rev: ControllerRevision): StatefulSet {
  const data = rev.data as {spec?: {template?: Record<string, unknown>}} | undefined
  const {$patch: _directive, ...template} = data?.spec?.template ?? {}
  return {...set, spec: {...set.spec, template: template as PodTemplateSpec}}
}

/** The set's current template as an unsaved revision numbered `revision`, carrying the set's annotations (kubectl's change-cause). */
export function revisionOf(set: StatefulSet, revision: number): ControllerRevision {
  const rev = newRevision(set, STS_API, STS_KIND, set.spec?.template?.metadata?.labels, templatePatch(set), revision)
  const annotations = set.metadata.annotations
  return annotations && Object.keys(annotations).length ? {...rev, metadata: {...rev.metadata, annotations: {...annotations}}} : rev
}

/** What getRevisions decided. */
export interface SetRevisions {
  current: ControllerRevision
  update: ControllerRevision
  collisionCount: number
}

/**
 * The revision pods should move to (the set's template: reused when the newest revision already holds it, renumbered
 * when an older one does — a rollback — otherwise created) and the revision named by status.currentRevision (the
 * update revision when there is none yet), as getStatefulSetRevisions.
 */
export async function getRevisions(client: ControllerClient, set: StatefulSet, revisions: ControllerRevision[]): Promise<SetRevisions> {
  let collisionCount = set.status?.collisionCount ?? 0
  const wanted = revisionOf(set, nextRevision(revisions))
  const equal = revisions.filter((r) => equalRevision(r, wanted))
  let update: ControllerRevision
  const newest = revisions.at(-1)
  if (equal.length && newest && equalRevision(newest, wanted)) {
    update = newest
  } else if (equal.length) {
    update = await bumpRevision(client, equal.at(-1)!, wanted.revision!)
  } else {
    const created = await createRevision(client, set, wanted, collisionCount)
    update = created.revision
    collisionCount = created.collisionCount
  }
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update
  return {current, update, collisionCount}
}
