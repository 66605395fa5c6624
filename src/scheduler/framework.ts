// The scheduling framework: plugin interfaces, per-node state, and the pure filter → score → select algorithm.
import type {KubeObject} from '../api/types.js'
import {type Resources, addResources, nodeAllocatable, podNonZeroRequests, podRequests} from './resources.js'

/**
 * Why a plugin rejected a node. `Unschedulable` may be fixed by preempting pods on the node (resources, ports);
 * `UnschedulableAndUnresolvable` cannot (taints, affinity), which decides the preemption part of the message.
 */
export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable'

/** A filter verdict against one node; success is `undefined`. */
export interface Status {
  code: StatusCode
  /** Human-readable reasons, counted per node in the FailedScheduling message (e.g. "Insufficient cpu"). */
  reasons: string[]
  /** The plugin that rejected the node (filled in by the framework). */
  plugin?: string
}

/** Builds a rejection status. */
export function unschedulable(code: StatusCode, ...reasons: string[]): Status {
  return {code, reasons}
}

/** Per-cycle scratch space shared by the plugins while one pod is scheduled (e.g. values computed once per pod). */
export class CycleState {
  private readonly data = new Map<string, unknown>()

  /** Returns the value under key, computing and storing it with make() the first time. */
  memo<T>(key: string, make: () => T): T {
    if (!this.data.has(key)) this.data.set(key, make())
    return this.data.get(key) as T
  }

  /** Stores what a pre-filter or pre-score step computed, replacing any earlier value. */
  write(key: string, value: unknown): void {
    this.data.set(key, value)
  }

  /** What write() stored under key, if anything. */
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined
  }
}

/** A host port in use: protocol and IP (0.0.0.0 for all addresses). */
export interface HostPort {
  ip: string
  protocol: string
  port: number
}

/** Host ports a pod asks for (containers and sidecar init containers with hostPort > 0). */
export function podHostPorts(pod: KubeObject): HostPort[] {
  const spec = pod.spec ?? {}
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always')]
  const out: HostPort[] = []
  for (const c of containers) {
    for (const p of c?.ports ?? []) {
      const port = Number(p?.hostPort ?? 0)
      if (!(port > 0)) continue
      out.push({ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port})
    }
  }
  return out
}

/** True when pod has finished (Succeeded or Failed) and so no longer holds node resources. */
export function isTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase
  return phase === 'Succeeded' || phase === 'Failed'
}

/** A node together with the pods on it and the sums the plugins need; immutable once built. */
export class NodeInfo {
  readonly name: string
  readonly allocatable: Resources
  /** Sum of the pods' requests (0 for containers without requests), for fit. */
  readonly requested: Resources
  /** Sum of the pods' cpu/memory requests with scoring defaults, for least-allocated scoring. */
  readonly nonZeroRequested: {cpu: number; memory: number}
  readonly usedPorts: HostPort[]
  /** Pods with any pod affinity or anti-affinity, and those with required anti-affinity (InterPodAffinity reads only these). */
  readonly podsWithAffinity: KubeObject[]
  readonly podsWithRequiredAntiAffinity: KubeObject[]

  constructor(
    readonly node: KubeObject,
    readonly pods: readonly KubeObject[] = [],
  ) {
    this.name = String(node.metadata.name)
    this.allocatable = nodeAllocatable(node)
    this.requested = {}
    this.nonZeroRequested = {cpu: 0, memory: 0}
    this.usedPorts = []
    this.podsWithAffinity = []
    this.podsWithRequiredAntiAffinity = []
    for (const pod of pods) {
      const aff = pod.spec?.affinity
      if (aff?.podAffinity || aff?.podAntiAffinity) this.podsWithAffinity.push(pod)
      if (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length > 0) this.podsWithRequiredAntiAffinity.push(pod)
      addResources(this.requested, podRequests(pod))
      const nz = podNonZeroRequests(pod)
      this.nonZeroRequested.cpu += nz.cpu
      this.nonZeroRequested.memory += nz.memory
      this.usedPorts.push(...podHostPorts(pod))
    }
  }

