// The registry of scheduler plugins by name and the default profile (which plugins run, in what order, with what weights).
import type {FilterPlugin, Profile, ScorePlugin} from './framework.js'
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

/** Every plugin skiff knows, by name; a plugin may implement filter, score or both. */
export const pluginRegistry: Record<string, () => Partial<FilterPlugin & ScorePlugin> & {name: string}> = {
  NodeUnschedulable: () => new NodeUnschedulable(),
  NodeName: () => new NodeName(),
  TaintToleration: () => new TaintToleration(),
  NodeReady: () => new NodeReady(),
  NodeAffinity: () => new NodeAffinity(),
  NodePorts: () => new NodePorts(),
  NodeResourcesFit: () => new NodeResourcesFit(),
  LeastAllocated: () => new LeastAllocated(),
  OwnerSpread: () => new OwnerSpread(),
}

/** Which plugins a profile enables: filters in order, scores with weights. */
export interface ProfileConfig {
  filters: string[]
  scores: {name: string; weight: number}[]
  /** Whether to compute the "preemption: ..." explanation. */
  preemption: boolean
}

/**
 * kube-scheduler's default order of filters (first rejection wins, which decides the reason a node reports) and its
 * default score weights (NodeAffinity 2, TaintToleration 3, resources 1, spreading 2).
 */
export const defaultProfileConfig: ProfileConfig = {
  filters: ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeReady', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit'],
  scores: [
    {name: 'TaintToleration', weight: 3},
    {name: 'NodeAffinity', weight: 2},
    {name: 'LeastAllocated', weight: 1},
    {name: 'OwnerSpread', weight: 2},
  ],
  preemption: true,
}

/** Builds a profile from the registry; throws on unknown names or a plugin lacking the extension point. */
export function buildProfile(config: ProfileConfig = defaultProfileConfig): Profile {
  const instances = new Map<string, Partial<FilterPlugin & ScorePlugin>>()
  const get = (name: string) => {
    const make = pluginRegistry[name]
    if (!make) throw new Error(`unknown scheduler plugin ${name}`)
    let p = instances.get(name)
    if (!p) instances.set(name, (p = make()))
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
  return {filters, scores, postFilter: config.preemption ? preemptionMessage : undefined}
}
