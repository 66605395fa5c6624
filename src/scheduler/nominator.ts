// Pods nominated to a node by preemption: they keep the room they made from pods of lower or equal priority until they bind.
import type {KubeObject} from '../api/types.js'
import {objectKey} from '../client/paths.js'
import type {NodeInfo} from './framework.js'
import {podPriority} from './preemption.js'

/**
 * Tracks status.nominatedNodeName of pending pods (k8s nominator). The scheduler records its own nominations at once,
 * before the status write comes back through the watch, so a stale update without the field does not undo them:
 * only a change from some node to none does.
 */
export class Nominator {
  private readonly pods = new Map<string, {pod: KubeObject; node: string}>()

  /** Records that pod may run on node once its victims are gone. */
  nominate(pod: KubeObject, node: string): void {
    this.pods.set(objectKey(pod), {pod, node})
  }

  /** Forgets key's nomination (bound, deleted, or cleared). */
  remove(key: string): void {
    this.pods.delete(key)
  }

  /** Follows a pod from the watch. */
  onPod(pod: KubeObject, old?: KubeObject): void {
    const key = objectKey(pod)
    const node: string | undefined = pod.status?.nominatedNodeName
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) this.pods.delete(key)
    else if (node) this.pods.set(key, {pod, node})
    else if (old?.status?.nominatedNodeName) this.pods.delete(key)
    else {
      const known = this.pods.get(key)
      if (known) this.pods.set(key, {pod, node: known.node})
    }
  }

  /** The node key is nominated to, if any. */
  nodeOf(key: string): string | undefined {
    return this.pods.get(key)?.node
  }

  /** Pods nominated to node. */
  podsOn(node: string): KubeObject[] {
    return [...this.pods.values()].filter((e) => e.node === node).map((e) => e.pod)
  }

  /**
   * The nodes as pod must see them: each with the pods nominated to it whose priority is at least pod's, so a pod of
   * lower priority does not take the room a preemptor made (k8s addNominatedPods).
   */
  nodeInfosFor(pod: KubeObject, infos: readonly NodeInfo[]): NodeInfo[] {
    if (this.pods.size === 0) return [...infos]
    const key = objectKey(pod)
    const prio = podPriority(pod)
    return infos.map((ni) => {
      const extra = this.podsOn(ni.name).filter((p) => objectKey(p) !== key && podPriority(p) >= prio)
      return extra.length > 0 ? ni.withPod(...extra) : ni
    })
  }
}

