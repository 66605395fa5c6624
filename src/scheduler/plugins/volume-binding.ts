// Filter and pre-bind: a pod's PersistentVolumeClaims decide where it may run (bound volumes' node affinity, unbound Immediate claims) and, for WaitForFirstConsumer claims, the scheduler's choice is written on the claim before the pod is bound.
import {StorageAnnotations, type PersistentVolume, type PersistentVolumeClaim} from '../../api/storage.js'
import type {KubeObject} from '../../api/types.js'
import {type CycleState, type FilterPlugin, type NodeInfo, type PreBindPlugin, type Status, unschedulable} from '../framework.js'
import {matchesAnyTerm} from '../node-selector.js'

/** Reasons kube-scheduler's VolumeBinding and VolumeRestrictions plugins report. */
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims'
export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict"
export const ERR_CLAIM_DELETING = (name: string) => `persistentvolumeclaim "${name}" is being deleted`
export const ERR_CLAIM_MISSING = (name: string) => `persistentvolumeclaim "${name}" not found`
export const ERR_VOLUME_MISSING = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)'

/** The cached claims, volumes and classes the plugin reads (the scheduler's informers). */
export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined
  volume(name: string): PersistentVolume | undefined
  storageClass(name: string): KubeObject | undefined
}

/** Writes the selected-node annotation on a claim (a merge patch through the API). */
export type ClaimAnnotator = (namespace: string, name: string, annotations: Record<string, string>) => Promise<void>

/** What one pod's claims look like right now: which are bound (to which volumes), which wait for this pod's node. */
interface PodVolumes {
  error?: Status
  bound: PersistentVolume[]
  /** Unbound WaitForFirstConsumer claims: any node fits; the chosen one is written on them before binding. */
  delayed: PersistentVolumeClaim[]
}

/** The names of the claims a pod mounts, in spec order, once each (ephemeral volumes' claims are named pod-volume). */
export function podClaimNames(pod: KubeObject): string[] {
  const names: string[] = []
  for (const v of pod.spec?.volumes ?? []) {
    const name = v?.persistentVolumeClaim?.claimName ?? (v?.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined)
    if (name && !names.includes(name)) names.push(name)
  }
  return names
}

/** Whether the claim's class delays binding until a pod uses it. */
function waitsForConsumer(lookup: VolumeLookup, pvc: PersistentVolumeClaim): boolean {
  const cls = pvc.spec?.storageClassName
  if (!cls) return false
  return lookup.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer'
}

/** Sorts a pod's claims into bound volumes and delayed claims, or the reason the pod cannot be placed anywhere. */
export function podVolumes(pod: KubeObject, lookup: VolumeLookup): PodVolumes {
  const out: PodVolumes = {bound: [], delayed: []}
  const ns = String(pod.metadata.namespace ?? 'default')
  for (const name of podClaimNames(pod)) {
    const pvc = lookup.claim(ns, name)
    if (!pvc) return {...out, error: unschedulable('UnschedulableAndUnresolvable', ERR_CLAIM_MISSING(name))}
    if (pvc.metadata.deletionTimestamp) return {...out, error: unschedulable('UnschedulableAndUnresolvable', ERR_CLAIM_DELETING(name))}
    const volumeName = pvc.spec?.volumeName
    if (volumeName) {
      const pv = lookup.volume(volumeName)
      if (!pv) return {...out, error: unschedulable('UnschedulableAndUnresolvable', ERR_VOLUME_MISSING)}
      out.bound.push(pv)
    } else if (waitsForConsumer(lookup, pvc)) out.delayed.push(pvc)
    else return {...out, error: unschedulable('UnschedulableAndUnresolvable', ERR_UNBOUND_IMMEDIATE)}
  }
  return out
}

/** The VolumeBinding plugin. */
export class VolumeBinding implements FilterPlugin, PreBindPlugin {
  readonly name = 'VolumeBinding'

  constructor(
    private readonly lookup?: VolumeLookup,
    private readonly annotate?: ClaimAnnotator,
  ) {}

  filter(pod: KubeObject, nodeInfo: NodeInfo, state: CycleState): Status | undefined {
    if (!this.lookup || podClaimNames(pod).length === 0) return undefined
    const lookup = this.lookup
    const vols = state.memo(`${this.name}/volumes`, () => podVolumes(pod, lookup))
    if (vols.error) return vols.error
    for (const pv of vols.bound) {
      const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms
      if (terms && terms.length > 0 && !matchesAnyTerm(nodeInfo.node, terms)) return unschedulable('UnschedulableAndUnresolvable', ERR_NODE_CONFLICT)
    }
    return undefined
  }

  /** Before the pod is bound: its delayed claims learn the node, so the provisioner makes their volumes there. */
  async preBind(pod: KubeObject, node: string): Promise<void> {
    if (!this.lookup || !this.annotate) return
    for (const pvc of podVolumes(pod, this.lookup).delayed) {
      if (pvc.metadata.annotations?.[StorageAnnotations.selectedNode] === node) continue
      await this.annotate(String(pvc.metadata.namespace), String(pvc.metadata.name), {[StorageAnnotations.selectedNode]: node})
    }
  }
}
