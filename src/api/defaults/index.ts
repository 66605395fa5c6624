// API defaulting: fills the fields the real apiserver sets on create (v1 defaults.go of core, apps and batch, plus create-time strategy bits).
import type {KubeObject} from '../types.js'

type Any = Record<string, any>

/** What defaulting needs to know about the resource being created. */
export interface DefaultsResource {
  group: string
  resource: string
  kind: string
}

function setIfAbsent(o: Any, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value
}

/** The tag of an image reference, "" when it is pinned by digest only (mirrors parsers.ParseImageName's defaulting). */
function imageTag(image: string): string {
  const atDigest = image.indexOf('@')
  const ref = atDigest >= 0 ? image.slice(0, atDigest) : image
  const lastSlash = ref.lastIndexOf('/')
  const lastColon = ref.lastIndexOf(':')
  if (lastColon > lastSlash) return ref.slice(lastColon + 1)
  return atDigest >= 0 ? '' : 'latest'
}

function defaultHandler(h: Any | undefined): void {
  if (!h?.httpGet) return
  setIfAbsent(h.httpGet, 'path', '/')
  setIfAbsent(h.httpGet, 'scheme', 'HTTP')
}

function defaultProbe(p: Any | undefined): void {
  if (!p) return
  setIfAbsent(p, 'timeoutSeconds', 1)
  setIfAbsent(p, 'periodSeconds', 10)
  setIfAbsent(p, 'successThreshold', 1)
  setIfAbsent(p, 'failureThreshold', 3)
  defaultHandler(p)
}

function defaultContainer(c: Any, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent'
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log')
  setIfAbsent(c, 'terminationMessagePolicy', 'File')
  // Go always serialises the non-pointer resources struct, so an empty one shows up as {}.
  if (!c.resources) c.resources = {}
  // Limits without requests mean requests equal to the limits (SetDefaults_Pod).
  const limits: Any | undefined = c.resources.limits
  if (limits && Object.keys(limits).length > 0) {
    c.resources.requests ??= {}
    for (const [k, v] of Object.entries(limits)) if (c.resources.requests[k] === undefined) c.resources.requests[k] = v
  }
  for (const p of c.ports ?? []) {
    setIfAbsent(p, 'protocol', 'TCP')
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort
  }
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) setIfAbsent(e.valueFrom.fieldRef, 'apiVersion', 'v1')
  defaultProbe(c.livenessProbe)
  defaultProbe(c.readinessProbe)
  defaultProbe(c.startupProbe)
  defaultHandler(c.lifecycle?.postStart)
  defaultHandler(c.lifecycle?.preStop)
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
]

function defaultVolume(v: Any): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {}
  if (v.secret) setIfAbsent(v.secret, 'defaultMode', 420)
  if (v.configMap) setIfAbsent(v.configMap, 'defaultMode', 420)
  if (v.downwardAPI) {
    setIfAbsent(v.downwardAPI, 'defaultMode', 420)
    for (const i of v.downwardAPI.items ?? []) if (i.fieldRef) setIfAbsent(i.fieldRef, 'apiVersion', 'v1')
  }
  if (v.projected) {
    setIfAbsent(v.projected, 'defaultMode', 420)
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) setIfAbsent(s.serviceAccountToken, 'expirationSeconds', 3600)
      for (const i of s.downwardAPI?.items ?? []) if (i.fieldRef) setIfAbsent(i.fieldRef, 'apiVersion', 'v1')
    }
  }
  if (v.hostPath && v.hostPath.type === undefined) v.hostPath.type = ''
  if (v.iscsi) setIfAbsent(v.iscsi, 'iscsiInterface', 'default')
}

/** SetDefaults_PodSpec plus container/volume/probe defaults: what every pod and pod template gets. */
export function defaultPodSpec(spec: Any): void {
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst')
  setIfAbsent(spec, 'restartPolicy', 'Always')
  if (!spec.securityContext) spec.securityContext = {}
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30)
  setIfAbsent(spec, 'schedulerName', 'default-scheduler')
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount
  const hostNetwork = spec.hostNetwork === true
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork)
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork)
  for (const v of spec.volumes ?? []) defaultVolume(v)
}

/** Defaults of a pod template (the metadata stays as given; templates don't get pod-only admission fields). */
export function defaultPodTemplate(template: Any | undefined): void {
  if (!template) return
  template.metadata ??= {}
  template.spec ??= {}
  defaultPodSpec(template.spec)
}

