// PersistentVolume controller (the binder): binds claims to volumes, keeps both sides' phases, hands claims to provisioners, and reclaims volumes whose claim is gone (Retain keeps them Released, Delete removes them).
import {type Clock, realClock} from '../../api/clock.js'
import {isDefaultClass, LOCAL_PATH_PROVISIONER, StorageAnnotations, storageClassOf, type PersistentVolume, type PersistentVolumeClaim} from '../../api/storage.js'
import type {KubeObject} from '../../api/types.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {boundClaimStatus, claimBoundTo, claimQueueKey, findMatchingVolume, isVolumeBoundToClaim, volumeBoundTo, volumeQueueKey} from './match.js'

const PVC = {version: 'v1', resource: 'persistentvolumeclaims'}
const PV = {version: 'v1', resource: 'persistentvolumes'}
/** How often every claim and volume is looked at again, as kube-controller-manager's 15 s PV controller resync. */
export const RESYNC_MS = 15_000

export interface BinderOptions {
  client: ControllerClient
  claims: Lister<PersistentVolumeClaim>
  volumes: Lister<PersistentVolume>
  classes: Lister
  nodes: Lister
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** The PV binder. */
export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void
  private readonly clock: Clock

  constructor(private readonly opts: BinderOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const claim = (c: PersistentVolumeClaim) => this.queue.add(claimQueueKey(c))
    opts.claims.addHandlers({
      onAdd: claim,
      onUpdate: (_o, c) => claim(c),
      // Its volume is released now.
      onDelete: (c) => {
        if (c.spec?.volumeName) this.queue.add(volumeQueueKey(c.spec.volumeName))
        for (const pv of opts.volumes.list()) if (isVolumeBoundToClaim(pv, c)) this.queue.add(volumeQueueKey(String(pv.metadata.name)))
      },
    })
    const volume = (pv: PersistentVolume) => {
      this.queue.add(volumeQueueKey(String(pv.metadata.name)))
      const ref = pv.spec?.claimRef
      if (ref?.name) this.queue.add(`claim:${ref.namespace ?? ''}/${ref.name}`)
    }
    opts.volumes.addHandlers({onAdd: volume, onUpdate: (_o, pv) => volume(pv), onDelete: volume})
    // A new class (a new default) may be what a pending claim waits for.
    opts.classes.addHandlers({onAdd: () => this.enqueuePendingClaims(), onUpdate: () => this.enqueuePendingClaims()})
  }

