// The registry of scheduler plugins by name and the default profile (which plugins run, in what order, with what weights).
import type {FilterPlugin, PreBindPlugin, Profile, ScorePlugin} from './framework.js'
import {preemptionMessage} from './preemption.js'
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
}

type AnyPlugin = Partial<FilterPlugin & ScorePlugin & PreBindPlugin> & {name: string}

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
 * default score weights (NodeAffinity 2, TaintToleration 3, resources 1, spreading 2).
 */
export const defaultProfileConfig: ProfileConfig = {
  filters: ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeReady', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding'],
  scores: [
    {name: 'TaintToleration', weight: 3},
    {name: 'NodeAffinity', weight: 2},
    {name: 'LeastAllocated', weight: 1},
    {name: 'OwnerSpread', weight: 2},
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
  return {filters, scores, preBinds, postFilter: config.preemption ? preemptionMessage : undefined}
}
