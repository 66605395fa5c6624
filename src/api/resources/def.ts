// What makes a kind a kind: the ResourceDef each served resource carries, and the hooks the apiserver reads off it.
import type {KubeObject, StatusCause} from '../types.js'
import type {NameRule} from '../validation/names.js'
import type {MessageSchema} from './shared/protobuf.js'
import type {TypeDesc} from './shared/patch.js'

/** A subresource of a resource, e.g. status or scale. */
export interface SubresourceDef {
  name: string
  /** The kind the subresource speaks, when not the parent's (Scale, Binding). */
  responseKind?: {group: string; version: string; kind: string}
  verbs: string[]
}

/** One column of a meta.k8s.io/v1 Table. */
export interface TableColumnDefinition {
  name: string
  type: string
  format: string
  description: string
  priority: number
}

/** A condition the server attaches to a Table row (kubectl greys out completed pods with it). */
export interface RowCondition {
  type: string
  status: string
  reason: string
  message: string
}

/** The server-side printer of a kind: its columns and the cells of one object's row. */
export interface TableDef {
  columns: TableColumnDefinition[]
  row(obj: KubeObject, now: Date): unknown[]
  rowConditions?(obj: KubeObject): RowCondition[] | undefined
}

/** How writes treat the parts of an object a client does not own (the registry strategy of Kubernetes). */
export interface Strategy {
  /** Resets what a create may not set; without it, status is dropped when the kind has a status subresource. */
  prepareForCreate?(obj: KubeObject): void
  /** Adjusts a main-resource update after the generic rules (DaemonSet: its template generation follows template changes). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void
  /** Whether an object marked for deletion whose finalizers are gone may really go (Namespace: content cleaned up). */
  finalized?(obj: KubeObject): boolean
  /** DELETE answers with the object (true) or with a Success Status. */
  deleteReturnsObject?: boolean
  /** Updates an object as it gets its deletionTimestamp (Namespace: phase Terminating). */
  markDeleting?(obj: KubeObject): void
  /** Deletion that someone else carries out first: a pod on a node is stopped by its agent, which then deletes it. */
  gracefulDeletion?: GracefulDeletion
  /**
   * Values the server hands out at write time (a Service's cluster IP and node ports), after validation; returns
   * field errors (422) for requested values that are out of range or taken. Calls for one kind never overlap.
   */
  allocate?(obj: KubeObject, old: KubeObject | undefined, env: AllocationEnv): Promise<StatusCause[]>
}

/** What an allocating kind may ask of the apiserver. */
export interface AllocationEnv {
  /** The cluster's service range, e.g. 10.96.0.0/16. */
  serviceCIDR: string
  /** Node ports, 30000-32767 by default. */
  nodePortRange: {min: number; max: number}
  /** Every stored object of this kind other than the one being written. */
  others(): Promise<KubeObject[]>
  /** A number in [0, 1) (injected so tests are repeatable). */
  random(): number
  /** Every stored object of another served resource (admission that reads other kinds: a claim's default StorageClass). */
  list?(group: string, version: string, resource: string): Promise<KubeObject[]>
}

/** How a kind's objects are deleted gracefully. */
export interface GracefulDeletion {
  /** Whether this object takes the graceful path. */
  applies(obj: KubeObject): boolean
  /** The grace period, in seconds, for a delete that asked for `requested`. */
  period(obj: KubeObject, requested: number | undefined): number
}

/** Everything the apiserver needs to serve one resource; the hooks are optional and fall back to generic behaviour. */
export interface ResourceDef {
  group: string
  version: string
  kind: string
  /** Plural, lower case: the URL segment. */
  resource: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  verbs: string[]
  subresources: SubresourceDef[]
  listKind: string
  /** How metadata.name is checked; generic: a DNS subdomain for built-in groups, a path segment otherwise. */
  nameRule?: NameRule
  /** Top-level fields besides apiVersion, kind and metadata, for fieldValidation; unknown fields are kept when unset. */
  fields?: string[]
  /** Server-side defaults, applied in place; must be idempotent (also run on updates and on the old object). */
  default?(obj: KubeObject): void
  /** Kind-specific validation of a defaulted object (metadata is validated generically). */
  validate?(obj: KubeObject): StatusCause[]
  /** Extra rules for an update (immutable fields). */
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[]
  table?: TableDef
  /** Strategic-merge-patch and server-side-apply list metadata of the object's top-level fields. */
  patch?: TypeDesc
  /** Protobuf message schemas; the one named after the kind (or a subresource's kind) decodes request bodies. */
  protobuf?: Record<string, MessageSchema>
  strategy?: Strategy
  /** Where a custom resource's scale subresource reads and writes replicas (built-ins use spec.replicas). */
  scalePaths?: ScalePaths
  /** An OpenAPI v3 schema of the kind, published for kubectl explain (custom resources: the CRD version's schema). */
  openapiSchema?: Record<string, unknown>
}

/** A CRD version's subresources.scale. */
export interface ScalePaths {
  specReplicasPath: string
  statusReplicasPath: string
  labelSelectorPath?: string
}

/** The subresource every kind with a separately written status has. */
export const statusSubresource: SubresourceDef = {name: 'status', verbs: ['get', 'patch', 'update']}
/** The scale subresource of replicated workloads, speaking autoscaling/v1 Scale. */
export const scaleSubresource: SubresourceDef = {name: 'scale', responseKind: {group: 'autoscaling', version: 'v1', kind: 'Scale'}, verbs: ['get', 'patch', 'update']}

/** Every verb of a normal resource. */
export const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

type Options = Partial<Omit<ResourceDef, 'group' | 'version' | 'kind'>>

/** Builds a definition: plural `<kind>s`, namespaced, all verbs and no subresources unless `opts` says otherwise. */
export function defineResource(group: string, version: string, kind: string, opts: Options = {}): ResourceDef {
  return {
    resource: `${kind.toLowerCase()}s`,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: allVerbs,
    subresources: [],
    listKind: `${kind}List`,
    ...opts,
    group,
    version,
    kind,
  }
}
