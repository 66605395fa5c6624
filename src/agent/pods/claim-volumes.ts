// persistentVolumeClaim volumes: from a pod's claim to the bound PersistentVolume's directory on this node (hostPath or local), or why the pod must wait.
import type {PersistentVolume, PersistentVolumeClaim} from '../../api/storage.js'
import {ConfigError} from './env.js'

/** The claims and volumes the agent reads (its informer caches). */
export interface ClaimLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined
  volume(name: string): PersistentVolume | undefined
}

/** Where a claim's data lives on this node and whether the node should create it (DirectoryOrCreate). */
export interface ClaimMount {
  path: string
  hostPathType?: string
  /** A `local` volume: the kubelet manages its ownership (fsGroup); a hostPath one it leaves alone. */
  local?: boolean
}

/**
 * The volume behind a claim, or a ConfigError the pod waits on (reported as FailedMount, retried when claims change).
 * `owner` is set for a generic ephemeral volume, whose claim must have been made for this very pod.
 */
export function resolveClaim(lookup: ClaimLookup, namespace: string, claimName: string, owner?: {name: string; uid: string}): ClaimMount {
  const pvc = lookup.claim(namespace, claimName)
  if (!pvc) throw new ConfigError(`persistentvolumeclaim "${claimName}" not found`)
  if (owner && !(pvc.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === owner.uid)) {
    throw new ConfigError(`PVC ${namespace}/${claimName} was not created for pod ${namespace}/${owner.name} (pod is not owner)`)
  }
  if (pvc.metadata.deletionTimestamp) throw new ConfigError(`error processing PVC ${namespace}/${claimName}: PVC is being deleted`)
  const volumeName = pvc.spec?.volumeName
  if (!volumeName || pvc.status?.phase !== 'Bound') throw new ConfigError(`error processing PVC ${namespace}/${claimName}: PVC is not bound`)
  const pv = lookup.volume(volumeName)
  if (!pv) throw new ConfigError(`persistentvolume "${volumeName}" not found`)
  const ref = pv.spec?.claimRef
  // A volume bound to another claim (or to a namesake that was recreated) must not be mounted into this pod.
  if (ref && (ref.namespace !== namespace || ref.name !== claimName || (ref.uid && ref.uid !== pvc.metadata.uid))) {
    throw new ConfigError(`error processing PVC ${namespace}/${claimName}: volume ${volumeName} is bound to a different claim`)
  }
  if (pv.spec?.hostPath?.path) return {path: pv.spec.hostPath.path, hostPathType: pv.spec.hostPath.type}
  if (pv.spec?.local?.path) return {path: pv.spec.local.path, hostPathType: 'Directory', local: true}
  const kind = Object.keys(pv.spec ?? {}).find((k) => typeof pv.spec?.[k] === 'object' && !['capacity', 'claimRef', 'nodeAffinity', 'accessModes', 'mountOptions'].includes(k)) ?? 'unknown'
  throw new ConfigError(`persistentvolume "${volumeName}": ${kind} volumes are not supported by this agent`)
}