  /** A copy of this NodeInfo with pods added (used to assume a pod onto a node, or to count nominated pods). */
  withPod(...pods: KubeObject[]): NodeInfo {
    return new NodeInfo(this.node, [...this.pods, ...pods])
  }

  /** A copy of this NodeInfo without the given pods (by identity), as preemption sees a node once its victims are gone. */
  without(gone: ReadonlySet<KubeObject>): NodeInfo {
    return new NodeInfo(this.node, this.pods.filter((p) => !gone.has(p)))
  }
}

/**
 * A plugin that looks at the whole cluster once per pod before the filters run (pod affinity, topology spreading
 * count pods over every node), storing what it found in the cycle state.
 */
export interface PreFilterPlugin {
  readonly name: string
  preFilter(pod: KubeObject, nodeInfos: readonly NodeInfo[], state: CycleState): void
}

/** A plugin that prepares scoring once per pod, knowing which nodes passed the filters. */
export interface PreScorePlugin {
  readonly name: string
  preScore(pod: KubeObject, feasible: readonly NodeInfo[], all: readonly NodeInfo[], state: CycleState): void
}

/** A plugin that can reject nodes for a pod. */
export interface FilterPlugin {
  readonly name: string
  /** Returns undefined when pod may run on the node, or why not. */
  filter(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): Status | undefined
}

/** The highest score a plugin gives (k8s MaxNodeScore). */
export const MAX_NODE_SCORE = 100

/** A plugin that ranks feasible nodes for a pod. */
export interface ScorePlugin {
  readonly name: string
  /** Raw score of one feasible node; higher is better. */
  score(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): number
  /** Maps the raw scores of all feasible nodes (in place) into 0..MAX_NODE_SCORE. */
  normalize?(pod: KubeObject, scores: number[], state: CycleState): void
}

/** A plugin that prepares the API for a decision before the pod is bound (VolumeBinding writes the chosen node on claims). */
export interface PreBindPlugin {
  readonly name: string
  /** Runs after a node was chosen and before the binding; a throw fails the binding and the pod is retried. */
  preBind(pod: KubeObject, node: string): Promise<void>
}

/** The plugins of one scheduler profile, in the order they run, with the weight of each score plugin. */
export interface Profile {
  preFilters?: PreFilterPlugin[]
  filters: FilterPlugin[]
  preScores?: PreScorePlugin[]
  scores: {plugin: ScorePlugin; weight: number}[]
  preBinds?: PreBindPlugin[]
  /** Runs when no node fits (preemption): what it nominates, or the "preemption: ..." part of the message. */
  postFilter?(pod: KubeObject, nodeInfos: readonly NodeInfo[], statuses: ReadonlyMap<string, Status>, profile: Profile): PostFilterResult | undefined
}

/** What preemption decided for a pod no node fits. */
export interface PostFilterResult {
  /** Why preemption did not help (the "preemption: ..." part of the message). */
  message?: string
  /** The node the pod may run on once victims are gone. */
  nominated?: {node: string; victims: KubeObject[]}
  /** Preemption found no node: an earlier nomination of the pod no longer holds. */
  clearNomination?: boolean
}

/** The outcome of scheduling one pod. */
export type ScheduleResult =
  | {node: string; feasibleNodes: number; scores?: Record<string, number>}
  | {
      unschedulable: true
      /** The FailedScheduling event and PodScheduled condition message, formatted as kube-scheduler does. */
      message: string
      /** Why each node was rejected. */
      perNodeReasons: Record<string, string[]>
      /** The rejection of each node (code and plugin). */
      statuses: Record<string, Status>
      /** Set when preemption found room: the node to nominate and the pods to evict there. */
      nominated?: {node: string; victims: KubeObject[]}
      /** Set when preemption found no room anywhere: the pod's nomination, if any, is dropped. */
      clearNomination?: boolean
    }

/** The message when the cluster has no nodes at all (k8s ErrNoNodesAvailable). */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods'

/** Runs the pre-filters of profile over the cluster as given (preemption runs them again on a cluster with victims gone). */
export function runPreFilters(pod: KubeObject, nodeInfos: readonly NodeInfo[], profile: Profile, state: CycleState): void {
  for (const p of profile.preFilters ?? []) p.preFilter(pod, nodeInfos, state)
}