function qosClass(spec: Any): string {
  const containers: Any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
  let any = false
  let guaranteed = true
  for (const c of containers) {
    const req: Any = c.resources?.requests ?? {}
    const lim: Any = c.resources?.limits ?? {}
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true
      if (lim[r] === undefined || String(req[r] ?? lim[r]) !== String(lim[r])) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}

/**
 * Pod-only create-time fields. Besides SetDefaults_Pod these come from admission plugins the real server runs
 * (ServiceAccount, Priority, DefaultTolerationSeconds) and the pod strategy's PrepareForCreate (phase, QoS class).
 */
function defaultPod(pod: KubeObject): void {
  const spec: Any = (pod.spec ??= {})
  defaultPodSpec(spec)
  setIfAbsent(spec, 'enableServiceLinks', true)
  setIfAbsent(spec, 'serviceAccountName', 'default')
  setIfAbsent(spec, 'serviceAccount', spec.serviceAccountName)
  setIfAbsent(spec, 'priority', 0)
  setIfAbsent(spec, 'preemptionPolicy', 'PreemptLowerPriority')
  const tolerations: Any[] = (spec.tolerations ??= [])
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'))
    if (!covered) tolerations.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
  }
  const status: Any = (pod.status ??= {})
  setIfAbsent(status, 'phase', 'Pending')
  setIfAbsent(status, 'qosClass', qosClass(spec))
}

function defaultService(svc: KubeObject): void {
  const spec: Any = (svc.spec ??= {})
  setIfAbsent(spec, 'type', 'ClusterIP')
  setIfAbsent(spec, 'sessionAffinity', 'None')
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {}
    spec.sessionAffinityConfig.clientIP ??= {}
    setIfAbsent(spec.sessionAffinityConfig.clientIP, 'timeoutSeconds', 10800)
  }
  for (const p of spec.ports ?? []) {
    setIfAbsent(p, 'protocol', 'TCP')
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster')
  if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true)
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster')
    // IP family fields are really set by the REST layer with the allocation; single-stack IPv4 is all skiff serves.
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4']
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack')
  }
  svc.status ??= {loadBalancer: {}}
}

function defaultDeployment(d: KubeObject): void {
  const spec: Any = (d.spec ??= {})
  setIfAbsent(spec, 'replicas', 1)
  spec.strategy ??= {}
  setIfAbsent(spec.strategy, 'type', 'RollingUpdate')
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {}
    setIfAbsent(spec.strategy.rollingUpdate, 'maxUnavailable', '25%')
    setIfAbsent(spec.strategy.rollingUpdate, 'maxSurge', '25%')
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  setIfAbsent(spec, 'progressDeadlineSeconds', 600)
  defaultPodTemplate((spec.template ??= {}))
}

function defaultStatefulSet(s: KubeObject): void {
  const spec: Any = (s.spec ??= {})
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady')
  spec.updateStrategy ??= {}
  setIfAbsent(spec.updateStrategy, 'type', 'RollingUpdate')
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {}
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'partition', 0)
  }
  setIfAbsent(spec, 'replicas', 1)
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  spec.persistentVolumeClaimRetentionPolicy ??= {}
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain')
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain')
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    setIfAbsent(pvc, 'apiVersion', 'v1')
    setIfAbsent(pvc, 'kind', 'PersistentVolumeClaim')
    pvc.spec ??= {}
    setIfAbsent(pvc.spec, 'volumeMode', 'Filesystem')
    pvc.status ??= {}
    setIfAbsent(pvc.status, 'phase', 'Pending')
  }
  defaultPodTemplate((spec.template ??= {}))
}

function defaultDaemonSet(ds: KubeObject): void {
  const spec: Any = (ds.spec ??= {})
  spec.updateStrategy ??= {}
  setIfAbsent(spec.updateStrategy, 'type', 'RollingUpdate')
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {}
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1)
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxSurge', 0)
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10)
  defaultPodTemplate((spec.template ??= {}))
}

function defaultJob(job: KubeObject): void {
  const spec: Any = (job.spec ??= {})
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1
    spec.parallelism = 1
  }
  if (spec.parallelism == null) spec.parallelism = 1
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex != null ? 2147483647 : 6
  const templateLabels = spec.template?.metadata?.labels
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = {...templateLabels}
  setIfAbsent(spec, 'completionMode', 'NonIndexed')
  if (spec.suspend == null) spec.suspend = false
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) setIfAbsent(c, 'status', 'True')
  setIfAbsent(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed')
  if (spec.manualSelector == null) spec.manualSelector = false
  defaultPodTemplate((spec.template ??= {}))
}

function defaultCronJob(cj: KubeObject): void {
  const spec: Any = (cj.spec ??= {})
  setIfAbsent(spec, 'concurrencyPolicy', 'Allow')
  if (spec.suspend == null) spec.suspend = false
  if (spec.successfulJobsHistoryLimit == null) spec.successfulJobsHistoryLimit = 3
  if (spec.failedJobsHistoryLimit == null) spec.failedJobsHistoryLimit = 1
  spec.jobTemplate ??= {}
  spec.jobTemplate.metadata ??= {}
  spec.jobTemplate.spec ??= {}
  defaultPodTemplate((spec.jobTemplate.spec.template ??= {}))
}

/**
 * Applies the server-side defaults to a freshly decoded object (mutated in place). Idempotent: values already
 * present are never overwritten, so it is also safe on updates.
 */
