// Garbage collector: follows ownerReferences across every resource, deletes dependents of vanished owners, runs foreground and orphan deletion.
import {isDeepStrictEqual} from 'node:util'
import type {KubeObject, OwnerReference} from '../../api/types.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import type {ResourceRef} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type ApiResource, discoverResources, supports} from '../util/discovery.js'
import {messageOf} from '../util/errors.js'

/** Finalizer that makes an owner wait until its blocking dependents are gone (propagationPolicy Foreground). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion'
/** Finalizer that makes the collector strip the owner from its dependents first (propagationPolicy Orphan). */
export const ORPHAN_FINALIZER = 'orphan'

/**
 * Groups left out of the graph: events.k8s.io serves the same objects as core v1 events under the same uids, and
 * tracking one object twice would drop it from the graph when either copy's informer deletes it.
 */
const SKIPPED_GROUPS = new Set(['events.k8s.io'])

/** Dependencies of the garbage collector. */
export interface GarbageCollectorOptions {
  client: ControllerClient
  /** What the API serves (discovery over the wire by default). */
  discover: () => Promise<ApiResource[]>
  /** A started, shared informer of one resource across namespaces. */
  informerFor: (r: ApiResource) => Lister
  clock?: Clock
  log?: (msg: string) => void
  /** How often discovery runs again to pick up new resources (CRDs). */
  rediscoverMs?: number
}

interface GraphNode {
  obj: KubeObject
  res: ApiResource
}

const refsOf = (obj: KubeObject): OwnerReference[] => obj.metadata.ownerReferences ?? []
const hasFinalizer = (obj: KubeObject, f: string) => (obj.metadata.finalizers ?? []).includes(f)

