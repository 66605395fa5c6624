// The PersistentVolumeClaims of a StatefulSet's pods: created from the claim templates before the pod, and owned per the retention policy.
import type {StatefulSet} from '../../api/resources/apps/statefulset.js'
import type {KubeObject, OwnerReference} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import {isAlreadyExists, isNotFound} from '../../client/errors.js'
import type {ControllerClient, Lister} from '../types.js'
import {newControllerRef} from '../util/owners.js'
import {STS_API, STS_KIND, claimName, endOrdinal, parseOrdinal, podName, startOrdinal} from './identity.js'

const CLAIMS = {version: 'v1', resource: 'persistentvolumeclaims'}

/** The claims of ordinal's pod, as they are created: template copies named per ordinal, with the set's selector labels. */
export function podClaims(set: StatefulSet, ordinal: number): KubeObject[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const {status: _status, ...tpl} = structuredClone(t)
    const md = tpl.metadata ?? {}
    return {
      ...tpl,
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName(set, t, ordinal),
        namespace: set.metadata.namespace,
        labels: {...md.labels, ...set.spec?.selector?.matchLabels},
        ...(md.annotations ? {annotations: {...md.annotations}} : {}),
      },
    }
  })
}

/** Whether the pod's ordinal is one the set still wants (a pod outside it is being scaled away). */
const inRange = (set: StatefulSet, pod: Pod) => {
  const {ordinal} = parseOrdinal(pod.metadata.name)
  return ordinal >= startOrdinal(set) && ordinal < endOrdinal(set)
}

/**
 * The owner references a claim should have under the retention policy (updateClaimOwnerRefForSetAndPod): whenDeleted
 * Delete makes the set its controller, so the garbage collector removes it with the set; whenScaled Delete makes the
 * pod of a scaled-away ordinal its controller, so it goes with that pod. Retain leaves neither. Another controller's
 * claim is left alone, only our references scrubbed.
 */
export function wantedClaimRefs(claim: KubeObject, set: StatefulSet, pod: Pod): OwnerReference[] {
  const ours = (r: OwnerReference) => (r.kind === STS_KIND && r.name === set.metadata.name) || (r.kind === 'Pod' && r.name === pod.metadata.name)
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => !ours(r))
  if (refs.some((r) => r.controller)) return refs
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {}
  const scaledDown = !inRange(set, pod)
  if (policy.whenScaled === 'Delete' && scaledDown) refs.push(newControllerRef(pod, 'v1', 'Pod'))
  else if (policy.whenDeleted === 'Delete' && (policy.whenScaled !== 'Delete' || !scaledDown)) refs.push(newControllerRef(set, STS_API, STS_KIND))
  return refs
}

const sameRefs = (a: OwnerReference[], b: OwnerReference[]) => JSON.stringify(a.map((r) => r.uid).sort()) === JSON.stringify(b.map((r) => r.uid).sort())

/** Creates what is missing of a pod's claims; a claim being deleted, or left to an earlier pod of the ordinal, is an error, as the pod would lose its data. */
export async function ensureClaims(client: ControllerClient, set: StatefulSet, pod: Pod, ordinal: number, onCreated: (claim: KubeObject) => void): Promise<void> {
  for (const claim of podClaims(set, ordinal)) {
    const target = {...CLAIMS, namespace: set.metadata.namespace, name: claim.metadata.name}
    let existing: KubeObject | undefined
    try {
      existing = await client.get<KubeObject>(target)
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err
    }
    if (existing?.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`)
    // Still owned by the previous pod of this ordinal (whenScaled Delete): the garbage collector is about to remove it,
    // and a new pod mounting it would lose it (PodClaimIsStale).
    if (existing?.metadata.ownerReferences?.some((r) => r.kind === 'Pod' && r.name === podName(set, ordinal) && r.uid !== pod.metadata.uid)) throw new Error(`pvc ${claim.metadata.name} still belongs to a deleted pod`)
    if (existing) continue
    try {
      await client.create({...CLAIMS, namespace: set.metadata.namespace}, claim)
      onCreated(claim)
    } catch (err: unknown) {
      if (!isAlreadyExists(err)) throw err
    }
  }
}

/** Brings the owner references of a pod's claims in line with the retention policy (claims not in the cache are skipped). */
export async function reconcileClaimOwners(client: ControllerClient, claims: Lister<KubeObject>, set: StatefulSet, pod: Pod): Promise<void> {
  const {ordinal} = parseOrdinal(pod.metadata.name)
  for (const want of podClaims(set, ordinal)) {
    // Every sync of a set with a Delete policy looks at each pod's claims: read them from the shared cache, not the API.
    const claim = claims.get(`${set.metadata.namespace}/${want.metadata.name}`)
    if (!claim) continue
    const refs = wantedClaimRefs(claim, set, pod)
    if (sameRefs(refs, claim.metadata.ownerReferences ?? [])) continue
    await client.patch({...CLAIMS, namespace: set.metadata.namespace, name: want.metadata.name}, {metadata: {resourceVersion: claim.metadata.resourceVersion, ownerReferences: refs}}, 'merge')
  }
}
