// Controller references: building them, and claiming objects (adopt matching orphans, release owned ones that stopped matching).
import type {KubeObject, OwnerReference} from '../../api/types.js'
import {isNotFound} from '../../client/errors.js'
import type {Target} from '../../client/paths.js'
import type {ControllerClient} from '../types.js'
import {controllerRef} from './pods.js'
import {type LabelSelector, selectorMatches} from '../../api/selectors.js'

/** The controller reference a controller puts on what it creates: controller and blockOwnerDeletion, as Kubernetes. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true}
}

/** What claimObjects needs to know. */
export interface ClaimOptions {
  client: ControllerClient
  owner: KubeObject
  ref: OwnerReference
  selector: LabelSelector
  candidates: KubeObject[]
  /** Where to patch one candidate. */
  target: (obj: KubeObject) => Target
}

/**
 * The candidates this owner controls after adopting orphans that match its selector and releasing owned ones that no
 * longer match (as ControllerRefManager). Patches carry the resourceVersion read, so a concurrent change makes them
 * fail with a conflict instead of clobbering another controller's claim; errors are thrown after every candidate had
 * its turn, so the sync is retried.
 */
export async function claimObjects(o: ClaimOptions): Promise<KubeObject[]> {
  const claimed: KubeObject[] = []
  const ownerUid = o.owner.metadata.uid
  const ownerDeleting = !!o.owner.metadata.deletionTimestamp
  let firstError: unknown
  for (const c of o.candidates) {
    const ref = controllerRef(c)
    const matches = selectorMatches(o.selector, c.metadata.labels)
    const refs = c.metadata.ownerReferences ?? []
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue
        if (matches || ownerDeleting) {
          claimed.push(c)
          continue
        }
        // Labels changed under us: let go so another controller (or none) can take it.
        await o.client.patch(o.target(c), {metadata: {resourceVersion: c.metadata.resourceVersion, ownerReferences: refs.filter((r) => r.uid !== ownerUid)}}, 'merge')
        continue
      }
      if (!matches || ownerDeleting || c.metadata.deletionTimestamp) continue
      const adopted = await o.client.patch<KubeObject>(o.target(c), {metadata: {resourceVersion: c.metadata.resourceVersion, ownerReferences: [...refs, o.ref]}}, 'merge')
      claimed.push(adopted ?? c)
    } catch (err) {
      if (isNotFound(err)) continue
      firstError ??= err
    }
  }
  if (firstError) throw firstError
  return claimed
}