/** The owner/dependent graph of every object with its work queue of uids to look at. */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector'
  readonly queue: WorkQueue
  /** Every object seen, by uid. */
  readonly objects = new Map<string, GraphNode>()
  /** Owner uid → uids of objects that reference it (the owner itself may be unknown: a "virtual" node). */
  readonly dependents = new Map<string, Set<string>>()
  private readonly watched = new Map<string, Lister>()
  /** `group/Kind` → resource, to look owners up by their reference. */
  private readonly byKind = new Map<string, ApiResource>()
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    let delay = 200
    while (!signal.aborted) {
      try {
        await this.watchResources(await this.opts.discover())
        break
      } catch (err: unknown) {
        this.log(`discovery failed (will retry): ${messageOf(err)}`)
        await this.clock.sleep(delay, signal)
        delay = Math.min(delay * 2, 10_000)
      }
    }
    // Acting on a partial graph would delete dependents whose owners simply have not been listed yet.
    for (const l of this.watched.values()) if (!(await l.waitForSync(signal))) return
    this.log(`synced ${this.watched.size} resources, ${this.objects.size} objects`)
    const rediscover = this.rediscoverLoop(signal)
    await processQueue(this.queue, (uid) => this.sync(uid), {
      workers: 5,
      onError: (uid, err: unknown) => isConflict(err) || this.log(`sync ${this.describe(uid)} failed (will retry): ${messageOf(err)}`),
    })
    await rediscover
  }

  private async rediscoverLoop(signal: AbortSignal): Promise<void> {
    const every = this.opts.rediscoverMs ?? 60_000
    while (!signal.aborted) {
      await this.clock.sleep(every, signal)
      if (signal.aborted) return
      await this.opts.discover().then((rs) => this.watchResources(rs), (err) => this.log(`rediscovery failed: ${messageOf(err)}`))
    }
  }

  /** Starts following every resource that can be listed, watched and deleted. */
  watchResources(resources: ApiResource[]): void {
    for (const r of resources) {
      if (!supports(r, 'list', 'watch', 'delete') || SKIPPED_GROUPS.has(r.group)) continue
      this.byKind.set(`${r.group}/${r.kind}`, r)
      const id = `${r.group}/${r.resource}`
      if (this.watched.has(id)) continue
      const lister = this.opts.informerFor(r)
      this.watched.set(id, lister)
      lister.addHandlers({
        onAdd: (obj) => this.observe(undefined, obj, r),
        onUpdate: (old, obj) => this.observe(old, obj, r),
        onDelete: (obj) => this.forget(obj),
      })
    }
  }

  private describe(uid: string): string {
    const n = this.objects.get(uid)
    return n ? `${n.res.resource} ${n.obj.metadata.namespace ? n.obj.metadata.namespace + '/' : ''}${n.obj.metadata.name}` : uid
  }

  private link(uid: string, refs: OwnerReference[]): void {
    for (const ref of refs) {
      let set = this.dependents.get(ref.uid)
      if (!set) this.dependents.set(ref.uid, (set = new Set()))
      set.add(uid)
    }
  }

  private unlink(uid: string, refs: OwnerReference[]): void {
    for (const ref of refs) {
      const set = this.dependents.get(ref.uid)
      set?.delete(uid)
      if (set?.size === 0) this.dependents.delete(ref.uid)
    }
  }

  /** Updates the graph for an added or changed object and queues what needs a look. */
  observe(old: KubeObject | undefined, obj: KubeObject, res: ApiResource): void {
    const uid = obj.metadata.uid
    if (!uid) return
    const prev = this.objects.get(uid)?.obj ?? old
    this.objects.set(uid, {obj, res})
    const oldRefs = prev ? refsOf(prev) : []
    const refs = refsOf(obj)
    const refsChanged = !isDeepStrictEqual(oldRefs, refs)
    if (refsChanged) {
      this.unlink(uid, oldRefs)
      this.link(uid, refs)
      // An owner that lost this dependent may be waiting for exactly that (foreground deletion).
      for (const r of oldRefs) if (!refs.some((n) => n.uid === r.uid)) this.queue.add(r.uid)
    }
    if ((!prev || refsChanged) && refs.length > 0) this.queue.add(uid)
    if (obj.metadata.deletionTimestamp && (hasFinalizer(obj, FOREGROUND_FINALIZER) || hasFinalizer(obj, ORPHAN_FINALIZER))) {
      const changed = !prev || !prev.metadata.deletionTimestamp || !isDeepStrictEqual(prev.metadata.finalizers, obj.metadata.finalizers)
      if (changed) this.queue.add(uid)
    }
  }

  /** Drops a deleted object: its dependents lost an owner, its owners may have been waiting for it. */
  forget(obj: KubeObject): void {
    const uid = obj.metadata.uid
    if (!uid) return
    const node = this.objects.get(uid)
    this.objects.delete(uid)
    this.unlink(uid, refsOf(node?.obj ?? obj))
    for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep)
    for (const r of refsOf(node?.obj ?? obj)) this.queue.add(r.uid)
  }

  private target(n: GraphNode): ResourceRef {
    return {group: n.res.group, version: n.res.version, resource: n.res.resource, namespace: n.res.namespaced ? n.obj.metadata.namespace : undefined, name: n.obj.metadata.name}
  }

  /** Looks at one object: finishes its own foreground or orphan deletion, or deletes it when all its owners are gone. */
  async sync(uid: string): Promise<void> {
    const node = this.objects.get(uid)
    if (!node) return
    const obj = node.obj
    if (obj.metadata.deletionTimestamp) {
      if (hasFinalizer(obj, ORPHAN_FINALIZER)) return this.orphanDependents(node)
      if (hasFinalizer(obj, FOREGROUND_FINALIZER)) return this.deleteDependentsFirst(node)
      return
    }
    const refs = refsOf(obj)
    if (refs.length === 0) return
    const solid: OwnerReference[] = []
    const gone: OwnerReference[] = []
    const waiting: OwnerReference[] = []
    for (const ref of refs) {
      const state = await this.ownerState(ref, obj.metadata.namespace)
      if (state === 'absent') gone.push(ref)
      else if (state === 'waiting') waiting.push(ref)
      else solid.push(ref)
    }
    if (solid.length > 0) {
      // Another owner keeps it alive: only drop the references to owners that are gone or going.
      if (gone.length || waiting.length) {
        const drop = new Set([...gone, ...waiting].map((r) => r.uid))
        await this.patchRefs(node, refs.filter((r) => !drop.has(r.uid)))
      }
      return
    }
    // Every owner is gone or going: delete it, in the foreground when an owner waits and it has dependents itself.
    let policy = 'Background'
    if (waiting.length && (this.dependents.get(uid)?.size ?? 0) > 0) policy = 'Foreground'
    else if (hasFinalizer(obj, ORPHAN_FINALIZER)) policy = 'Orphan'
    else if (hasFinalizer(obj, FOREGROUND_FINALIZER)) policy = 'Foreground'
    this.log(`deleting ${this.describe(uid)} (owners gone: ${[...gone, ...waiting].map((r) => `${r.kind}/${r.name}`).join(', ')}; ${policy})`)
    await this.opts.client.delete(this.target(node), {propagationPolicy: policy, preconditions: {uid}}).catch((err) => {
      if (!isNotFound(err) && !isConflict(err)) throw err
    })
  }

  /** present, absent (404 or another uid under that name), or waiting (being deleted in the foreground). */
  private async ownerState(ref: OwnerReference, namespace: string | undefined): Promise<'present' | 'absent' | 'waiting'> {
    const classify = (o: KubeObject) => (o.metadata.deletionTimestamp && hasFinalizer(o, FOREGROUND_FINALIZER) ? 'waiting' : 'present')
    const known = this.objects.get(ref.uid)
    if (known) return classify(known.obj)
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : ''
    const res = this.byKind.get(`${group}/${ref.kind}`)
    // An owner kind the API does not serve cannot be checked; keeping the dependent is the safe side.
    if (!res) return 'present'
    // Not in our caches: ask the apiserver, since the owner's watch may simply be behind the dependent's.
    try {
      const live = await this.opts.client.get<KubeObject>({group: res.group, version: res.version, resource: res.resource, namespace: res.namespaced ? namespace : undefined, name: ref.name})
      return live.metadata.uid === ref.uid ? classify(live) : 'absent'
    } catch (err) {
      if (isNotFound(err)) return 'absent'
      throw err
    }
  }

  private async patchRefs(node: GraphNode, refs: OwnerReference[]): Promise<void> {
    await this.opts.client.patch(this.target(node), {metadata: {resourceVersion: node.obj.metadata.resourceVersion, ownerReferences: refs}}, 'merge').catch((err) => {
      if (!isNotFound(err)) throw err
    })
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const finalizers = (node.obj.metadata.finalizers ?? []).filter((f) => f !== finalizer)
    await this.opts.client.patch(this.target(node), {metadata: {resourceVersion: node.obj.metadata.resourceVersion, finalizers}}, 'merge').catch((err) => {
      if (!isNotFound(err)) throw err
    })
  }

  /** Orphan: remove the owner from every dependent, then let the owner go. */
  private async orphanDependents(owner: GraphNode): Promise<void> {
    const uid = owner.obj.metadata.uid!
    for (const dep of [...(this.dependents.get(uid) ?? [])]) {
      const node = this.objects.get(dep)
      if (!node) continue
      await this.patchRefs(node, refsOf(node.obj).filter((r) => r.uid !== uid))
    }
    await this.removeFinalizer(owner, ORPHAN_FINALIZER)
  }

  /** Foreground: every dependent gets deleted; the owner goes once none that blocks it is left. */
  private async deleteDependentsFirst(owner: GraphNode): Promise<void> {
    const uid = owner.obj.metadata.uid!
    let blocking = 0
    for (const dep of this.dependents.get(uid) ?? []) {
      const node = this.objects.get(dep)
      if (!node) continue
      if (refsOf(node.obj).some((r) => r.uid === uid && r.blockOwnerDeletion)) blocking++
      // Each dependent's own sync sees this owner waiting and deletes it (in the foreground if it owns things too).
      if (!node.obj.metadata.deletionTimestamp) this.queue.add(dep)
    }
    if (blocking === 0) await this.removeFinalizer(owner, FOREGROUND_FINALIZER)
  }
}

/** Registry entry: discovery over the manager's client, one shared informer per resource. */
export function newGarbageCollector(ctx: ControllerContext): GarbageCollector {
  return new GarbageCollector({
    client: ctx.client,
    discover: () => discoverResources(ctx.client),
    informerFor: (r) => ctx.informers.informer({group: r.group || undefined, version: r.version, resource: r.resource}),
    clock: ctx.clock,
    log: ctx.log,
  })
}