/** Runs the filters of profile against one node: the first rejection wins, as in kube-scheduler. */
export function runFilters(pod: KubeObject, nodeInfo: NodeInfo, profile: Profile, state: CycleState): Status | undefined {
  for (const f of profile.filters) {
    const s = f.filter(pod, nodeInfo, state)
    if (s) return {...s, plugin: f.name}
  }
  return undefined
}

/**
 * Formats the "0/N nodes are available: ..." summary: each reason is counted over the nodes and the
 * "count reason" strings are sorted as strings (so "10 x" sorts before "2 y", exactly like kube-scheduler).
 */
export function formatFitError(numNodes: number, statuses: Iterable<Status>, postFilterMessage?: string): string {
  const histogram = new Map<string, number>()
  for (const s of statuses) for (const r of s.reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1)
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort()
  let msg = `0/${numNodes} nodes are available:`
  if (parts.length > 0) msg += ` ${parts.join(', ')}.`
  // kube-scheduler 1.32 events end the nested preemption summary with a single period, not two.
  if (postFilterMessage) msg += ` ${postFilterMessage}${postFilterMessage.endsWith('.') ? '' : '.'}`
  return msg
}

/**
 * Picks a node for pod: filters every node, scores the feasible ones (weighted sum of normalized plugin scores) and
 * returns the best, breaking ties at random as kube-scheduler does; or explains why no node fits. Pure: it reads
 * nodeInfos and never calls the API.
 */
export function schedule(pod: KubeObject, nodeInfos: readonly NodeInfo[], profile: Profile, opts: {random?: () => number; nominatedNode?: string} = {}): ScheduleResult {
  if (nodeInfos.length === 0) return {unschedulable: true, message: NO_NODES_MESSAGE, perNodeReasons: {}, statuses: {}}
  const state = new CycleState()
  runPreFilters(pod, nodeInfos, profile, state)
  // A pod that preempted others goes to its nominated node when it fits there now (kube-scheduler evaluateNominatedNode).
  const nominated = opts.nominatedNode ? nodeInfos.find((ni) => ni.name === opts.nominatedNode) : undefined
  if (nominated && !runFilters(pod, nominated, profile, state)) return {node: nominated.name, feasibleNodes: 1}
  const feasible: NodeInfo[] = []
  const statuses = new Map<string, Status>()
  for (const ni of nodeInfos) {
    const s = runFilters(pod, ni, profile, state)
    if (s) statuses.set(ni.name, s)
    else feasible.push(ni)
  }
  if (feasible.length === 0) {
    const post = profile.postFilter?.(pod, nodeInfos, statuses, profile)
    const perNodeReasons: Record<string, string[]> = {}
    for (const [name, s] of statuses) perNodeReasons[name] = s.reasons
    return {
      unschedulable: true,
      message: formatFitError(nodeInfos.length, statuses.values(), post?.message),
      perNodeReasons,
      statuses: Object.fromEntries(statuses),
      ...(post?.nominated ? {nominated: post.nominated} : {}),
      ...(post?.clearNomination ? {clearNomination: true} : {}),
    }
  }
  // Scoring one node cannot change the outcome; kube-scheduler skips it too.
  if (feasible.length === 1) return {node: feasible[0].name, feasibleNodes: 1}

  for (const p of profile.preScores ?? []) p.preScore(pod, feasible, nodeInfos, state)
  const totals = new Array<number>(feasible.length).fill(0)
  for (const {plugin, weight} of profile.scores) {
    const raw = feasible.map((ni) => plugin.score(pod, ni, state))
    plugin.normalize?.(pod, raw, state)
    for (let i = 0; i < raw.length; i++) totals[i] += raw[i] * weight
  }
  const random = opts.random ?? Math.random
  // Reservoir sampling over the top scores gives each tied node the same chance.
  let best = 0
  let ties = 1
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i] > totals[best]) {
      best = i
      ties = 1
    } else if (totals[i] === totals[best]) {
      ties++
      if (random() * ties < 1) best = i
    }
  }
  const scores = Object.fromEntries(feasible.map((ni, i) => [ni.name, totals[i]]))
  return {node: feasible[best].name, feasibleNodes: feasible.length, scores}
}
