// Where daemon pods belong: which nodes a DaemonSet should run on, the tolerations and node affinity its pods get, and the pod itself.
import {podMatchesNodeSelectorAndAffinity} from '../../api/node-selection.js'
import type {DaemonSet} from '../../api/resources/apps/daemonset.js'
import {TEMPLATE_GENERATION_ANNOTATION} from '../../api/resources/apps/daemonset.js'
import {firstUntoleratedTaint} from '../../api/taints.js'
import type {Node} from '../../api/types/cluster.js'
import type {Pod, PodSpec, Toleration} from '../../api/types/workloads.js'
import {CONTROLLER_REVISION_HASH} from '../util/history.js'
import {newControllerRef} from '../util/owners.js'

export const DS_API = 'apps/v1'
export const DS_KIND = 'DaemonSet'
/** The pod label holding the template generation a daemon pod was made from (apps/v1 DaemonSetTemplateGenerationKey). */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation'

const exists = (key: string, effect: string): Toleration => ({key, operator: 'Exists', effect})

/**
 * The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations): a daemon keeps running on a node that is not
 * ready or unreachable (no tolerationSeconds: forever), and lands on nodes under pressure or cordoned.
 */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  exists('node.kubernetes.io/not-ready', 'NoExecute'),
  exists('node.kubernetes.io/unreachable', 'NoExecute'),
  exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
  exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
]
/** Host-network daemons (CNI plugins, proxies) must start before the pod network exists. */
export const HOST_NETWORK_TOLERATION: Toleration = exists('node.kubernetes.io/network-unavailable', 'NoSchedule')

const sameToleration = (a: Toleration, b: Toleration) => (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '')

/** The tolerations of spec plus the daemon ones; one the user already has (same key, operator, value, effect) is replaced. */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const out = (spec.tolerations ?? []).map((t) => ({...t}))
  const add = [...DAEMON_TOLERATIONS, ...(spec.hostNetwork ? [HOST_NETWORK_TOLERATION] : [])]
  for (const t of add) {
    const i = out.findIndex((o) => sameToleration(o, t))
    if (i >= 0) out[i] = {...t}
    else out.push({...t})
  }
  return out
}

/** Whether a DaemonSet's pod should be created on node, and whether an existing one may keep running there. */
export interface NodeFit {
  shouldRun: boolean
  shouldContinueRunning: boolean
}

/**
 * NodeShouldRunDaemonPod: the node must match the template's nodeName, nodeSelector and required node affinity; an
 * untolerated NoSchedule or NoExecute taint keeps new pods away, and only an untolerated NoExecute one evicts a running pod.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeFit {
  const spec = ds.spec?.template?.spec ?? {containers: []}
  const nodeName = node.metadata.name!
  if (spec.nodeName && spec.nodeName !== nodeName) return {shouldRun: false, shouldContinueRunning: false}
  const pod: Pod = {metadata: {labels: ds.spec?.template?.metadata?.labels}, spec: {...spec, nodeName}}
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) return {shouldRun: false, shouldContinueRunning: false}
  const tolerations = daemonTolerations(spec)
  const taints = node.spec?.taints ?? []
  if (!firstUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute'])) return {shouldRun: true, shouldContinueRunning: true}
  return {shouldRun: false, shouldContinueRunning: !firstUntoleratedTaint(taints, tolerations, ['NoExecute'])}
}

interface NodeSelectorTermShape {
  matchExpressions?: unknown[]
  matchFields?: {key: string; operator: string; values?: string[]}[]
}
interface AffinityShape {
  nodeAffinity?: {requiredDuringSchedulingIgnoredDuringExecution?: {nodeSelectorTerms?: NodeSelectorTermShape[]}; [k: string]: unknown}
  [k: string]: unknown
}

/**
 * The affinity with its required node terms replaced by one matchFields term on metadata.name (ReplaceDaemonSetPodNodeNameNodeAffinity):
 * the scheduler binds the pod to that node and nowhere else; the other terms were already checked against it.
 */
export function replaceNodeNameAffinity(affinity: Record<string, unknown> | undefined, nodeName: string): Record<string, unknown> {
  const a = structuredClone((affinity ?? {}) as AffinityShape)
  const term: NodeSelectorTermShape = {matchFields: [{key: 'metadata.name', operator: 'In', values: [nodeName]}]}
  a.nodeAffinity = {...a.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [term]}}
  return a
}

/** The node a daemon pod is for: its nodeName, or before binding the metadata.name of its required node affinity (GetTargetNodeName). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName
  const terms = (pod.spec?.affinity as AffinityShape | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined
    }
  }
  return undefined
}

/** The DaemonSet's template generation from its annotation, if the server set one. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const n = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION])
  return Number.isInteger(n) && n > 0 ? n : undefined
}

/** Whether a pod runs the current template: its revision hash matches, or (older pods) its template generation (IsPodUpdated). */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata.labels ?? {}
  return (!!hash && labels[CONTROLLER_REVISION_HASH] === hash) || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation))
}

/** The pod the controller creates for node: the template, daemon tolerations, the revision labels and the node affinity. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const tpl = ds.spec?.template ?? {}
  const md = tpl.metadata ?? {}
  const spec: PodSpec = structuredClone(tpl.spec ?? {containers: []})
  spec.tolerations = daemonTolerations(spec)
  spec.affinity = replaceNodeNameAffinity(spec.affinity, nodeName)
  const generation = templateGeneration(ds)
  const labels: Record<string, string> = {...md.labels}
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation)
  if (hash) labels[CONTROLLER_REVISION_HASH] = hash
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels,
      ...(md.annotations ? {annotations: {...md.annotations}} : {}),
      ...(md.finalizers ? {finalizers: [...md.finalizers]} : {}),
      ownerReferences: [newControllerRef(ds, DS_API, DS_KIND)],
    },
    spec,
  }
}

/** An int or a percentage of total, percentages rounded up (intstr.GetScaledValueFromIntOrPercent with roundUp). */
export function scaledValue(v: number | string | undefined, total: number): number {
  if (v === undefined) return 0
  if (typeof v === 'number') return v
  const m = /^(\d+)%$/.exec(v)
  if (m) return Math.ceil((Number(m[1]) * total) / 100)
  const n = Number(v)
  return Number.isInteger(n) ? n : 0
}

/** The rolling-update budget for desired nodes: maxUnavailable and maxSurge, percentages scaled and rounded up. */
export function updateBudget(ds: DaemonSet, desired: number): {maxUnavailable: number; maxSurge: number} {
  const us = ds.spec?.updateStrategy
  if (us?.type !== 'RollingUpdate') return {maxUnavailable: 0, maxSurge: 0}
  const maxUnavailable = scaledValue(us.rollingUpdate?.maxUnavailable, desired)
  const maxSurge = scaledValue(us.rollingUpdate?.maxSurge, desired)
  // An impossible configuration (both zero) falls back to one unavailable node, as Kubernetes does.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) return {maxUnavailable: 1, maxSurge: 0}
  return {maxUnavailable, maxSurge}
}

/** Whether the DaemonSet replaces pods by starting the new one first (a non-zero maxSurge). */
export function allowsSurge(ds: DaemonSet): boolean {
  return updateBudget(ds, 1).maxSurge !== 0
}
