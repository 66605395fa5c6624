// The registry of scheduler plugins by name and the default profile (which plugins run, in what order, with what weights).
import type {NamespaceLabels} from './affinity-terms.js'
import type {FilterPlugin, PreBindPlugin, PreFilterPlugin, PreScorePlugin, Profile, ScorePlugin} from './framework.js'
import {defaultPreemption, type DisruptionBudgets} from './preemption.js'
import {InterPodAffinity} from './plugins/inter-pod-affinity.js'
import {PodTopologySpread} from './plugins/pod-topology-spread.js'
import {LeastAllocated} from './plugins/least-allocated.js'
import {NodeAffinity} from './plugins/node-affinity.js'
import {NodeName} from './plugins/node-name.js'
import {NodePorts} from './plugins/node-ports.js'
import {NodeReady} from './plugins/node-ready.js'
import {NodeResourcesFit} from './plugins/node-resources-fit.js'
import {NodeUnschedulable} from './plugins/node-unschedulable.js'
import {OwnerSpread} from './plugins/owner-spread.js'
import {TaintToleration} from './plugins/taint-toleration.js'
import {type ClaimAnnotator, VolumeBinding, type VolumeLookup} from './plugins/volume-binding.js'

/** What plugins may read or write beyond the pod and its node: the scheduler's caches and client. */
export interface PluginDeps {
  volumes?: VolumeLookup
  annotateClaim?: ClaimAnnotator
  /** Namespace labels, for affinity terms with a namespaceSelector. */
  namespaceLabels?: NamespaceLabels
  /** The cluster's PodDisruptionBudgets, which preemption tries not to break. */
  disruptionBudgets?: DisruptionBudgets
}

type AnyPlugin = Partial<PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & PreBindPlugin> & {name: string}

/** Every plugin skiff knows, by name; a plugin may implement filter, score, pre-bind or several. */
export const pluginRegistry: Record<string, (deps: PluginDeps) => AnyPlugin> = {
  NodeUnschedulable: () => new NodeUnschedulable(),
  NodeName: () => new NodeName(),
  TaintToleration: () => new TaintToleration(),
  NodeReady: () => new NodeReady(),
  NodeAffinity: () => new NodeAffinity(),
  NodePorts: () => new NodePorts(),
  NodeResourcesFit: () => new NodeResourcesFit(),
  LeastAllocated: () => new LeastAllocated(),
  OwnerSpread: () => new OwnerSpread(),
  PodTopologySpread: () => new PodTopologySpread(),
  InterPodAffinity: (deps) => new InterPodAffinity(deps.namespaceLabels),
  VolumeBinding: (deps) => new VolumeBinding(deps.volumes, deps.annotateClaim),
}

/** Which plugins a profile enables: filters in order, scores with weights. */
export interface ProfileConfig {
  filters: string[]
  scores: {name: string; weight: number}[]
  /** Plugins run after the decision and before the binding. */
  preBinds?: string[]
  /** Whether to compute the "preemption: ..." explanation. */
  preemption: boolean
}

/**
 * kube-scheduler's default order of filters (first rejection wins, which decides the reason a node reports) and its
 * default score weights (NodeAffinity 2, TaintToleration 3, resources 1, PodTopologySpread 2, InterPodAffinity 2).
 * PodTopologySpread's system defaults do the spreading of a controller's pods (OwnerSpread stays registered only).
 */
export const defaultProfileConfig: ProfileConfig = {
  filters: ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeReady', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity'],
  scores: [
    {name: 'TaintToleration', weight: 3},
    {name: 'NodeAffinity', weight: 2},
    {name: 'PodTopologySpread', weight: 2},
    {name: 'InterPodAffinity', weight: 2},
    {name: 'LeastAllocated', weight: 1},
  ],
  preBinds: ['VolumeBinding'],
  preemption: true,
}

/** Builds a profile from the registry; throws on unknown names or a plugin lacking the extension point. */
export function buildProfile(config: ProfileConfig = defaultProfileConfig, deps: PluginDeps = {}): Profile {
  const instances = new Map<string, AnyPlugin>()
  const get = (name: string) => {
    const make = pluginRegistry[name]
    if (!make) throw new Error(`unknown scheduler plugin ${name}`)
    let p = instances.get(name)
    if (!p) instances.set(name, (p = make(deps)))
    return p
  }
  const filters = config.filters.map((name) => {
    const p = get(name)
    if (!p.filter) throw new Error(`scheduler plugin ${name} has no filter`)
    return p as FilterPlugin
  })
  const scores = config.scores.map(({name, weight}) => {
    const p = get(name)
    if (!p.score) throw new Error(`scheduler plugin ${name} has no score`)
    return {plugin: p as ScorePlugin, weight}
  })
  const preBinds = (config.preBinds ?? []).map((name) => {
    const p = get(name)
    if (!p.preBind) throw new Error(`scheduler plugin ${name} has no preBind`)
    return p as PreBindPlugin
  })
  // Pre-filters of the filters and pre-scores of the scores, once each, in the order their plugins appear.
  const preFilters = [...new Set(filters)].filter((p): p is FilterPlugin & PreFilterPlugin => 'preFilter' in p)
  const preScores = [...new Set(scores.map((s) => s.plugin))].filter((p): p is ScorePlugin & PreScorePlugin => 'preScore' in p)
  const budgets = deps.disruptionBudgets ?? (() => [])
  return {
    preFilters,
    filters,
    preScores,
    scores,
    preBinds,
    postFilter: config.preemption ? (pod, nodeInfos, statuses, profile) => defaultPreemption(pod, nodeInfos, statuses, profile, budgets()) : undefined,
  }
}
