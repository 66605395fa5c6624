// Field-number tables for the Kubernetes protobuf messages kubectl's imperative generators send (from k8s.io/api generated.proto).

/**
 * A field: [jsonName, type, flags]. Types are scalars (string, int32, int64, bool, bytes, double),
 * well-known Kubernetes wrappers (Time, IntOrString, Quantity, RawJSON), maps (map<string,T>) or a message name.
 * Flags: 'r' repeated; 'k' keep the value even when zero/empty (Go pointer fields, or JSON fields without
 * omitempty), 'i' inline (Go embedded struct whose fields appear directly in the parent's JSON).
 */
export type FieldSpec = [name: string, type: string, flags?: string]
export type MessageSchema = Record<number, FieldSpec>

const S = 'string'
const I32 = 'int32'
const I64 = 'int64'
const B = 'bool'
const MSS = 'map<string,string>'

export const messages: Record<string, MessageSchema> = {
  // --- apimachinery meta/v1 ---
  TypeMeta: {1: ['apiVersion', S], 2: ['kind', S]},
  ObjectMeta: {
    1: ['name', S], 2: ['generateName', S], 3: ['namespace', S], 4: ['selfLink', S], 5: ['uid', S],
    6: ['resourceVersion', S], 7: ['generation', I64], 8: ['creationTimestamp', 'Time'], 9: ['deletionTimestamp', 'Time'],
    10: ['deletionGracePeriodSeconds', I64, 'k'], 11: ['labels', MSS], 12: ['annotations', MSS],
    13: ['ownerReferences', 'OwnerReference', 'r'], 14: ['finalizers', S, 'r'], 17: ['managedFields', 'ManagedFieldsEntry', 'r'],
  },
  OwnerReference: {1: ['kind', S, 'k'], 3: ['name', S, 'k'], 4: ['uid', S, 'k'], 5: ['apiVersion', S, 'k'], 6: ['controller', B, 'k'], 7: ['blockOwnerDeletion', B, 'k']},
  ManagedFieldsEntry: {1: ['manager', S], 2: ['operation', S], 3: ['apiVersion', S], 4: ['time', 'Time'], 6: ['fieldsType', S], 7: ['fieldsV1', 'RawJSON'], 8: ['subresource', S]},
  LabelSelector: {1: ['matchLabels', MSS], 2: ['matchExpressions', 'LabelSelectorRequirement', 'r']},
  LabelSelectorRequirement: {1: ['key', S, 'k'], 2: ['operator', S, 'k'], 3: ['values', S, 'r']},
  Condition: {1: ['type', S, 'k'], 2: ['status', S, 'k'], 3: ['observedGeneration', I64], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S, 'k'], 6: ['message', S, 'k']},

  // --- core/v1 ---
  ConfigMap: {1: ['metadata', 'ObjectMeta'], 2: ['data', MSS], 3: ['binaryData', 'map<string,bytes>'], 4: ['immutable', B, 'k']},
  Secret: {1: ['metadata', 'ObjectMeta'], 2: ['data', 'map<string,bytes>'], 3: ['type', S], 4: ['stringData', MSS], 5: ['immutable', B, 'k']},
  Namespace: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'NamespaceSpec'], 3: ['status', 'NamespaceStatus']},
  NamespaceSpec: {1: ['finalizers', S, 'r']},
  NamespaceStatus: {1: ['phase', S], 2: ['conditions', 'NamespaceCondition', 'r']},
  NamespaceCondition: {1: ['type', S], 2: ['status', S], 4: ['lastTransitionTime', 'Time'], 5: ['reason', S], 6: ['message', S]},
  ServiceAccount: {1: ['metadata', 'ObjectMeta'], 2: ['secrets', 'ObjectReference', 'r'], 3: ['imagePullSecrets', 'LocalObjectReference', 'r'], 4: ['automountServiceAccountToken', B, 'k']},
  ObjectReference: {1: ['kind', S], 2: ['namespace', S], 3: ['name', S], 4: ['uid', S], 5: ['apiVersion', S], 6: ['resourceVersion', S], 7: ['fieldPath', S]},
  LocalObjectReference: {1: ['name', S]},
  ResourceQuota: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ResourceQuotaSpec'], 3: ['status', 'ResourceQuotaStatus']},
  ResourceQuotaSpec: {1: ['hard', 'map<string,Quantity>'], 2: ['scopes', S, 'r'], 3: ['scopeSelector', 'ScopeSelector']},
  ResourceQuotaStatus: {1: ['hard', 'map<string,Quantity>'], 2: ['used', 'map<string,Quantity>']},
  ScopeSelector: {1: ['matchExpressions', 'ScopedResourceSelectorRequirement', 'r']},
  ScopedResourceSelectorRequirement: {1: ['scopeName', S], 2: ['operator', S], 3: ['values', S, 'r']},

  Service: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ServiceSpec'], 3: ['status', 'ServiceStatus']},
  ServiceSpec: {
    1: ['ports', 'ServicePort', 'r'], 2: ['selector', MSS], 3: ['clusterIP', S], 4: ['type', S], 5: ['externalIPs', S, 'r'],
    7: ['sessionAffinity', S], 8: ['loadBalancerIP', S], 9: ['loadBalancerSourceRanges', S, 'r'], 10: ['externalName', S],
    11: ['externalTrafficPolicy', S], 12: ['healthCheckNodePort', I32], 13: ['publishNotReadyAddresses', B],
    14: ['sessionAffinityConfig', 'SessionAffinityConfig'], 17: ['ipFamilyPolicy', S, 'k'], 18: ['clusterIPs', S, 'r'],
    19: ['ipFamilies', S, 'r'], 20: ['allocateLoadBalancerNodePorts', B, 'k'], 21: ['loadBalancerClass', S, 'k'],
    22: ['internalTrafficPolicy', S, 'k'], 23: ['trafficDistribution', S, 'k'],
  },
  ServicePort: {1: ['name', S], 2: ['protocol', S], 3: ['port', I32, 'k'], 4: ['targetPort', 'IntOrString'], 5: ['nodePort', I32], 6: ['appProtocol', S, 'k']},
  SessionAffinityConfig: {1: ['clientIP', 'ClientIPConfig']},
  ClientIPConfig: {1: ['timeoutSeconds', I32, 'k']},
  ServiceStatus: {1: ['loadBalancer', 'LoadBalancerStatus'], 2: ['conditions', 'Condition', 'r']},
  LoadBalancerStatus: {1: ['ingress', 'LoadBalancerIngress', 'r']},
  LoadBalancerIngress: {1: ['ip', S], 2: ['hostname', S], 3: ['ipMode', S, 'k'], 4: ['ports', 'PortStatus', 'r']},
  PortStatus: {1: ['port', I32, 'k'], 2: ['protocol', S, 'k'], 3: ['error', S, 'k']},

  PodTemplateSpec: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec']},
  PodSpec: {
    1: ['volumes', 'Volume', 'r'], 2: ['containers', 'Container', 'r'], 3: ['restartPolicy', S], 4: ['terminationGracePeriodSeconds', I64, 'k'],
    5: ['activeDeadlineSeconds', I64, 'k'], 6: ['dnsPolicy', S], 7: ['nodeSelector', MSS], 8: ['serviceAccountName', S],
    9: ['serviceAccount', S], 10: ['nodeName', S], 11: ['hostNetwork', B], 12: ['hostPID', B], 13: ['hostIPC', B],
    14: ['securityContext', 'PodSecurityContext'], 15: ['imagePullSecrets', 'LocalObjectReference', 'r'], 16: ['hostname', S],
    17: ['subdomain', S], 19: ['schedulerName', S], 20: ['initContainers', 'Container', 'r'],
    21: ['automountServiceAccountToken', B, 'k'], 22: ['tolerations', 'Toleration', 'r'], 23: ['hostAliases', 'HostAlias', 'r'],
    24: ['priorityClassName', S], 25: ['priority', I32, 'k'], 27: ['shareProcessNamespace', B, 'k'], 29: ['runtimeClassName', S, 'k'],
    30: ['enableServiceLinks', B, 'k'], 31: ['preemptionPolicy', S, 'k'], 35: ['setHostnameAsFQDN', B, 'k'], 37: ['hostUsers', B, 'k'],
  },
  Container: {
    1: ['name', S, 'k'], 2: ['image', S], 3: ['command', S, 'r'], 4: ['args', S, 'r'], 5: ['workingDir', S], 6: ['ports', 'ContainerPort', 'r'],
    7: ['env', 'EnvVar', 'r'], 8: ['resources', 'ResourceRequirements'], 9: ['volumeMounts', 'VolumeMount', 'r'],
    10: ['livenessProbe', 'Probe'], 11: ['readinessProbe', 'Probe'], 13: ['terminationMessagePath', S],
    14: ['imagePullPolicy', S], 16: ['stdin', B], 17: ['stdinOnce', B], 18: ['tty', B], 19: ['envFrom', 'EnvFromSource', 'r'],
    20: ['terminationMessagePolicy', S], 22: ['startupProbe', 'Probe'], 24: ['restartPolicy', S, 'k'],
  },
  ContainerPort: {1: ['name', S], 2: ['hostPort', I32], 3: ['containerPort', I32, 'k'], 4: ['protocol', S], 5: ['hostIP', S]},
  EnvVar: {1: ['name', S, 'k'], 2: ['value', S], 3: ['valueFrom', 'EnvVarSource']},
  EnvVarSource: {1: ['fieldRef', 'ObjectFieldSelector'], 2: ['resourceFieldRef', 'ResourceFieldSelector'], 3: ['configMapKeyRef', 'KeySelector'], 4: ['secretKeyRef', 'KeySelector']},
  ObjectFieldSelector: {1: ['apiVersion', S], 2: ['fieldPath', S, 'k']},
  ResourceFieldSelector: {1: ['containerName', S], 2: ['resource', S, 'k'], 3: ['divisor', 'Quantity']},
  // ConfigMapKeySelector and SecretKeySelector share one layout: LocalObjectReference inline, key, optional.
  KeySelector: {1: ['', 'LocalObjectReference', 'i'], 2: ['key', S, 'k'], 3: ['optional', B, 'k']},
  EnvFromSource: {1: ['prefix', S], 2: ['configMapRef', 'EnvSourceRef'], 3: ['secretRef', 'EnvSourceRef']},
  EnvSourceRef: {1: ['', 'LocalObjectReference', 'i'], 2: ['optional', B, 'k']},
  ResourceRequirements: {1: ['limits', 'map<string,Quantity>'], 2: ['requests', 'map<string,Quantity>']},
  VolumeMount: {1: ['name', S, 'k'], 2: ['readOnly', B], 3: ['mountPath', S, 'k'], 4: ['subPath', S], 5: ['mountPropagation', S, 'k'], 6: ['subPathExpr', S]},
  Probe: {1: ['', 'ProbeHandler', 'i'], 2: ['initialDelaySeconds', I32], 3: ['timeoutSeconds', I32], 4: ['periodSeconds', I32], 5: ['successThreshold', I32], 6: ['failureThreshold', I32], 7: ['terminationGracePeriodSeconds', I64, 'k']},
  ProbeHandler: {1: ['exec', 'ExecAction'], 2: ['httpGet', 'HTTPGetAction'], 3: ['tcpSocket', 'TCPSocketAction']},
  ExecAction: {1: ['command', S, 'r']},
  HTTPGetAction: {1: ['path', S], 2: ['port', 'IntOrString'], 3: ['host', S], 4: ['scheme', S]},
  TCPSocketAction: {1: ['port', 'IntOrString'], 2: ['host', S]},
  Toleration: {1: ['key', S], 2: ['operator', S], 3: ['value', S], 4: ['effect', S], 5: ['tolerationSeconds', I64, 'k']},
  HostAlias: {1: ['ip', S], 2: ['hostnames', S, 'r']},
  PodSecurityContext: {2: ['runAsUser', I64, 'k'], 3: ['runAsNonRoot', B, 'k'], 5: ['fsGroup', I64, 'k'], 6: ['runAsGroup', I64, 'k']},
  Volume: {1: ['name', S, 'k'], 2: ['', 'VolumeSource', 'i']},
  VolumeSource: {1: ['hostPath', 'HostPathVolumeSource'], 2: ['emptyDir', 'EmptyDirVolumeSource'], 6: ['secret', 'SecretVolumeSource'], 10: ['persistentVolumeClaim', 'PVCVolumeSource'], 19: ['configMap', 'ConfigMapVolumeSource']},
  HostPathVolumeSource: {1: ['path', S, 'k'], 2: ['type', S, 'k']},
  EmptyDirVolumeSource: {1: ['medium', S], 2: ['sizeLimit', 'Quantity']},
  SecretVolumeSource: {1: ['secretName', S], 2: ['items', 'KeyToPath', 'r'], 3: ['defaultMode', I32, 'k'], 4: ['optional', B, 'k']},
  ConfigMapVolumeSource: {1: ['', 'LocalObjectReference', 'i'], 2: ['items', 'KeyToPath', 'r'], 3: ['defaultMode', I32, 'k'], 4: ['optional', B, 'k']},
  KeyToPath: {1: ['key', S, 'k'], 2: ['path', S, 'k'], 3: ['mode', I32, 'k']},
  PVCVolumeSource: {1: ['claimName', S, 'k'], 2: ['readOnly', B]},

  // --- apps/v1 ---
  Deployment: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'DeploymentSpec'], 3: ['status', 'DeploymentStatus']},
  DeploymentSpec: {
    1: ['replicas', I32, 'k'], 2: ['selector', 'LabelSelector'], 3: ['template', 'PodTemplateSpec'], 4: ['strategy', 'DeploymentStrategy'],
    5: ['minReadySeconds', I32], 6: ['revisionHistoryLimit', I32, 'k'], 7: ['paused', B], 9: ['progressDeadlineSeconds', I32, 'k'],
  },
  DeploymentStrategy: {1: ['type', S], 2: ['rollingUpdate', 'RollingUpdateDeployment']},
  RollingUpdateDeployment: {1: ['maxUnavailable', 'IntOrString'], 2: ['maxSurge', 'IntOrString']},
  DeploymentStatus: {
    1: ['observedGeneration', I64], 2: ['replicas', I32], 3: ['updatedReplicas', I32], 4: ['availableReplicas', I32],
    5: ['unavailableReplicas', I32], 6: ['conditions', 'DeploymentCondition', 'r'], 7: ['readyReplicas', I32], 8: ['collisionCount', I32, 'k'],
  },
  DeploymentCondition: {1: ['type', S], 2: ['status', S], 4: ['reason', S], 5: ['message', S], 6: ['lastUpdateTime', 'Time'], 7: ['lastTransitionTime', 'Time']},

  // --- batch/v1 ---
  Job: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec'], 3: ['status', 'JobStatus']},
  JobSpec: {
    1: ['parallelism', I32, 'k'], 2: ['completions', I32, 'k'], 3: ['activeDeadlineSeconds', I64, 'k'], 4: ['selector', 'LabelSelector'],
    5: ['manualSelector', B, 'k'], 6: ['template', 'PodTemplateSpec'], 7: ['backoffLimit', I32, 'k'], 8: ['ttlSecondsAfterFinished', I32, 'k'],
    9: ['completionMode', S, 'k'], 10: ['suspend', B, 'k'], 12: ['backoffLimitPerIndex', I32, 'k'], 13: ['maxFailedIndexes', I32, 'k'],
    14: ['podReplacementPolicy', S, 'k'], 15: ['managedBy', S, 'k'],
  },
  JobStatus: {2: ['startTime', 'Time'], 3: ['completionTime', 'Time'], 4: ['active', I32], 5: ['succeeded', I32], 6: ['failed', I32], 9: ['ready', I32, 'k'], 7: ['completedIndexes', S]},
  CronJob: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'CronJobSpec'], 3: ['status', 'CronJobStatus']},
  CronJobSpec: {
    1: ['schedule', S, 'k'], 2: ['startingDeadlineSeconds', I64, 'k'], 3: ['concurrencyPolicy', S], 4: ['suspend', B, 'k'],
    5: ['jobTemplate', 'JobTemplateSpec'], 6: ['successfulJobsHistoryLimit', I32, 'k'], 7: ['failedJobsHistoryLimit', I32, 'k'], 8: ['timeZone', S, 'k'],
  },
  JobTemplateSpec: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec']},
  CronJobStatus: {1: ['active', 'ObjectReference', 'r'], 4: ['lastScheduleTime', 'Time'], 5: ['lastSuccessfulTime', 'Time']},

  // --- rbac.authorization.k8s.io/v1 ---
  Role: {1: ['metadata', 'ObjectMeta'], 2: ['rules', 'PolicyRule', 'r']},
  ClusterRole: {1: ['metadata', 'ObjectMeta'], 2: ['rules', 'PolicyRule', 'r'], 3: ['aggregationRule', 'AggregationRule']},
  AggregationRule: {1: ['clusterRoleSelectors', 'LabelSelector', 'r']},
  PolicyRule: {1: ['verbs', S, 'r'], 2: ['apiGroups', S, 'r'], 3: ['resources', S, 'r'], 4: ['resourceNames', S, 'r'], 5: ['nonResourceURLs', S, 'r']},
  RoleBinding: {1: ['metadata', 'ObjectMeta'], 2: ['subjects', 'Subject', 'r'], 3: ['roleRef', 'RoleRef']},
  ClusterRoleBinding: {1: ['metadata', 'ObjectMeta'], 2: ['subjects', 'Subject', 'r'], 3: ['roleRef', 'RoleRef']},
  Subject: {1: ['kind', S, 'k'], 2: ['apiGroup', S], 3: ['name', S, 'k'], 4: ['namespace', S]},
  RoleRef: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k']},

  // --- scheduling.k8s.io/v1 ---
  PriorityClass: {1: ['metadata', 'ObjectMeta'], 2: ['value', I32, 'k'], 3: ['globalDefault', B], 4: ['description', S], 5: ['preemptionPolicy', S, 'k']},

  // --- policy/v1 ---
  PodDisruptionBudget: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodDisruptionBudgetSpec'], 3: ['status', 'PodDisruptionBudgetStatus']},
  PodDisruptionBudgetSpec: {1: ['minAvailable', 'IntOrString'], 2: ['selector', 'LabelSelector'], 3: ['maxUnavailable', 'IntOrString'], 4: ['unhealthyPodEvictionPolicy', S, 'k']},
  PodDisruptionBudgetStatus: {
    1: ['observedGeneration', I64], 2: ['disruptedPods', 'map<string,Time>'], 3: ['disruptionsAllowed', I32, 'k'], 4: ['currentHealthy', I32, 'k'],
    5: ['desiredHealthy', I32, 'k'], 6: ['expectedPods', I32, 'k'], 7: ['conditions', 'Condition', 'r'],
  },

  // --- autoscaling/v1 (kubectl autoscale) ---
  HorizontalPodAutoscaler: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'HorizontalPodAutoscalerSpec'], 3: ['status', 'HorizontalPodAutoscalerStatus']},
  HorizontalPodAutoscalerSpec: {1: ['scaleTargetRef', 'CrossVersionObjectReference'], 2: ['minReplicas', I32, 'k'], 3: ['maxReplicas', I32, 'k'], 4: ['targetCPUUtilizationPercentage', I32, 'k']},
  CrossVersionObjectReference: {1: ['kind', S, 'k'], 2: ['name', S, 'k'], 3: ['apiVersion', S]},
  HorizontalPodAutoscalerStatus: {1: ['observedGeneration', I64, 'k'], 2: ['lastScaleTime', 'Time'], 3: ['currentReplicas', I32, 'k'], 4: ['desiredReplicas', I32, 'k'], 5: ['currentCPUUtilizationPercentage', I32, 'k']},

  // --- Pod (kubectl debug --copy-to / node debugging create pods through the typed client) ---
  Pod: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec'], 3: ['status', 'PodStatus']},
  PodStatus: {1: ['phase', S], 3: ['message', S], 4: ['reason', S]},

  // --- policy/v1 Eviction (kubectl drain); field numbers from memory of generated.proto, not yet checked against a capture ---
  Eviction: {1: ['metadata', 'ObjectMeta'], 2: ['deleteOptions', 'DeleteOptions']},
  DeleteOptions: {1: ['gracePeriodSeconds', I64, 'k'], 2: ['preconditions', 'Preconditions'], 3: ['orphanDependents', B, 'k'], 4: ['propagationPolicy', S, 'k'], 5: ['dryRun', S, 'r']},
  Preconditions: {1: ['uid', S, 'k'], 2: ['resourceVersion', S, 'k']},

  // --- authentication.k8s.io/v1 (kubectl create token posts this to serviceaccounts/<name>/token) ---
  TokenRequest: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'TokenRequestSpec'], 3: ['status', 'TokenRequestStatus']},
  TokenRequestSpec: {1: ['audiences', S, 'r'], 3: ['boundObjectRef', 'BoundObjectReference'], 4: ['expirationSeconds', I64, 'k']},
  BoundObjectReference: {1: ['kind', S], 2: ['apiVersion', S], 3: ['name', S], 4: ['uid', S]},
  TokenRequestStatus: {1: ['token', S], 2: ['expirationTimestamp', 'Time']},

  // --- networking.k8s.io/v1 ---
  Ingress: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'IngressSpec'], 3: ['status', 'IngressStatus']},
  IngressSpec: {1: ['defaultBackend', 'IngressBackend'], 2: ['tls', 'IngressTLS', 'r'], 3: ['rules', 'IngressRule', 'r'], 4: ['ingressClassName', S, 'k']},
  IngressBackend: {3: ['resource', 'TypedLocalObjectReference'], 4: ['service', 'IngressServiceBackend']},
  TypedLocalObjectReference: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k']},
  IngressServiceBackend: {1: ['name', S, 'k'], 2: ['port', 'ServiceBackendPort']},
  ServiceBackendPort: {1: ['name', S], 2: ['number', I32]},
  IngressTLS: {1: ['hosts', S, 'r'], 2: ['secretName', S]},
  IngressRule: {1: ['host', S], 2: ['', 'IngressRuleValue', 'i']},
  IngressRuleValue: {1: ['http', 'HTTPIngressRuleValue']},
  HTTPIngressRuleValue: {1: ['paths', 'HTTPIngressPath', 'r']},
  HTTPIngressPath: {1: ['path', S], 2: ['backend', 'IngressBackend'], 3: ['pathType', S, 'k']},
  IngressStatus: {1: ['loadBalancer', 'IngressLoadBalancerStatus']},
  IngressLoadBalancerStatus: {1: ['ingress', 'LoadBalancerIngress', 'r']},
}

/** Top-level kinds we decode, keyed by "<group>/<Kind>" (core group is ""). */
export const topLevelKinds: Record<string, string> = {
  '/ConfigMap': 'ConfigMap',
  '/Secret': 'Secret',
  '/Namespace': 'Namespace',
  '/ServiceAccount': 'ServiceAccount',
  '/Service': 'Service',
  '/ResourceQuota': 'ResourceQuota',
  'apps/Deployment': 'Deployment',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
  'rbac.authorization.k8s.io/Role': 'Role',
  'rbac.authorization.k8s.io/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'ClusterRoleBinding',
  'scheduling.k8s.io/PriorityClass': 'PriorityClass',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
  'networking.k8s.io/Ingress': 'Ingress',
  'authentication.k8s.io/TokenRequest': 'TokenRequest',
  'autoscaling/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  '/Pod': 'Pod',
  'policy/Eviction': 'Eviction',
}
