// The scheduler's view of the cluster: nodes and the pods on them, including pods it has assumed but not yet seen bound.
import type {KubeObject} from '../api/types.js'
import {objectKey} from '../client/paths.js'
import {NodeInfo, isTerminal} from './framework.js'

interface PodState {
  pod: KubeObject
  node: string
  /** Placed by this scheduler; the watch has not confirmed the binding yet. */
  assumed: boolean
}

/**
 * Nodes and the pods that use their resources. Pods the scheduler binds are assumed onto their node right away, so a
 * burst of pods does not overcommit a node before the watch shows the bindings; the watch's version replaces the
 * assumed one when it arrives. NodeInfos are rebuilt lazily, only for nodes whose pods or object changed.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, KubeObject>()
  private readonly pods = new Map<string, PodState>()
  private readonly podsByNode = new Map<string, Map<string, KubeObject>>()
  private readonly infos = new Map<string, NodeInfo>()

  /** Adds or replaces a node. */
  setNode(node: KubeObject): void {
    const name = String(node.metadata.name)
    this.nodes.set(name, node)
    this.infos.delete(name)
  }

  /** Removes a node (its pods stay accounted for in case it comes back). */
  removeNode(name: string): void {
    this.nodes.delete(name)
    this.infos.delete(name)
  }

  /**
   * Records the latest state of a pod from the watch: a bound, non-terminal pod uses its node's resources; anything
   * else (unbound, finished) uses none. Confirms an assumed pod once its binding shows up.
   */
  setPod(pod: KubeObject): void {
    const key = objectKey(pod)
    const node: string | undefined = pod.spec?.nodeName
    const prev = this.pods.get(key)
    if (prev?.assumed && !node) return // The watch lags behind our own binding; keep the assumption.
    if (!node || isTerminal(pod)) {
      this.removePod(key)
      return
    }
    this.place(key, {pod, node, assumed: false})
  }

  /** Forgets a deleted pod. */
  removePod(key: string): void {
    const prev = this.pods.get(key)
    if (!prev) return
    this.pods.delete(key)
    this.podsByNode.get(prev.node)?.delete(key)
    this.infos.delete(prev.node)
  }

  /** Places pod on node before the binding is confirmed. */
  assume(pod: KubeObject, node: string): void {
    const assumed = {...pod, spec: {...pod.spec, nodeName: node}}
    this.place(objectKey(pod), {pod: assumed, node, assumed: true})
  }

  /** Drops an assumption (the bind failed), unless the watch has confirmed the pod meanwhile. */
  forget(key: string): void {
    if (this.pods.get(key)?.assumed) this.removePod(key)
  }

  /** True when key is assumed and not yet confirmed by the watch. */
  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumed ?? false
  }

  /** The node a pod is on (assumed or confirmed), if any. */
  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.node
  }

  /** A NodeInfo per known node, in name order so ties and messages are stable. */
  nodeInfos(): NodeInfo[] {
    const names = [...this.nodes.keys()].sort()
    return names.map((name) => {
      let info = this.infos.get(name)
      if (!info) {
        info = new NodeInfo(this.nodes.get(name) as KubeObject, [...(this.podsByNode.get(name)?.values() ?? [])])
        this.infos.set(name, info)
      }
      return info
    })
  }

  private place(key: string, state: PodState): void {
    const prev = this.pods.get(key)
    if (prev && prev.node !== state.node) {
      this.podsByNode.get(prev.node)?.delete(key)
      this.infos.delete(prev.node)
    }
    this.pods.set(key, state)
    let onNode = this.podsByNode.get(state.node)
    if (!onNode) this.podsByNode.set(state.node, (onNode = new Map()))
    onNode.set(key, state.pod)
    this.infos.delete(state.node)
  }
}
