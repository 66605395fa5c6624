// Shared object types of the Kubernetes-style API: what every component exchanges over the wire.

/** Object metadata as Kubernetes defines it (only the fields skiff reads are typed). */
export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: unknown[]
  [key: string]: unknown
}

/** A reference from a dependent object to its owner. */
export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

/** Any API object: typed metadata, everything else open. */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  [key: string]: any
}

/** A list as returned by a collection GET. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string
  kind: string
  metadata: {resourceVersion?: string; continue?: string; remainingItemCount?: number}
  items: T[]
}

/** One cause of a 422 Invalid error. */
export interface StatusCause {
  reason: string
  field?: string
  message: string
}

/** The error object every failed API call returns. */
export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, unknown>
  status: 'Success' | 'Failure'
  code: number
  reason?: string
  message?: string
  details?: {name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number}
}

/** An event of a watch stream. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}
