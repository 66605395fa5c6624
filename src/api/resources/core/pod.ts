// Pod (core/v1): admission-time defaults, spec validation and update rules, the printPod table, protobuf schema.
import type {KubeObject} from '../../types.js'
import type {Pod, PodSpec} from '../../types/workloads.js'
import {defineResource, statusSubresource} from '../def.js'
import {conditions, kindPatch, podSpecPatch} from '../shared/patch.js'
import {defaultPodSpec, setIfAbsent} from '../shared/pod-defaults.js'
import {podMessages} from '../shared/pod-protobuf.js'
import {podStatusMessages} from '../shared/pod-status-protobuf.js'
import {validatePodSpec, validatePodSpecUpdate} from '../shared/pod-spec-validation.js'
import {B, I64, S, specStatusMessage} from '../shared/protobuf.js'
import {AGE, col, NAME} from '../shared/table.js'
import {podCells} from './pod-table.js'

/** Kubernetes' QoS class of a pod spec (from its cpu and memory requests and limits). */
export function qosClass(spec: PodSpec): string {
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
  let any = false
  let guaranteed = true
  for (const c of containers) {
    const req = c.resources?.requests ?? {}
    const lim = c.resources?.limits ?? {}
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true
      if (lim[r] === undefined || String(req[r] ?? lim[r]) !== String(lim[r])) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}

/**
 * Pod create-time fields. Besides SetDefaults_Pod these come from admission plugins the real server runs
 * (ServiceAccount, DefaultTolerationSeconds; priority is the Priority plugin's, which must see what the client set) and the pod strategy's PrepareForCreate (phase, QoS class).
 */
function defaultPod(obj: KubeObject): void {
  const pod = obj as Pod
  const spec = (pod.spec ??= {} as PodSpec)
  defaultPodSpec(spec)
  setIfAbsent(spec, 'enableServiceLinks', true)
  setIfAbsent(spec, 'serviceAccountName', 'default')
  setIfAbsent(spec, 'serviceAccount', spec.serviceAccountName)
  const tolerations = (spec.tolerations ??= [])
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'))
    if (!covered) tolerations.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
  }
  const status = (pod.status ??= {})
  setIfAbsent(status, 'phase', 'Pending')
  setIfAbsent(status, 'qosClass', qosClass(spec))
}

const columns = [
  NAME,
  col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
  col('Restarts', 'string', 0, 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  AGE,
  col('IP', 'string', 1, 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
  col('Node', 'string', 1, 'NodeName indicates in which node this pod is scheduled.'),
  col('Nominated Node', 'string', 1, 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
  col('Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'),
]

/** Row conditions the server attaches to finished pods (kubectl uses them to grey out completed rows). */
function rowConditions(obj: KubeObject) {
  if (obj.status?.phase === 'Succeeded') return [{type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.'}]
  if (obj.status?.phase === 'Failed') return [{type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.'}]
  return undefined
}

const subresources = [
  statusSubresource,
  {name: 'binding', responseKind: {group: '', version: 'v1', kind: 'Binding'}, verbs: ['create']},
  {name: 'log', verbs: ['get']},
  {name: 'exec', responseKind: {group: '', version: 'v1', kind: 'PodExecOptions'}, verbs: ['create', 'get']},
  {name: 'attach', responseKind: {group: '', version: 'v1', kind: 'PodAttachOptions'}, verbs: ['create', 'get']},
  {name: 'portforward', responseKind: {group: '', version: 'v1', kind: 'PodPortForwardOptions'}, verbs: ['create', 'get']},
  {name: 'eviction', responseKind: {group: 'policy', version: 'v1', kind: 'Eviction'}, verbs: ['create']},
]

export const pod = defineResource('', 'v1', 'Pod', {
  shortNames: ['po'],
  categories: ['all'],
  subresources,
  fields: ['spec', 'status'],
  default: defaultPod,
  validate: (obj) => validatePodSpec(obj.spec, 'spec'),
  validateUpdate: (obj, old) => validatePodSpecUpdate(obj.spec, old.spec),
  table: {columns, row: podCells, rowConditions},
  patch: kindPatch({spec: {type: podSpecPatch}, status: {type: {conditions, ephemeralContainerStatuses: {list: 'atomic'}}}}),
  protobuf: {
    ...podMessages,
    // kubectl debug --copy-to and node debugging create pods through the typed client.
    Pod: specStatusMessage('PodSpec', 'PodStatus'),
    ...podStatusMessages,
    // policy/v1 Eviction (kubectl drain); field numbers not yet checked against a capture.
    Eviction: {1: ['metadata', 'ObjectMeta'], 2: ['deleteOptions', 'DeleteOptions']},
    DeleteOptions: {1: ['gracePeriodSeconds', I64, 'k'], 2: ['preconditions', 'Preconditions'], 3: ['orphanDependents', B, 'k'], 4: ['propagationPolicy', S, 'k'], 5: ['dryRun', S, 'r']},
    Preconditions: {1: ['uid', S, 'k'], 2: ['resourceVersion', S, 'k']},
  },
  strategy: {
    // Status is the agent's to write; a new pod starts Pending, keeping the QoS class defaulting computed.
    prepareForCreate(obj) {
      obj.status = {phase: 'Pending', ...(obj.status?.qosClass ? {qosClass: obj.status.qosClass} : {})}
    },
    deleteReturnsObject: true,
    // A pod bound to a node is stopped by its agent, which then deletes it with gracePeriodSeconds=0.
    gracefulDeletion: {
      applies: (obj) => !!(obj as Pod).spec?.nodeName,
      period: (obj, requested) => requested ?? (obj as Pod).spec?.terminationGracePeriodSeconds ?? 30,
    },
  },
})
