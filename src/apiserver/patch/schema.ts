// Per-type patch metadata of built-in kinds (k8s.io/api patchStrategy/patchMergeKey and listType/listMapKey tags).

/**
 * How one field of a type behaves in patches. Lists without a description are atomic (replaced whole)
 * both in strategic merge patch and server-side apply, as in Kubernetes.
 */
export interface FieldDesc {
  /** Type of the field's value, or of each element for lists; names a key of `types`. */
  type?: string
  /** Strategic merge patch list strategy: merge by `key`, union of primitives ("set"), or atomic. */
  list?: 'merge' | 'set' | 'atomic'
  /** Strategic merge patch merge key (patchMergeKey). */
  key?: string
  /** Server-side apply list-map keys (x-kubernetes-list-map-keys); defaults to [key] for merge lists. */
  ssaKeys?: string[]
}

export type TypeDesc = Record<string, FieldDesc>

const mergeBy = (key: string, type?: string, ssaKeys?: string[]): FieldDesc => ({list: 'merge', key, type, ssaKeys})
const SET: FieldDesc = {list: 'set'}
const conditions = mergeBy('type')

/** Type descriptions, written once per Go type so every kind embedding e.g. a PodTemplateSpec shares them. */
export const types: Record<string, TypeDesc> = {
  ObjectMeta: {ownerReferences: mergeBy('uid'), finalizers: SET},
  PodTemplateSpec: {metadata: {type: 'ObjectMeta'}, spec: {type: 'PodSpec'}},
  PodSpec: {
    containers: mergeBy('name', 'Container'),
    initContainers: mergeBy('name', 'Container'),
    ephemeralContainers: mergeBy('name', 'Container'),
    volumes: mergeBy('name'),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    topologySpreadConstraints: mergeBy('topologyKey', undefined, ['topologyKey', 'whenUnsatisfiable']),
    schedulingGates: mergeBy('name'),
    resourceClaims: mergeBy('name'),
  },
  Container: {
    ports: mergeBy('containerPort', undefined, ['containerPort', 'protocol']),
    env: mergeBy('name'),
    volumeMounts: mergeBy('mountPath'),
    volumeDevices: mergeBy('devicePath'),
    resizePolicy: {list: 'atomic'},
  },
  PodStatus: {conditions, ephemeralContainerStatuses: {list: 'atomic'}},
  // Workload specs share the pod template; Deployment's strategy carries $retainKeys, which the merge honours wherever it appears.
  WorkloadSpec: {template: {type: 'PodTemplateSpec'}},
  WorkloadStatus: {conditions},
  StatefulSetSpec: {template: {type: 'PodTemplateSpec'}},
  JobSpec: {template: {type: 'PodTemplateSpec'}},
  JobStatus: {conditions},
  CronJobSpec: {jobTemplate: {type: 'JobTemplateSpec'}},
  JobTemplateSpec: {metadata: {type: 'ObjectMeta'}, spec: {type: 'JobSpec'}},
  ServiceSpec: {ports: mergeBy('port', undefined, ['port', 'protocol'])},
  ServiceStatus: {conditions},
  NodeStatus: {conditions, addresses: mergeBy('type')},
  NamespaceStatus: {conditions},
  PersistentVolumeClaimStatus: {conditions},
  GenericStatus: {conditions},
  ReplicationControllerSpec: {template: {type: 'PodTemplateSpec'}},
}

/** Top-level field types per built-in kind, keyed by "<group>/<Kind>" (core group ""). */
const kindRoots: Record<string, TypeDesc> = {}
function kind(groupKinds: string[], root: TypeDesc): void {
  for (const gk of groupKinds) kindRoots[gk] = {metadata: {type: 'ObjectMeta'}, ...root}
}
kind(['/Pod'], {spec: {type: 'PodSpec'}, status: {type: 'PodStatus'}})
kind(['/PodTemplate'], {template: {type: 'PodTemplateSpec'}})
kind(['/ReplicationController'], {spec: {type: 'ReplicationControllerSpec'}, status: {type: 'WorkloadStatus'}})
kind(['apps/Deployment', 'apps/ReplicaSet', 'apps/DaemonSet'], {spec: {type: 'WorkloadSpec'}, status: {type: 'WorkloadStatus'}})
kind(['apps/StatefulSet'], {spec: {type: 'StatefulSetSpec'}, status: {type: 'WorkloadStatus'}})
kind(['batch/Job'], {spec: {type: 'JobSpec'}, status: {type: 'JobStatus'}})
kind(['batch/CronJob'], {spec: {type: 'CronJobSpec'}})
kind(['/Service'], {spec: {type: 'ServiceSpec'}, status: {type: 'ServiceStatus'}})
kind(['/Node'], {status: {type: 'NodeStatus'}})
kind(['/Namespace'], {status: {type: 'NamespaceStatus'}})
kind(['/PersistentVolumeClaim'], {status: {type: 'PersistentVolumeClaimStatus'}})
kind(['/ServiceAccount'], {secrets: mergeBy('name')})
kind(
  [
    '/ConfigMap', '/Secret', '/Endpoints', '/Event', '/LimitRange', '/ResourceQuota', '/PersistentVolume',
    'apps/ControllerRevision', 'events.k8s.io/Event', 'discovery.k8s.io/EndpointSlice', 'coordination.k8s.io/Lease',
    'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding',
    'rbac.authorization.k8s.io/ClusterRoleBinding', 'scheduling.k8s.io/PriorityClass', 'policy/PodDisruptionBudget',
    'networking.k8s.io/Ingress', 'networking.k8s.io/IngressClass', 'networking.k8s.io/NetworkPolicy', 'storage.k8s.io/StorageClass',
    'autoscaling/HorizontalPodAutoscaler', 'autoscaling/Scale', 'apiextensions.k8s.io/CustomResourceDefinition',
    'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
    'node.k8s.io/RuntimeClass',
  ],
  {status: {type: 'GenericStatus'}},
)

/** The root description of a built-in kind, or undefined for kinds we have no Go types for (custom resources). */
export function rootFor(gvk: {group: string; kind: string}): TypeDesc | undefined {
  return kindRoots[`${gvk.group}/${gvk.kind}`]
}

/** Root for kinds we do not know: metadata is still ObjectMeta (finalizers, ownerReferences), everything else plain. */
export const genericRoot: TypeDesc = {metadata: {type: 'ObjectMeta'}}

/** The description of a field inside a type, if any. */
export function fieldOf(desc: TypeDesc | undefined, field: string): FieldDesc | undefined {
  return desc?.[field]
}

/** The type description a field's value (or list elements) is described by. */
export function typeOf(fd: FieldDesc | undefined): TypeDesc | undefined {
  return fd?.type ? types[fd.type] : undefined
}

/** Server-side apply key fields of a list, or undefined when the list is atomic (or a set, see isSetList). */
export function ssaKeysOf(fd: FieldDesc | undefined): string[] | undefined {
  if (!fd || fd.list !== 'merge' || !fd.key) return undefined
  return fd.ssaKeys ?? [fd.key]
}
