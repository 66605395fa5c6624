// Resource quota controller: keeps each ResourceQuota's status.hard (a copy of spec.hard) and status.used (recounted from the namespace's live objects).
import {isDeepStrictEqual} from 'node:util'
import {type Amounts, add, fromAmounts, mask} from '../../api/quota/amounts.js'
import {evaluatorFor, inScopes, type ResourceQuota, resourceOfName} from '../../api/quota/evaluators.js'
import type {KubeObject} from '../../api/types.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type ApiResource, discoverResources, supports} from '../util/discovery.js'
import {messageOf} from '../util/errors.js'

/** How often every quota is recounted even without events (catches kinds without an informer here). */
export const FULL_RESYNC_MS = 30_000
/** How long a discovery answer is trusted when resolving count/<resource>.<group> names. */
const DISCOVERY_TTL_MS = 60_000

const kindKey = (group: string, resource: string) => `${group}/${resource}`

export interface ResourceQuotaControllerOptions {
  client: ControllerClient
  quotas: Lister<ResourceQuota>
  /** Informers of the commonly quota'd kinds, by `group/resource`. */
  listers: Record<string, Lister>
  /** Makes a shared informer for another kind a quota counts (count/<resource>.<group>). */
  informerFor?: (group: string, version: string, resource: string) => Lister
  clock?: Clock
  log?: (msg: string) => void
  resyncMs?: number
}

/** Recomputes quota usage whenever a quota or an object it may count changes, and on a timer. */
export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private discovered?: {at: number; resources: ApiResource[]}
  private readonly listers = new Map<string, Lister>()
  private signal?: AbortSignal

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const enqueue = (q: ResourceQuota) => this.queue.add(objectKey(q))
    opts.quotas.addHandlers({
      onAdd: enqueue,
      // Status changes are this controller's and admission's own writes: only a new spec.hard asks for a recount.
      // Recounting on every charge would race admission with a cache that may not hold the pod just admitted yet.
      onUpdate: (o, n) => isDeepStrictEqual(o.spec?.hard ?? {}, n.spec?.hard ?? {}) || enqueue(n),
      onDelete: () => {},
    })
    for (const [kind, lister] of Object.entries(opts.listers)) this.watchKind(kind, lister)
  }

  /**
   * Creates are charged by admission; what frees quota is a deletion or a change of usage (a pod finishing, a
   * service changing type), as Kubernetes' replenishment controllers watch for.
   */
  private watchKind(kind: string, lister: Lister): void {
    this.listers.set(kind, lister)
    const [group, resource] = kind.split('/')
    const ev = evaluatorFor(group, resource)
    const changed = (o: KubeObject) => this.namespaceChanged(o.metadata.namespace)
    lister.addHandlers({
      onUpdate: (o, n) => {
        const now = new Date(this.clock.now())
        if (!isDeepStrictEqual(ev.usage(o, now), ev.usage(n, now))) changed(n)
      },
      onDelete: changed,
    })
  }

  private namespaceChanged(namespace: string | undefined): void {
    if (!namespace) return
    for (const q of this.opts.quotas.list()) if (q.metadata.namespace === namespace) this.queue.add(objectKey(q))
  }

  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.quotas, ...Object.values(this.opts.listers)]) if (!(await l.waitForSync(signal))) return
    const resync = setInterval(() => {
      for (const q of this.opts.quotas.list()) this.queue.add(objectKey(q))
    }, this.opts.resyncMs ?? FULL_RESYNC_MS)
    signal.addEventListener('abort', () => clearInterval(resync), {once: true})
    const onError = (key: string, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`)
    await processQueue(this.queue, (key) => this.sync(key), {workers: 2, onError})
  }

  /** The served, namespaced, listable resource behind a count/<resource>.<group> name (discovery, cached a minute). */
  private async discover(group: string, resource: string): Promise<ApiResource | undefined> {
    const now = this.clock.now()
    if (!this.discovered || now - this.discovered.at > DISCOVERY_TTL_MS) this.discovered = {at: now, resources: await discoverResources(this.opts.client)}
    return this.discovered.resources.find((r) => r.group === group && r.resource === resource && r.namespaced && supports(r, 'list', 'watch'))
  }

  /**
   * The objects of one kind in a namespace, from an informer cache: the common kinds have one from the start, any
   * other kind a quota counts gets one when first needed (Kubernetes' quota monitors), so its deletions free quota
   * at once too. Without an informer factory (tests) other kinds are listed through the API.
   */
  private async objects(group: string, resource: string, namespace: string): Promise<KubeObject[] | undefined> {
    const kind = kindKey(group, resource)
    let lister = this.listers.get(kind)
    if (!lister) {
      const found = await this.discover(group, resource)
      if (!found) return undefined
      if (!this.opts.informerFor) return (await this.opts.client.list({group, version: found.version, resource, namespace})).items
      lister = this.opts.informerFor(group, found.version, resource)
      this.watchKind(kind, lister)
    }
    if (!(await lister.waitForSync(this.signal))) return undefined
    return lister.list().filter((o) => o.metadata.namespace === namespace)
  }

  /** The usage of every name of `hard` in the quota's namespace (zero for names nothing is charged for). */
  async usage(q: ResourceQuota, hard: Record<string, unknown>): Promise<Amounts> {
    const names = Object.keys(hard)
    const namespace = q.metadata.namespace ?? ''
    let used: Amounts = new Map(names.map((n) => [n, 0n]))
    const kinds = new Map<string, {group: string; resource: string}>()
    for (const n of names) {
      const k = resourceOfName(n)
      if (k) kinds.set(kindKey(k.group, k.resource), k)
    }
    const now = new Date(this.clock.now())
    for (const {group, resource} of kinds.values()) {
      const ev = evaluatorFor(group, resource)
      const tracked = names.filter((n) => ev.matches(n))
      for (const obj of (await this.objects(group, resource, namespace)) ?? []) {
        if (inScopes(q, ev, obj)) used = add(used, mask(ev.usage(obj, now), tracked))
      }
    }
    return used
  }

  async sync(key: string): Promise<void> {
    const q = this.opts.quotas.get(key)
    if (!q || q.metadata.deletionTimestamp) return
    const hard = {...q.spec?.hard}
    const status = {hard, used: fromAmounts(await this.usage(q, hard))}
    if (isDeepStrictEqual(status, {hard: q.status?.hard ?? {}, used: q.status?.used ?? {}})) return
    const target = {version: 'v1', resource: 'resourcequotas', namespace: q.metadata.namespace, name: q.metadata.name, subresource: 'status'}
    // The cached resourceVersion makes this a compare-and-swap: a charge admission made meanwhile wins, and the next sync recounts.
    await this.opts.client.update(target, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: q.metadata, spec: q.spec, status})
  }
}

/** Registry entry: the controller over the manager's shared informers of quotas and the kinds quotas usually count. */
export function newResourceQuotaController(ctx: ControllerContext): ResourceQuotaController {
  const inf = (group: string, resource: string) => ctx.informers.informer({group, version: 'v1', resource})
  const listers: Record<string, Lister> = {}
  for (const r of ['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']) listers[kindKey('', r)] = inf('', r)
  return new ResourceQuotaController({
    client: ctx.client,
    quotas: inf('', 'resourcequotas') as unknown as Lister<ResourceQuota>,
    listers,
    informerFor: (group, version, resource) => ctx.informers.informer({group, version, resource}),
    clock: ctx.clock,
    log: ctx.log,
  })
}
