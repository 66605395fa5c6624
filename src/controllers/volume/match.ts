// Pure rules of the PV controller: which volume a claim may bind to (class, access modes, smallest fitting size, selector, pre-binding, node affinity), and what binding writes on each side.
import {selectorMatches} from '../../api/selectors.js'
import {claimKey, StorageAnnotations, storageBytes, storageClassOf, type PersistentVolume, type PersistentVolumeClaim} from '../../api/storage.js'
import type {KubeObject} from '../../api/types.js'

/** Whether the volume's claimRef names this claim (by namespace and name, and by uid once it has one). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef
  if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false
  return !ref.uid || ref.uid === pvc.metadata.uid
}

/** Whether a node satisfies a volume's required node affinity (matchExpressions and the metadata.name field). */
export function volumeFitsNode(pv: PersistentVolume, node: KubeObject): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms
  if (!terms || terms.length === 0) return true
  const labels = node.metadata.labels ?? {}
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? []
    const fields = t.matchFields ?? []
    if (exprs.length === 0 && fields.length === 0) return false
    const ok = (get: (k: string) => string | undefined, list: typeof exprs) =>
      list.every((e) => {
        const v = get(e.key)
        switch (e.operator) {
          case 'In': return v !== undefined && (e.values ?? []).includes(v)
          case 'NotIn': return v === undefined || !(e.values ?? []).includes(v)
          case 'Exists': return v !== undefined
          case 'DoesNotExist': return v === undefined
          case 'Gt': return v !== undefined && Number(v) > Number(e.values?.[0])
          case 'Lt': return v !== undefined && Number(v) < Number(e.values?.[0])
          default: return false
        }
      })
    return ok((k) => labels[k], exprs) && ok((k) => (k === 'metadata.name' ? String(node.metadata.name) : undefined), fields)
  })
}

/**
 * The volume a claim should bind to: one pre-bound to it if it fits, otherwise the smallest Available volume of the
 * claim's class that offers its access modes, size, volume mode and selector. `node` is the selected node of a
 * delayed-binding claim (volumes must fit it); without one, a delayed claim takes only pre-bound volumes.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: PersistentVolume[], opts: {delayBinding: boolean; node?: KubeObject}): PersistentVolume | undefined {
  const want = storageBytes(pvc.spec?.resources?.requests?.storage)
  const cls = storageClassOf(pvc)
  const modes = pvc.spec?.accessModes ?? []
  const mode = pvc.spec?.volumeMode ?? 'Filesystem'
  let best: PersistentVolume | undefined
  let bestSize = Infinity
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue
    const size = storageBytes(pv.spec?.capacity?.storage)
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== mode) continue
    if (opts.node && !volumeFitsNode(pv, opts.node)) continue
    if (isVolumeBoundToClaim(pv, pvc)) {
      // Pre-bound by the user (or by an earlier, interrupted bind): it wins if it is big enough.
      if (size >= want) return pv
      continue
    }
    if (pv.spec?.claimRef) continue
    if (opts.delayBinding && !opts.node) continue
    if (pv.status?.phase !== 'Available') continue
    if (storageClassOf(pv) !== cls) continue
    if (pvc.spec?.selector && !selectorMatches(pvc.spec.selector, pv.metadata.labels)) continue
    if (!modes.every((m) => (pv.spec?.accessModes ?? []).includes(m))) continue
    if (size >= want && size < bestSize) {
      best = pv
      bestSize = size
    }
  }
  return best
}

/** The PV with its claimRef pointing at the claim (and bound-by-controller when the controller chose it). */
export function volumeBoundTo(pv: PersistentVolume, pvc: PersistentVolumeClaim): PersistentVolume {
  const next = structuredClone(pv) as PersistentVolume
  const spec = (next.spec ??= {})
  const wasSet = isVolumeBoundToClaim(pv, pvc)
  spec.claimRef = {kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion}
  if (!wasSet) next.metadata.annotations = {...next.metadata.annotations, [StorageAnnotations.boundByController]: 'yes'}
  return next
}

/** The claim naming the volume, with bind-completed (and bound-by-controller when the controller chose it). */
export function claimBoundTo(pvc: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim {
  const next = structuredClone(pvc) as PersistentVolumeClaim
  const spec = (next.spec ??= {})
  const annotations: Record<string, string> = {...next.metadata.annotations, [StorageAnnotations.bindCompleted]: 'yes'}
  if (spec.volumeName !== pv.metadata.name) {
    annotations[StorageAnnotations.boundByController] = 'yes'
    spec.volumeName = pv.metadata.name
  }
  next.metadata.annotations = annotations
  return next
}

/** The status of a claim bound to pv: Bound, with the volume's modes and capacity. */
export function boundClaimStatus(pvc: PersistentVolumeClaim, pv: PersistentVolume): NonNullable<PersistentVolumeClaim['status']> {
  return {...pvc.status, phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: {...pv.spec?.capacity}}
}

/** Queue keys: claims and volumes share one queue. */
export const claimQueueKey = (pvc: {metadata: {namespace?: string; name?: string}}): string => `claim:${claimKey(pvc.metadata)}`
export const volumeQueueKey = (name: string): string => `volume:${name}`
