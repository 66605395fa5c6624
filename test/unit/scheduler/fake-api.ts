// An in-memory stand-in for the apiserver as the scheduler sees it: lists, watch streams, bindings, events, status patches.
import type {KubeList, KubeObject, WatchEvent} from '../../../src/api/types.js'
import type {WatchHandle, WatchOptions} from '../../../src/client/api-client.js'
import type {Target} from '../../../src/client/paths.js'
import type {SchedulerClient} from '../../../src/scheduler/index.js'

type Ref = Exclude<Target, string>
const STORAGE = new Set(['persistentvolumeclaims', 'persistentvolumes', 'storageclasses', 'namespaces', 'poddisruptionbudgets'])

/** Pods and nodes by resource, with watchers; a binding sets spec.nodeName and is announced like the apiserver would. */
export class FakeSchedulerApi implements SchedulerClient {
  private rv = 1
  readonly objects = {pods: new Map<string, KubeObject>(), nodes: new Map<string, KubeObject>()}
  private readonly watchers = {pods: new Set<(ev: WatchEvent) => void>(), nodes: new Set<(ev: WatchEvent) => void>()}
  /** Events the scheduler recorded, and every write as "VERB resource/name". */
  readonly events: KubeObject[] = []
  readonly writes: string[] = []

  private kind(t: Target): 'pods' | 'nodes' {
    const r = (t as Ref).resource
    if (r !== 'pods' && r !== 'nodes') throw new Error(`unexpected resource ${r}`)
    return r
  }

  private key(o: KubeObject): string {
    return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : String(o.metadata.name)
  }

  /** Adds or replaces an object and tells the watchers. */
  put(resource: 'pods' | 'nodes', obj: KubeObject): KubeObject {
    const key = this.key(obj)
    const next = {...obj, metadata: {...obj.metadata, resourceVersion: String(++this.rv)}}
    const type = this.objects[resource].has(key) ? 'MODIFIED' : 'ADDED'
    this.objects[resource].set(key, next)
    for (const w of this.watchers[resource]) w({type, object: next})
    return next
  }

  async list<T extends KubeObject>(target: Target): Promise<KubeList<T>> {
    // Claims, volumes and classes: none in these tests, but the scheduler watches them.
    if (STORAGE.has((target as Ref).resource)) return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: String(this.rv)}, items: []}
    const items = [...this.objects[this.kind(target)].values()] as T[]
    return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: String(this.rv)}, items}
  }

  watch<T extends KubeObject>(target: Target, _opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    if (STORAGE.has((target as Ref).resource)) {
      let stop!: () => void
      const done = new Promise<void>((r) => (stop = r))
      return {stop, done}
    }
    const set = this.watchers[this.kind(target)]
    const w = onEvent as (ev: WatchEvent) => void
    set.add(w)
    let end!: () => void
    const done = new Promise<void>((r) => (end = r))
    return {stop: () => (set.delete(w), end()), done}
  }

  async create<T extends KubeObject>(target: Target, body: T): Promise<T> {
    const ref = target as Ref
    if (ref.resource === 'events') {
      this.events.push(body)
      return body
    }
    if (ref.resource === 'pods' && ref.subresource === 'binding') {
      const pod = this.objects.pods.get(`${ref.namespace}/${ref.name}`)
      if (!pod) throw Object.assign(new Error('not found'), {status: 404})
      this.writes.push(`BIND ${ref.name} ${(body as unknown as {target: {name: string}}).target.name}`)
      this.put('pods', {...pod, spec: {...pod.spec, nodeName: (body as unknown as {target: {name: string}}).target.name}})
      return body
    }
    throw new Error(`unexpected create of ${JSON.stringify(target)}`)
  }

  /** Deletes a pod at once (no grace period) and announces it. */
  async delete<T = unknown>(target: Target): Promise<T> {
    const ref = target as Ref
    const key = `${ref.namespace}/${ref.name}`
    const pod = this.objects.pods.get(key)
    if (ref.resource !== 'pods' || !pod) throw Object.assign(new Error('not found'), {status: 404})
    this.writes.push(`DELETE ${ref.name}`)
    this.objects.pods.delete(key)
    for (const w of this.watchers.pods) w({type: 'DELETED', object: pod})
    return pod as T
  }

  async patch<T extends KubeObject>(target: Target, patch: unknown): Promise<T> {
    const ref = target as Ref
    if (ref.resource === 'events') return patch as T
    const pod = this.objects.pods.get(`${ref.namespace}/${ref.name}`)
    if (ref.resource !== 'pods' || ref.subresource !== 'status' || !pod) throw new Error(`unexpected patch of ${JSON.stringify(target)}`)
    this.writes.push(`STATUS ${ref.name}`)
    return this.put('pods', {...pod, status: {...pod.status, ...(patch as {status?: object}).status}}) as T
  }
}
