// The ConfigMaps, Secrets, claims and volumes of the node's pods, read one by one as the Node authorizer allows (no cluster-wide list).
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {PersistentVolume, PersistentVolumeClaim} from '../../api/storage.js'
import type {ApiClient} from '../../client/api-client.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isForbidden, isNotFound} from '../../client/errors.js'
import {Informer} from '../../client/informer.js'
import type {ObjectLookup} from './env.js'

/** Names of the ConfigMaps and Secrets a pod spec refers to (env, envFrom, volumes). */
export function podReferences(pod: Pod): {configMaps: Set<string>; secrets: Set<string>} {
  const configMaps = new Set<string>()
  const secrets = new Set<string>()
  const spec = pod.spec ?? {containers: []}
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) configMaps.add(e.configMapRef.name)
      if (e.secretRef?.name) secrets.add(e.secretRef.name)
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name)
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name)
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name)
    if (v.secret?.secretName) secrets.add(v.secret.secretName)
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name)
      if (s.secret?.name) secrets.add(s.secret.name)
    }
  }
  return {configMaps, secrets}
}

/** The claims of a pod's volumes (a generic ephemeral volume's claim is named <pod>-<volume>). */
export function podClaims(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : v.ephemeral ? [`${pod.metadata.name}-${v.name}`] : []))
}

const decode = (data: Record<string, string> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(String(v), 'base64').toString('utf8')
  return out
}

/** The reads it makes: one-name list+watch for ConfigMaps and Secrets, get for claims and volumes. */
export type PodObjectClient = Pick<ApiClient, 'get' | 'list' | 'watch'>

interface Watched {
  informer: Informer
  stop: AbortController
  /** Uids of the pods using it. */
  pods: Set<string>
}

/**
 * What the node's pods use, read as the Node authorizer allows: each ConfigMap and Secret through its own list+watch
 * narrowed to its name (the kubelet's watch-based manager: changes reach volumes at once), claims and volumes by a
 * get right before each sync (nodes may only get those). A watch refused right after a pod was bound (the
 * authorizer's graph has not seen the binding yet) retries with the informer's backoff.
 */
export class PodObjects {
  private readonly watched = new Map<string, Watched>()
  private readonly byPod = new Map<string, Set<string>>()
  private readonly fetched = new Map<string, KubeObject>()
  private readonly clock: Clock
  private readonly log: (m: string) => void
  private readonly syncTimeoutMs: number
  private signal: AbortSignal = new AbortController().signal

  constructor(private readonly client: PodObjectClient, private readonly onChange: (podUID: string) => void, opts: {clock?: Clock; log?: (m: string) => void; syncTimeoutMs?: number} = {}) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.syncTimeoutMs = opts.syncTimeoutMs ?? 5000
  }

  /** Watches end when signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal
  }

  /** Follows what `pod` uses now; resolves true when a claim is not bound (or its volume not found) yet. */
  async refresh(uid: string, pod: Pod): Promise<boolean> {
    const ns = pod.metadata.namespace ?? 'default'
    const refs = podReferences(pod)
    const keys = new Set([...[...refs.configMaps].map((n) => `configmaps/${ns}/${n}`), ...[...refs.secrets].map((n) => `secrets/${ns}/${n}`)])
    for (const k of this.byPod.get(uid) ?? []) if (!keys.has(k)) this.release(k, uid)
    this.byPod.set(uid, keys)
    const syncs = [...keys].map((k) => this.follow(k, uid))
    let waiting = false
    const claims = podClaims(pod).map(async (n) => {
      const claim = (await this.fetch(`pvc/${ns}/${n}`, {version: 'v1', resource: 'persistentvolumeclaims', namespace: ns, name: n})) as PersistentVolumeClaim | undefined
      const volume = claim?.spec?.volumeName
      if (!volume || !(await this.fetch(`pv/${volume}`, {version: 'v1', resource: 'persistentvolumes', name: volume}))) waiting = true
    })
    // A watch not synced in time leaves the object missing for this sync; its arrival queues the pod again.
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(), this.syncTimeoutMs)
    timer.unref?.()
    try {
      await Promise.all([...syncs.map((w) => w.informer.waitForSync(AbortSignal.any([timeout.signal, this.signal]))), ...claims])
    } finally {
      clearTimeout(timer)
    }
    return waiting
  }

  /** Stops following what only the pod with this uid used. */
  forget(uid: string, pod?: Pod): void {
    for (const k of this.byPod.get(uid) ?? []) this.release(k, uid)
    this.byPod.delete(uid)
    if (!pod) return
    const ns = pod.metadata.namespace ?? 'default'
    for (const n of podClaims(pod)) this.fetched.delete(`pvc/${ns}/${n}`)
  }

  /** The lookup pod workers read from (synchronous: refresh ran before the sync). */
  lookup(): ObjectLookup {
    const get = (key: string) => {
      const [, ns, name] = key.split('/')
      return this.watched.get(key)?.informer.get(`${ns}/${name}`) as (KubeObject & {data?: Record<string, string>; binaryData?: Record<string, string>}) | undefined
    }
    return {
      claim: (ns, name) => this.fetched.get(`pvc/${ns}/${name}`) as PersistentVolumeClaim | undefined,
      volume: (name) => this.fetched.get(`pv/${name}`) as PersistentVolume | undefined,
      configMap(ns, name) {
        const cm = get(`configmaps/${ns}/${name}`)
        return cm ? {...(cm.data ?? {}), ...decode(cm.binaryData)} : undefined
      },
      secret(ns, name) {
        const s = get(`secrets/${ns}/${name}`)
        return s ? decode(s.data) : undefined
      },
    }
  }

  /** Objects followed right now (for tests and the memory budget). */
  watchCount(): number {
    return this.watched.size
  }

  private follow(key: string, uid: string): Watched {
    let w = this.watched.get(key)
    if (!w) {
      const [resource, namespace, name] = key.split('/')
      const stop = new AbortController()
      const informer = new Informer(this.client, {version: 'v1', resource, namespace}, {
        fieldSelector: `metadata.name=${name}`, clock: this.clock, log: this.log, backoff: {initialMs: 200, maxMs: 10_000},
      })
      const changed = () => {
        for (const p of this.watched.get(key)?.pods ?? []) this.onChange(p)
      }
      informer.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
      w = {informer, stop, pods: new Set()}
      this.watched.set(key, w)
      void informer.run(AbortSignal.any([stop.signal, this.signal])).catch((err) => this.log(`watch of ${key}: ${err?.message ?? err}`))
    }
    w.pods.add(uid)
    return w
  }

  private release(key: string, uid: string): void {
    const w = this.watched.get(key)
    if (!w) return
    w.pods.delete(uid)
    if (w.pods.size > 0) return
    w.stop.abort()
    this.watched.delete(key)
  }

  private async fetch(key: string, ref: Parameters<PodObjectClient['get']>[0]): Promise<KubeObject | undefined> {
    try {
      const obj = await this.client.get(ref)
      this.fetched.set(key, obj)
      return obj
    } catch (err) {
      if (isNotFound(err)) {
        this.fetched.delete(key)
        return undefined
      }
      // Keep what was read before (an apiserver restart must not empty a running pod's volumes); a 403 right after
      // binding is the authorizer catching up, and the pod's next sync reads again.
      if (!isForbidden(err)) this.log(`reading ${key}: ${err instanceof Error ? err.message : String(err)}`)
      return this.fetched.get(key)
    }
  }
}