export function applyDefaults(resource: DefaultsResource, obj: KubeObject): void {
  obj.metadata ??= {}
  switch (`${resource.group}/${resource.resource}`) {
    case '/pods':
      return defaultPod(obj)
    case '/podtemplates':
      return defaultPodTemplate((obj.template ??= {}))
    case '/replicationcontrollers': {
      const spec: Any = (obj.spec ??= {})
      setIfAbsent(spec, 'replicas', 1)
      if (!spec.selector && spec.template?.metadata?.labels) spec.selector = {...spec.template.metadata.labels}
      if (Object.keys(obj.metadata.labels ?? {}).length === 0 && spec.template?.metadata?.labels) obj.metadata.labels = {...spec.template.metadata.labels}
      return defaultPodTemplate(spec.template)
    }
    case '/services':
      return defaultService(obj)
    case '/namespaces': {
      // SetDefaults_Namespace labels every namespace with its own name. The "kubernetes" spec finalizer is a
      // create-time strategy step (the apiserver's prepareCreate): defaulting also runs on updates, where
      // re-adding it would undo the namespace controller's finalize call.
      obj.metadata.labels = {...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name ?? ''}
      obj.status ??= {}
      setIfAbsent(obj.status, 'phase', 'Active')
      return
    }
    case '/secrets':
      setIfAbsent(obj, 'type', 'Opaque')
      // The v1 -> internal conversion (run at decode time, like defaulting) folds the write-only stringData into
      // data, stringData winning; it is never stored or returned.
      if (obj.stringData && typeof obj.stringData === 'object') {
        obj.data = {...(obj.data ?? {})}
        for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64')
      }
      delete obj.stringData
      return
    case '/nodes': {
      obj.status ??= {}
      if (obj.status.capacity && !obj.status.allocatable) obj.status.allocatable = {...obj.status.capacity}
      return
    }
    case '/endpoints':
      for (const ss of obj.subsets ?? []) for (const p of ss.ports ?? []) setIfAbsent(p, 'protocol', 'TCP')
      return
    case '/persistentvolumeclaims':
      obj.spec ??= {}
      setIfAbsent(obj.spec, 'volumeMode', 'Filesystem')
      obj.status ??= {}
      setIfAbsent(obj.status, 'phase', 'Pending')
      return
    case '/persistentvolumes':
      obj.spec ??= {}
      setIfAbsent(obj.spec, 'persistentVolumeReclaimPolicy', 'Retain')
      setIfAbsent(obj.spec, 'volumeMode', 'Filesystem')
      obj.status ??= {}
      setIfAbsent(obj.status, 'phase', 'Pending')
      return
    case 'discovery.k8s.io/endpointslices':
      for (const p of obj.ports ?? []) {
        setIfAbsent(p, 'protocol', 'TCP')
        if (p.name === undefined) p.name = ''
      }
      return
    case 'apps/deployments':
      return defaultDeployment(obj)
    case 'apps/replicasets': {
      const spec: Any = (obj.spec ??= {})
      setIfAbsent(spec, 'replicas', 1)
      return defaultPodTemplate((spec.template ??= {}))
    }
    case 'apps/statefulsets':
      return defaultStatefulSet(obj)
    case 'apps/daemonsets':
      return defaultDaemonSet(obj)
    case 'batch/jobs':
      defaultJob(obj)
      // Once the object has its uid (the apiserver assigns it before defaulting), generate the selector too;
      // generation keeps existing labels, so running it again on updates changes nothing.
      if (obj.metadata.uid) defaultJobSelector(obj)
      return
    case 'batch/cronjobs':
      return defaultCronJob(obj)
    case 'autoscaling/horizontalpodautoscalers':
      obj.spec ??= {}
      setIfAbsent(obj.spec, 'minReplicas', 1)
      return
    case 'rbac.authorization.k8s.io/rolebindings':
    case 'rbac.authorization.k8s.io/clusterrolebindings':
      for (const s of obj.subjects ?? []) {
        if (s.apiGroup === undefined && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = 'rbac.authorization.k8s.io'
      }
      return
  }
}

export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid'
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid'
export const LEGACY_JOB_NAME_LABEL = 'job-name'
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name'

/**
 * The Job strategy's generateSelector: once the Job has its name and uid, label the template with the job name and
 * uid (new and legacy keys) and select on batch.kubernetes.io/controller-uid. Skipped when spec.manualSelector is true.
 * Labels the user already set are kept, so a conflicting selector is left for validation to reject.
 */
export function defaultJobSelector(job: KubeObject): void {
  const spec: Any = (job.spec ??= {})
  if (spec.manualSelector === true) return
  spec.template ??= {}
  spec.template.metadata ??= {}
  const labels: Record<string, string> = (spec.template.metadata.labels ??= {})
  const name = job.metadata.name ?? ''
  const uid = job.metadata.uid ?? ''
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[k] === undefined) labels[k] = name
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (labels[k] === undefined) labels[k] = uid
  spec.selector ??= {}
  spec.selector.matchLabels ??= {}
  if (spec.selector.matchLabels[CONTROLLER_UID_LABEL] === undefined) spec.selector.matchLabels[CONTROLLER_UID_LABEL] = uid
  // The real server re-runs SetDefaults_Job when reading back from storage, which copies these template labels
  // onto an unlabelled Job; doing it here gives the same stored object.
  if (Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = {...labels}
}
