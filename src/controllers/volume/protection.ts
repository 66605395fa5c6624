// The pvc-protection and pv-protection controllers: a claim being deleted keeps its finalizer while a pod uses it, a volume being deleted keeps its while a claim is bound to it; both add the finalizer to objects that lack it.
import {type Clock, realClock} from '../../api/clock.js'
import {StorageFinalizers, type PersistentVolume, type PersistentVolumeClaim} from '../../api/storage.js'
import type {KubeObject} from '../../api/types.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** Whether a pod still counts as using its claims: it exists and has not finished (a terminating pod still runs). */
export function podUsesClaim(pod: KubeObject, namespace: string, claim: string): boolean {
  if (pod.metadata.namespace !== namespace) return false
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') return false
  return (pod.spec?.volumes ?? []).some((v: {name?: string; persistentVolumeClaim?: {claimName?: string}; ephemeral?: unknown}) =>
    v.persistentVolumeClaim?.claimName === claim || (v.ephemeral !== undefined && `${pod.metadata.name}-${v.name}` === claim))
}

/** A merge patch setting the finalizers, conditional on the version they were read from. */
function finalizersPatch(obj: KubeObject, finalizers: string[]): unknown {
  return {metadata: {finalizers, resourceVersion: obj.metadata.resourceVersion}}
}

interface Options<T extends KubeObject> {
  client: ControllerClient
  objects: Lister<T>
  clock?: Clock
  log?: (msg: string) => void
}

/** What differs between the two: the finalizer, the resource, and what "in use" means. */
abstract class ProtectionController<T extends KubeObject> implements Controller {
  abstract readonly name: string
  readonly queue: WorkQueue
  protected readonly log: (msg: string) => void
  protected abstract readonly finalizer: string
  protected abstract readonly resource: {version: string; resource: string}

  constructor(protected readonly opts: Options<T>) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    opts.objects.addHandlers({onAdd: (o) => this.queue.add(objectKey(o)), onUpdate: (_o, n) => this.queue.add(objectKey(n))})
  }

  protected abstract inUse(obj: T): boolean
  protected abstract listers(): Lister[]

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of this.listers()) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 1,
      onError: (key, err) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Adds the finalizer to a live object, or removes it from a deleting one no longer in use. */
  async sync(key: string): Promise<void> {
    const obj = this.opts.objects.get(key)
    if (!obj) return
    const fin = obj.metadata.finalizers ?? []
    const has = fin.includes(this.finalizer)
    const target = {...this.resource, namespace: obj.metadata.namespace, name: obj.metadata.name}
    if (!obj.metadata.deletionTimestamp) {
      if (!has) await this.opts.client.patch(target, finalizersPatch(obj, [...fin, this.finalizer]), 'merge')
      return
    }
    if (!has || this.inUse(obj)) return
    await this.opts.client.patch(target, finalizersPatch(obj, fin.filter((f) => f !== this.finalizer)), 'merge')
  }
}

/** Keeps a claim while a pod uses it. */
export class PVCProtectionController extends ProtectionController<PersistentVolumeClaim> {
  readonly name = 'pvc-protection'
  protected readonly finalizer = StorageFinalizers.pvcProtection
  protected readonly resource = {version: 'v1', resource: 'persistentvolumeclaims'}

  constructor(opts: Options<PersistentVolumeClaim> & {pods: Lister}) {
    super(opts)
    // A pod going away (or finishing) may free the claims it mounted.
    const requeue = (pod: KubeObject) => {
      for (const v of pod.spec?.volumes ?? []) {
        const claim = v?.persistentVolumeClaim?.claimName ?? (v?.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined)
        if (claim) this.queue.add(`${pod.metadata.namespace}/${claim}`)
      }
    }
    opts.pods.addHandlers({onUpdate: (_o, p) => requeue(p), onDelete: requeue})
    this.pods = opts.pods
  }

  private readonly pods: Lister

  protected listers(): Lister[] {
    return [this.opts.objects, this.pods]
  }

  protected inUse(pvc: PersistentVolumeClaim): boolean {
    const ns = String(pvc.metadata.namespace)
    const name = String(pvc.metadata.name)
    return this.pods.list().some((p) => podUsesClaim(p, ns, name))
  }
}

/** Keeps a volume while a claim is bound to it. */
export class PVProtectionController extends ProtectionController<PersistentVolume> {
  readonly name = 'pv-protection'
  protected readonly finalizer = StorageFinalizers.pvProtection
  protected readonly resource = {version: 'v1', resource: 'persistentvolumes'}

  protected listers(): Lister[] {
    return [this.opts.objects]
  }

  protected inUse(pv: PersistentVolume): boolean {
    return pv.status?.phase === 'Bound'
  }
}

/** Registry entries over the manager's shared informers. */
export function newPVCProtectionController(ctx: ControllerContext): PVCProtectionController {
  return new PVCProtectionController({client: ctx.client, objects: ctx.informers.informer({version: 'v1', resource: 'persistentvolumeclaims'}), pods: ctx.informers.informer({version: 'v1', resource: 'pods'}), clock: ctx.clock, log: ctx.log})
}

export function newPVProtectionController(ctx: ControllerContext): PVProtectionController {
  return new PVProtectionController({client: ctx.client, objects: ctx.informers.informer({version: 'v1', resource: 'persistentvolumes'}), clock: ctx.clock, log: ctx.log})
}
