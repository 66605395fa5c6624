// Patch metadata shared by kinds: how lists merge in strategic merge patch and server-side apply (patchStrategy/listType tags).

/**
 * How one field of a type behaves in patches. Lists without a description are atomic (replaced whole)
 * both in strategic merge patch and server-side apply, as in Kubernetes.
 */
export interface FieldDesc {
  /** Description of the field's value, or of each element for lists. */
  type?: TypeDesc
  /** Strategic merge patch list strategy: merge by `key`, union of primitives ("set"), or atomic. */
  list?: 'merge' | 'set' | 'atomic'
  /** Strategic merge patch merge key (patchMergeKey). */
  key?: string
  /** Server-side apply list-map keys (x-kubernetes-list-map-keys); defaults to [key] for merge lists. */
  ssaKeys?: string[]
}

export type TypeDesc = Record<string, FieldDesc>

/** A list merged by `key` (patchStrategy=merge, patchMergeKey=key). */
export const mergeBy = (key: string, type?: TypeDesc, ssaKeys?: string[]): FieldDesc => ({list: 'merge', key, type, ssaKeys})
/** A list of primitives merged as a set. */
export const SET: FieldDesc = {list: 'set'}
/** metav1.Condition-like lists, merged by type. */
export const conditions = mergeBy('type')

export const objectMetaPatch: TypeDesc = {ownerReferences: mergeBy('uid'), finalizers: SET}

const containerPatch: TypeDesc = {
  ports: mergeBy('containerPort', undefined, ['containerPort', 'protocol']),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
  resizePolicy: {list: 'atomic'},
}

export const podSpecPatch: TypeDesc = {
  containers: mergeBy('name', containerPatch),
  initContainers: mergeBy('name', containerPatch),
  ephemeralContainers: mergeBy('name', containerPatch),
  volumes: mergeBy('name'),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey', undefined, ['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name'),
}

export const podTemplateSpecPatch: TypeDesc = {metadata: {type: objectMetaPatch}, spec: {type: podSpecPatch}}

/** A status whose only merge list is conditions. */
export const conditionsStatusPatch: TypeDesc = {conditions}

/** The root description of a kind: metadata is always ObjectMeta, plus the kind's own top-level fields. */
export function kindPatch(fields: TypeDesc = {}): TypeDesc {
  return {metadata: {type: objectMetaPatch}, ...fields}
}

/** Kinds without their own Go types (custom resources): metadata still merges finalizers and ownerReferences. */
export const genericPatch: TypeDesc = kindPatch()

/** Built-in kinds without lists of their own: ObjectMeta plus status conditions merged by type. */
export const builtinPatch: TypeDesc = kindPatch({status: {type: conditionsStatusPatch}})
