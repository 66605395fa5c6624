// Names and small helpers of persistent storage every component reads: the annotations, finalizers and labels Kubernetes uses on PVs and PVCs, access modes, and how a claim's class and size are read.
import {quantityNumber} from './quantity.js'
import type {KubeObject} from './types.js'
import type {LabelSelector} from './selectors.js'

/** The access modes a volume may offer and a claim may ask for. */
export const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const

/** Well-known annotations of the PV controller, the scheduler and external provisioners. */
export const StorageAnnotations = {
  /** Marks the class a claim without storageClassName gets. */
  defaultClass: 'storageclass.kubernetes.io/is-default-class',
  defaultClassBeta: 'storageclass.beta.kubernetes.io/is-default-class',
  /** On a claim: the controller finished binding it (both sides written). */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  /** On a claim or PV: the controller (not the user) chose the other side. */
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** On a PV: the provisioner that made it. */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  /** On a claim: the node the scheduler picked for a WaitForFirstConsumer claim's first pod. */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** On a claim: the provisioner asked to provision it (and the beta name older provisioners read). */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  storageProvisionerBeta: 'volume.beta.kubernetes.io/storage-provisioner',
  /** The class before spec.storageClassName existed; still honoured. */
  betaClass: 'volume.beta.kubernetes.io/storage-class',
} as const

/** Finalizers that keep a claim in use by a pod, a bound PV, and a provisioned PV's data until they are released. */
export const StorageFinalizers = {
  pvcProtection: 'kubernetes.io/pvc-protection',
  pvProtection: 'kubernetes.io/pv-protection',
  /** skiff's own: a local-path PV goes only after its node's agent removed the directory. */
  localPathCleanup: 'skiff.io/local-path-cleanup',
} as const

/** The default StorageClass of every cluster and its provisioner (local directories on the pod's node). */
export const DEFAULT_STORAGE_CLASS = 'standard'
export const LOCAL_PATH_PROVISIONER = 'skiff.io/local-path'
/** Where local-path volumes live on a node (a Docker volume of the node container, so they survive restarts). */
export const LOCAL_PATH_DIR = '/var/lib/skiff/storage'

export interface ObjectRef {
  kind?: string
  apiVersion?: string
  namespace?: string
  name?: string
  uid?: string
  resourceVersion?: string
}

/** The fields of a PersistentVolume the components read. */
export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: Record<string, string | number>
    accessModes?: string[]
    claimRef?: ObjectRef
    persistentVolumeReclaimPolicy?: string
    storageClassName?: string
    volumeMode?: string
    mountOptions?: string[]
    hostPath?: {path?: string; type?: string}
    local?: {path?: string; fsType?: string}
    nodeAffinity?: {required?: {nodeSelectorTerms?: NodeSelectorTerm[]}}
    [source: string]: unknown
  }
  status?: {phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string}
}

export interface NodeSelectorTerm {
  matchExpressions?: {key: string; operator: string; values?: string[]}[]
  matchFields?: {key: string; operator: string; values?: string[]}[]
}

/** The fields of a PersistentVolumeClaim the components read. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[]
    selector?: LabelSelector
    resources?: {requests?: Record<string, string | number>; limits?: Record<string, string | number>}
    volumeName?: string
    storageClassName?: string | null
    volumeMode?: string
    volumeAttributesClassName?: string | null
    dataSource?: unknown
    dataSourceRef?: unknown
  }
  status?: {phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; conditions?: unknown[]; [k: string]: unknown}
}

/** The class of a claim or volume: the beta annotation wins, as in Kubernetes' storage helpers. */
export function storageClassOf(obj: PersistentVolume | PersistentVolumeClaim): string {
  const beta = obj.metadata?.annotations?.[StorageAnnotations.betaClass]
  if (beta !== undefined) return beta
  return obj.spec?.storageClassName ?? ''
}

/** Whether a StorageClass carries the default-class annotation. */
export function isDefaultClass(sc: KubeObject): boolean {
  const a = sc.metadata?.annotations ?? {}
  return a[StorageAnnotations.defaultClass] === 'true' || a[StorageAnnotations.defaultClassBeta] === 'true'
}

/** Bytes of a storage quantity (0 when absent or malformed). */
export function storageBytes(q: unknown): number {
  return quantityNumber(q) ?? 0
}

/** kubectl's short form of access modes: RWO,ROX,RWX,RWOP in that order. */
export function accessModesString(modes: string[] | undefined): string {
  const short: Record<string, string> = {ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP'}
  return Object.keys(short).filter((m) => (modes ?? []).includes(m)).map((m) => short[m]).join(',')
}

/** The `namespace/name` key of a claim, as PV controller caches use it. */
export function claimKey(ref: {namespace?: string; name?: string}): string {
  return `${ref.namespace ?? ''}/${ref.name ?? ''}`
}
