// The Node authorizer's graph: which Secrets, ConfigMaps, ServiceAccounts, claims and volumes each node's pods use.
import type {KubeObject} from '../../../api/types.js'
import type {Container, Pod} from '../../../api/types/workloads.js'

/** The kinds of object a node may be related to through its pods. */
export type RelatedKind = 'secret' | 'configmap' | 'serviceaccount' | 'pvc' | 'pv'

/** What one bound pod refers to (namespaced names within the pod's namespace). */
export interface PodEdges {
  node: string
  namespace: string
  secrets: Set<string>
  configMaps: Set<string>
  claims: Set<string>
  serviceAccount: string
}

/** The references of a pod bound to a node, or undefined for a pod not (yet) bound. */
export function podEdges(pod: Pod): PodEdges | undefined {
  const spec = pod.spec
  if (!spec?.nodeName) return undefined
  const secrets = new Set<string>()
  const configMaps = new Set<string>()
  const claims = new Set<string>()
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name)
  }
  for (const s of (spec.imagePullSecrets as {name?: string}[] | undefined) ?? []) add(secrets, s.name)
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec.ephemeralContainers as Container[] | undefined) ?? [])]
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      add(configMaps, e.configMapRef?.name)
      add(secrets, e.secretRef?.name)
    }
    for (const e of c.env ?? []) {
      add(configMaps, e.valueFrom?.configMapKeyRef?.name)
      add(secrets, e.valueFrom?.secretKeyRef?.name)
    }
  }
  for (const v of spec.volumes ?? []) {
    add(configMaps, v.configMap?.name)
    add(secrets, v.secret?.secretName)
    for (const s of v.projected?.sources ?? []) {
      add(configMaps, s.configMap?.name)
      add(secrets, s.secret?.name)
    }
    add(claims, v.persistentVolumeClaim?.claimName)
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (v.ephemeral) add(claims, `${pod.metadata.name}-${v.name}`)
  }
  return {node: spec.nodeName, namespace: pod.metadata.namespace ?? 'default', secrets, configMaps, claims, serviceAccount: spec.serviceAccountName || 'default'}
}

const refKey = (node: string, kind: RelatedKind, namespace: string, name: string): string => `${node}\u0000${kind}\u0000${namespace}\u0000${name}`
const idOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`

/**
 * Node → pods → objects, kept as reference counts so adding, changing and removing pods is cheap and a question
 * ("is this Secret used by a pod on node N?") is one map lookup. Claims are kept to follow PVC → PV.
 */
export class NodeGraph {
  private readonly pods = new Map<string, PodEdges>()
  private readonly refs = new Map<string, number>()
  /** Claim (namespace/name) → the PersistentVolume it is bound to. */
  private readonly claimVolumes = new Map<string, string>()

  /** Records a pod's current state (a pod that is not bound, or deleted, drops its edges). */
  setPod(pod: Pod): void {
    this.deletePod(pod)
    const edges = podEdges(pod)
    if (!edges) return
    this.pods.set(idOf(pod), edges)
    this.count(edges, 1)
  }

  deletePod(pod: KubeObject): void {
    const old = this.pods.get(idOf(pod))
    if (!old) return
    this.pods.delete(idOf(pod))
    this.count(old, -1)
  }

  /** Replaces every pod (a relist after a lost watch). */
  replacePods(pods: Pod[]): void {
    this.pods.clear()
    this.refs.clear()
    for (const p of pods) this.setPod(p)
  }

  replaceClaims(claims: KubeObject[]): void {
    this.claimVolumes.clear()
    for (const c of claims) this.setClaim(c)
  }

  setClaim(claim: KubeObject & {spec?: {volumeName?: string}}): void {
    const volume = claim.spec?.volumeName
    if (volume) this.claimVolumes.set(idOf(claim), volume)
    else this.claimVolumes.delete(idOf(claim))
  }

  deleteClaim(claim: KubeObject): void {
    this.claimVolumes.delete(idOf(claim))
  }

  /** Whether some pod bound to `node` uses the object (a PV through one of its claims; PVs are cluster-scoped). */
  related(node: string, kind: RelatedKind, namespace: string, name: string): boolean {
    if (kind !== 'pv') return (this.refs.get(refKey(node, kind, namespace, name)) ?? 0) > 0
    for (const edges of this.pods.values()) {
      if (edges.node !== node) continue
      for (const claim of edges.claims) if (this.claimVolumes.get(`${edges.namespace}/${claim}`) === name) return true
    }
    return false
  }

  private count(e: PodEdges, delta: number): void {
    const bump = (kind: RelatedKind, name: string) => {
      const k = refKey(e.node, kind, e.namespace, name)
      const n = (this.refs.get(k) ?? 0) + delta
      if (n > 0) this.refs.set(k, n)
      else this.refs.delete(k)
    }
    for (const s of e.secrets) bump('secret', s)
    for (const c of e.configMaps) bump('configmap', c)
    for (const c of e.claims) bump('pvc', c)
    bump('serviceaccount', e.serviceAccount)
  }
}