  private enqueuePendingClaims(): void {
    for (const c of this.opts.claims.list()) if (c.status?.phase !== 'Bound') this.queue.add(claimQueueKey(c))
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.claims, this.opts.volumes, this.opts.classes, this.opts.nodes]) if (!(await l.waitForSync(signal))) return
    const resync = async () => {
      while (!signal.aborted) {
        await this.clock.sleep(RESYNC_MS, signal)
        for (const c of this.opts.claims.list()) this.queue.add(claimQueueKey(c))
        for (const v of this.opts.volumes.list()) this.queue.add(volumeQueueKey(String(v.metadata.name)))
      }
    }
    await Promise.all([
      resync(),
      processQueue(this.queue, (key) => this.sync(key), {
        workers: 1,
        onError: (key, err) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
      }),
    ])
  }

  /** Syncs the claim or the volume the key names. */
  async sync(key: string): Promise<void> {
    const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)]
    if (kind === 'claim') {
      const pvc = this.opts.claims.get(rest)
      if (pvc) await this.syncClaim(pvc)
    } else {
      const pv = this.opts.volumes.get(rest)
      if (pv) await this.syncVolume(pv)
    }
  }

  private event(pvc: PersistentVolumeClaim | PersistentVolume, type: 'Normal' | 'Warning', reason: string, message: string): void {
    // Claims are namespaced, volumes are not.
    this.opts.recorder.record(typed(pvc, 'v1', pvc.metadata.namespace ? 'PersistentVolumeClaim' : 'PersistentVolume'), type, reason, reason, message)
  }

  private storageClass(name: string): KubeObject | undefined {
    return name ? this.opts.classes.get(name) : undefined
  }

  // ---- claims ----

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    if (pvc.metadata.deletionTimestamp) return
    // Claims made before any default class existed get it now (retroactive default StorageClass assignment).
    if ((pvc.spec?.storageClassName === undefined || pvc.spec.storageClassName === null) && pvc.metadata.annotations?.[StorageAnnotations.betaClass] === undefined) {
      const def = this.opts.classes.list().filter(isDefaultClass).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0]
      if (def && !pvc.spec?.volumeName) {
        const next = structuredClone(pvc) as PersistentVolumeClaim
        next.spec = {...next.spec, storageClassName: def.metadata.name}
        await this.opts.client.update({...PVC, namespace: pvc.metadata.namespace, name: pvc.metadata.name}, next)
        return
      }
    }
    if (pvc.metadata.annotations?.[StorageAnnotations.bindCompleted] === undefined) return this.syncUnboundClaim(pvc)
    return this.syncBoundClaim(pvc)
  }

  private async syncUnboundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const volumeName = pvc.spec?.volumeName
    if (!volumeName) {
      const cls = this.storageClass(storageClassOf(pvc))
      const delayBinding = cls?.volumeBindingMode === 'WaitForFirstConsumer'
      const selectedNode = pvc.metadata.annotations?.[StorageAnnotations.selectedNode]
      const node = selectedNode ? this.opts.nodes.get(selectedNode) : undefined
      const pv = findMatchingVolume(pvc, this.opts.volumes.list(), {delayBinding, node})
      if (pv) return this.bind(pvc, pv)
      await this.setClaimPhase(pvc, 'Pending')
      if (delayBinding && !selectedNode) {
        this.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding')
        return
      }
      const className = storageClassOf(pvc)
      if (!className) {
        this.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set')
        return
      }
      if (!cls) {
        this.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`)
        return
      }
      return this.handOverToProvisioner(pvc, String(cls.provisioner ?? ''))
    }
    // Pre-bound by the user to a named volume.
    const pv = this.opts.volumes.get(volumeName)
    if (!pv) {
      await this.setClaimPhase(pvc, 'Pending')
      return
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) return this.bind(pvc, pv)
    await this.setClaimPhase(pvc, 'Pending')
    this.event(pvc, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`)
  }

  /** Marks the claim for its class's provisioner, as the PV controller does for external provisioners, and says so. */
  private async handOverToProvisioner(pvc: PersistentVolumeClaim, provisioner: string): Promise<void> {
    const a = pvc.metadata.annotations ?? {}
    if (a[StorageAnnotations.storageProvisioner] !== provisioner) {
      const annotations = {[StorageAnnotations.storageProvisioner]: provisioner, [StorageAnnotations.storageProvisionerBeta]: provisioner}
      await this.opts.client.patch({...PVC, namespace: pvc.metadata.namespace, name: pvc.metadata.name}, {metadata: {annotations}}, 'merge')
    }
    // The built-in provisioner speaks for itself (Provisioning/ProvisioningSucceeded); others get the usual hint.
    if (provisioner === LOCAL_PATH_PROVISIONER) return
    this.event(pvc, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`)
  }

  private async syncBoundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const volumeName = pvc.spec?.volumeName
    if (!volumeName) {
      if (pvc.status?.phase !== 'Lost') this.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!')
      return this.setClaimPhase(pvc, 'Lost')
    }
    const pv = this.opts.volumes.get(volumeName)
    if (!pv) {
      if (pvc.status?.phase !== 'Lost') this.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!')
      return this.setClaimPhase(pvc, 'Lost')
    }
    if (!pv.spec?.claimRef) return this.bind(pvc, pv)
    if (isVolumeBoundToClaim(pv, pvc)) return this.bind(pvc, pv)
    if (pvc.status?.phase !== 'Lost') this.event(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly')
    return this.setClaimPhase(pvc, 'Lost')
  }

  /**
   * Binds both sides in Kubernetes' order: the volume's claimRef, its phase, the claim's volumeName and annotations,
   * its status. Each step is skipped when already done, so an interrupted bind completes on the next sync.
   */
  private async bind(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    let volume = pv
    const ref = pv.spec?.claimRef
    if (!(ref && ref.uid === pvc.metadata.uid && isVolumeBoundToClaim(pv, pvc))) {
      volume = await this.opts.client.update<PersistentVolume>({...PV, name: pv.metadata.name}, volumeBoundTo(pv, pvc))
    }
    if (volume.status?.phase !== 'Bound') {
      volume = await this.opts.client.update<PersistentVolume>({...PV, name: pv.metadata.name, subresource: 'status'}, {...structuredClone(volume), status: {...volume.status, phase: 'Bound'}})
    }
    let claim = pvc
    if (pvc.spec?.volumeName !== pv.metadata.name || pvc.metadata.annotations?.[StorageAnnotations.bindCompleted] === undefined) {
      claim = await this.opts.client.update<PersistentVolumeClaim>({...PVC, namespace: pvc.metadata.namespace, name: pvc.metadata.name}, claimBoundTo(pvc, pv))
    }
    const status = boundClaimStatus(claim, volume)
    if (JSON.stringify(status) !== JSON.stringify(claim.status ?? {})) {
      await this.opts.client.update({...PVC, namespace: pvc.metadata.namespace, name: pvc.metadata.name, subresource: 'status'}, {...structuredClone(claim), status})
    }
  }

  private async setClaimPhase(pvc: PersistentVolumeClaim, phase: string): Promise<void> {
    if (pvc.status?.phase === phase) return
    await this.opts.client.update({...PVC, namespace: pvc.metadata.namespace, name: pvc.metadata.name, subresource: 'status'}, {...structuredClone(pvc), status: {...pvc.status, phase}})
  }

  // ---- volumes ----

  private async setVolumePhase(pv: PersistentVolume, phase: string, message?: string): Promise<PersistentVolume> {
    if (pv.status?.phase === phase && (message === undefined || pv.status.message === message)) return pv
    const status = {...pv.status, phase, ...(message !== undefined ? {message} : {}), lastPhaseTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')}
    if (message === undefined) delete status.message
    return this.opts.client.update<PersistentVolume>({...PV, name: pv.metadata.name, subresource: 'status'}, {...structuredClone(pv), status})
  }

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    const ref = pv.spec?.claimRef
    // Unbound, or pre-bound to a claim that has not been bound yet: free for the claim.
    if (!ref || !ref.uid) {
      await this.setVolumePhase(pv, 'Available')
      return
    }
    const pvc = this.opts.claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`)
    if (!pvc || pvc.metadata.uid !== ref.uid) return this.reclaim(pv)
    if (!pvc.spec?.volumeName) {
      // Bound on this side only: the claim's sync completes it.
      this.queue.add(claimQueueKey(pvc))
      return
    }
    if (pvc.spec.volumeName === pv.metadata.name) {
      await this.setVolumePhase(pv, 'Bound')
      return
    }
    // The claim went to another volume: a binding the controller made is undone; a user's is left alone.
    if (pv.metadata.annotations?.[StorageAnnotations.boundByController] !== undefined) {
      const next = structuredClone(pv) as PersistentVolume
      delete next.spec!.claimRef
      const annotations = {...next.metadata.annotations}
      delete annotations[StorageAnnotations.boundByController]
      next.metadata.annotations = annotations
      const updated = await this.opts.client.update<PersistentVolume>({...PV, name: pv.metadata.name}, next)
      await this.setVolumePhase(updated, 'Available')
    }
  }

  /** The claim is gone: Released, then the reclaim policy says what happens to the volume. */
  private async reclaim(pv: PersistentVolume): Promise<void> {
    if (pv.status?.phase === 'Failed') return
    let volume = pv
    if (pv.status?.phase !== 'Released') volume = await this.setVolumePhase(pv, 'Released')
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain'
    if (policy === 'Retain') return
    if (policy === 'Recycle') {
      this.event(volume, 'Warning', 'VolumeFailedRecycle', 'Recycle is deprecated and not supported by skiff; use Retain or Delete')
      await this.setVolumePhase(volume, 'Failed', 'Recycle is not supported')
      return
    }
    // Delete: volumes of the built-in provisioner go, their data removed by their node's agent (a finalizer waits for it).
    if (pv.metadata.annotations?.[StorageAnnotations.provisionedBy] === LOCAL_PATH_PROVISIONER) {
      if (pv.metadata.deletionTimestamp) return
      await this.opts.client.delete({...PV, name: pv.metadata.name}, {preconditions: {uid: pv.metadata.uid}})
      return
    }
    const message = `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`
    this.event(volume, 'Warning', 'VolumeFailedDelete', message)
    await this.setVolumePhase(volume, 'Failed', message)
  }
}

/** Registry entry: the binder over the manager's shared informers. */
export function newPersistentVolumeBinder(ctx: ControllerContext): PersistentVolumeBinder {
  return new PersistentVolumeBinder({
    client: ctx.client,
    claims: ctx.informers.informer(PVC),
    volumes: ctx.informers.informer(PV),
    classes: ctx.informers.informer({group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses'}),
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    recorder: newRecorder(ctx.client, 'persistentvolume-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
