// Namespace controller: empties a terminating namespace of every namespaced object, then finalizes it so the apiserver removes it.
import {isDeepStrictEqual} from 'node:util'
import type {KubeObject} from '../../api/types.js'
import type {Namespace} from '../../api/types/cluster.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type ApiResource, discoverResources, supports} from '../util/discovery.js'
import {kubeTime} from '../util/pods.js'
import {messageOf} from '../util/errors.js'

/** The spec finalizer this controller owns. */
export const NAMESPACE_FINALIZER = 'kubernetes'

/** Dependencies of the namespace controller. */
export interface NamespaceControllerOptions {
  client: ControllerClient
  namespaces: Lister<Namespace>
  discover: () => Promise<ApiResource[]>
  clock?: Clock
  log?: (msg: string) => void
  /** How soon to look again while content is still going away (pods terminate gracefully). */
  recheckMs?: number
}

interface Condition {
  type: string
  status: string
  lastTransitionTime?: string
  reason: string
  message: string
}

/** The five deletion conditions Kubernetes reports on a terminating namespace, from what one pass found. */
export function deletionConditions(found: {discoveryError?: string; deleteErrors: string[]; remaining: Map<string, number>; finalizers: Map<string, number>}): Omit<Condition, 'lastTransitionTime'>[] {
  const list = (m: Map<string, number>, what: (k: string, n: number) => string) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => what(k, n)).join(', ')
  return [
    found.discoveryError
      ? {type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: `Discovery failed for some groups: ${found.discoveryError}`}
      : {type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered'},
    {type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed'},
    found.deleteErrors.length
      ? {type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${found.deleteErrors.length} remaining: ${found.deleteErrors.join(', ')}`}
      : {type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization'},
    found.remaining.size
      ? {type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${list(found.remaining, (r, n) => `${r} has ${n} resource instances`)}`}
      : {type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed'},
    found.finalizers.size
      ? {type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${list(found.finalizers, (f, n) => `${f} in ${n} resource instances`)}`}
      : {type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished'},
  ]
}

/** Deletes the contents of terminating namespaces and removes the `kubernetes` finalizer when they are empty. */
export class NamespaceController implements Controller {
  readonly name = 'namespace'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: NamespaceControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const enqueue = (ns: KubeObject) => ns.metadata.deletionTimestamp && this.queue.add(ns.metadata.name!)
    opts.namespaces.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.namespaces.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** One pass over a terminating namespace: delete what is left, report, and finalize once nothing remains. */
  async sync(name: string): Promise<void> {
    const ns = this.opts.namespaces.get(name)
    if (!ns?.metadata.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return
    let resources: ApiResource[]
    try {
      resources = await this.opts.discover()
    } catch (err: unknown) {
      await this.writeConditions(ns, deletionConditions({discoveryError: messageOf(err), deleteErrors: [], remaining: new Map(), finalizers: new Map()}))
      throw err
    }
    const found = {deleteErrors: [] as string[], remaining: new Map<string, number>(), finalizers: new Map<string, number>()}
    for (const r of resources) {
      if (!r.namespaced || !supports(r, 'list', 'delete')) continue
      const target = {group: r.group || undefined, version: r.version, resource: r.resource, namespace: name}
      const id = r.group ? `${r.resource}.${r.group}` : `${r.resource}.`
      let items: KubeObject[]
      try {
        items = (await this.opts.client.list(target)).items ?? []
      } catch (err: unknown) {
        if (!isNotFound(err)) found.deleteErrors.push(`${id}: ${messageOf(err)}`)
        continue
      }
      let left = 0
      for (const item of items) {
        if (!item.metadata.deletionTimestamp) {
          try {
            const answer = await this.opts.client.delete<Partial<KubeObject> | undefined>({...target, name: item.metadata.name}, {propagationPolicy: 'Background', preconditions: {uid: item.metadata.uid}})
            // A Status (or the object without a deletion mark) means it is gone now; a marked object is still terminating.
            if (answer?.kind === 'Status' || !answer?.metadata?.deletionTimestamp) continue
          } catch (err: unknown) {
            if (isNotFound(err)) continue
            found.deleteErrors.push(`${id}: ${messageOf(err)}`)
          }
        }
        left++
        for (const f of item.metadata.finalizers ?? []) found.finalizers.set(f, (found.finalizers.get(f) ?? 0) + 1)
      }
      if (left) found.remaining.set(id, left)
    }
    await this.writeConditions(ns, deletionConditions(found))
    if (found.deleteErrors.length) throw new Error(`namespace ${name}: ${found.deleteErrors.join('; ')}`)
    if (found.remaining.size) {
      this.queue.addAfter(name, this.opts.recheckMs ?? 1000)
      return
    }
    const fresh = await this.opts.client.get<Namespace>({version: 'v1', resource: 'namespaces', name})
    const finalizers = (fresh.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER)
    await this.opts.client.update({version: 'v1', resource: 'namespaces', name, subresource: 'finalize'}, {...fresh, apiVersion: 'v1', kind: 'Namespace', spec: {...fresh.spec, finalizers}})
    this.log(`namespace ${name} is empty; finalized`)
  }

  private async writeConditions(ns: Namespace, wanted: Omit<Condition, 'lastTransitionTime'>[]): Promise<void> {
    const current = (ns.status?.conditions ?? []) as Condition[]
    const now = kubeTime(this.clock.now())
    const conditions = wanted.map((c) => {
      const cur = current.find((x) => x.type === c.type)
      return {...c, lastTransitionTime: cur && cur.status === c.status ? cur.lastTransitionTime : now}
    })
    const same = (a: Condition[], b: Condition[]) => isDeepStrictEqual(a.map(({lastTransitionTime: _t, ...c}) => c), b.map(({lastTransitionTime: _t, ...c}) => c))
    if (same(conditions, current)) return
    await this.opts.client.update({version: 'v1', resource: 'namespaces', name: ns.metadata.name, subresource: 'status'}, {...ns, apiVersion: 'v1', kind: 'Namespace', status: {...ns.status, conditions}})
  }
}

/** Registry entry: the controller over the manager's shared Namespace informer, learning resources by discovery. */
export function newNamespaceController(ctx: ControllerContext): NamespaceController {
  return new NamespaceController({
    client: ctx.client,
    namespaces: ctx.informers.informer({version: 'v1', resource: 'namespaces'}),
    discover: () => discoverResources(ctx.client),
    clock: ctx.clock,
    log: ctx.log,
  })
}
