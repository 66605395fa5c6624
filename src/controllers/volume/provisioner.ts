// The built-in local-path provisioner: for a claim of a class it provisions, once the scheduler chose its pod's node, creates a hostPath PersistentVolume in a directory on that node, pinned there by node affinity, as external provisioners do (the binder then binds it).
import {type Clock, realClock} from '../../api/clock.js'
import {LOCAL_PATH_DIR, LOCAL_PATH_PROVISIONER, StorageAnnotations, StorageFinalizers, storageClassOf, type PersistentVolume, type PersistentVolumeClaim} from '../../api/storage.js'
import {isAlreadyExists, isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'

const PV = {version: 'v1', resource: 'persistentvolumes'}

export interface ProvisionerOptions {
  client: ControllerClient
  claims: Lister<PersistentVolumeClaim>
  volumes: Lister<PersistentVolume>
  classes: Lister
  /** Nodes: a volume whose node is gone has no agent left to clean it up. */
  nodes?: Lister
  recorder: Recorder
  /** The provisioner name classes use to ask for this one. */
  provisioner?: string
  /** The directory on every node under which volumes are made. */
  root?: string
  clock?: Clock
  log?: (msg: string) => void
}

/** The name of the volume provisioned for a claim, as external provisioners name theirs: pvc-<claim uid>. */
export const volumeNameFor = (pvc: PersistentVolumeClaim): string => `pvc-${pvc.metadata.uid}`

/** The PersistentVolume made for a claim on node, with the class's reclaim policy and mount options. */
export function provisionedVolume(pvc: PersistentVolumeClaim, cls: {reclaimPolicy?: string; mountOptions?: string[]}, node: string, provisioner: string, root: string): PersistentVolume {
  const name = volumeNameFor(pvc)
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: {[StorageAnnotations.provisionedBy]: provisioner, [StorageAnnotations.selectedNode]: node},
      // The node's agent removes the directory, then this finalizer, when the volume is deleted.
      finalizers: [StorageFinalizers.localPathCleanup],
    },
    spec: {
      capacity: {storage: String(pvc.spec?.resources?.requests?.storage ?? '')},
      accessModes: [...(pvc.spec?.accessModes ?? [])],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: storageClassOf(pvc),
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      ...(cls.mountOptions ? {mountOptions: [...cls.mountOptions]} : {}),
      claimRef: {kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion},
      hostPath: {path: `${root}/${name}`, type: 'DirectoryOrCreate'},
      nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [node]}]}]}},
    },
  }
}

/** The local-path provisioner controller. */
export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner'
  readonly queue: WorkQueue
  private readonly provisioner: string
  private readonly root: string
  private readonly log: (msg: string) => void

  constructor(private readonly opts: ProvisionerOptions) {
    this.provisioner = opts.provisioner ?? LOCAL_PATH_PROVISIONER
    this.root = opts.root ?? LOCAL_PATH_DIR
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    const enqueue = (c: PersistentVolumeClaim) => this.queue.add(objectKey(c))
    opts.claims.addHandlers({onAdd: enqueue, onUpdate: (_o, c) => enqueue(c)})
    const orphan = (pv: PersistentVolume) => pv.metadata.deletionTimestamp && this.queue.add(`volume:${pv.metadata.name}`)
    opts.volumes.addHandlers({onAdd: orphan, onUpdate: (_o, pv) => orphan(pv)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.claims, this.opts.volumes, this.opts.classes, ...(this.opts.nodes ? [this.opts.nodes] : [])]) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Provisions a volume for the claim if it is ours to provision and has none yet (`volume:` keys: see releaseOrphan). */
  async sync(key: string): Promise<void> {
    if (key.startsWith('volume:')) return this.releaseOrphan(key.slice('volume:'.length))
    const pvc = this.opts.claims.get(key)
    if (!pvc || pvc.metadata.deletionTimestamp || pvc.spec?.volumeName || pvc.status?.phase === 'Bound') return
    const cls = this.opts.classes.get(storageClassOf(pvc))
    if (!cls || cls.provisioner !== this.provisioner) return
    // A claim pre-bound to a static volume by selector is not ours either.
    if (pvc.spec?.selector) {
      this.event(pvc, 'Warning', 'ProvisioningFailed', 'claim.Spec.Selector is not supported for dynamic provisioning')
      return
    }
    const node = pvc.metadata.annotations?.[StorageAnnotations.selectedNode]
    if (!node) {
      if (cls.volumeBindingMode !== 'WaitForFirstConsumer') this.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata.name}": configuration error, no node was specified (local volumes need volumeBindingMode WaitForFirstConsumer)`)
      return
    }
    const name = volumeNameFor(pvc)
    if (this.opts.volumes.get(name)) return
    const claimRef = `${pvc.metadata.namespace}/${pvc.metadata.name}`
    this.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claimRef}"`)
    try {
      await this.opts.client.create(PV, provisionedVolume(pvc, cls as {reclaimPolicy?: string; mountOptions?: string[]}, node, this.provisioner, this.root))
    } catch (err) {
      // Made by an earlier sync whose answer was lost: the same volume, nothing more to do.
      if (isAlreadyExists(err)) return
      this.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata.name}": ${messageOf(err)}`)
      throw err
    }
    this.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`)
  }

  /**
   * A deleted volume of a node that no longer exists keeps its cleanup finalizer forever (the node's agent removes
   * it): the data went with the node, so the finalizer is dropped here.
   */
  private async releaseOrphan(name: string): Promise<void> {
    const pv = this.opts.volumes.get(name)
    const nodes = this.opts.nodes
    if (!pv?.metadata.deletionTimestamp || !nodes || pv.metadata.annotations?.[StorageAnnotations.provisionedBy] !== this.provisioner) return
    const fin = pv.metadata.finalizers ?? []
    if (!fin.includes(StorageFinalizers.localPathCleanup) || fin.includes(StorageFinalizers.pvProtection)) return
    const node = pv.metadata.annotations?.[StorageAnnotations.selectedNode]
    if (!node || nodes.get(node)) return
    const finalizers = fin.filter((f) => f !== StorageFinalizers.localPathCleanup)
    await this.opts.client.patch({...PV, name}, {metadata: {finalizers, resourceVersion: pv.metadata.resourceVersion}}, 'merge')
  }

  private event(pvc: PersistentVolumeClaim, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.opts.recorder.record(typed(pvc, 'v1', 'PersistentVolumeClaim'), type, reason, reason, message)
  }
}

/** Registry entry: the provisioner over the manager's shared informers. */
export function newLocalPathProvisioner(ctx: ControllerContext): LocalPathProvisioner {
  return new LocalPathProvisioner({
    client: ctx.client,
    claims: ctx.informers.informer({version: 'v1', resource: 'persistentvolumeclaims'}),
    volumes: ctx.informers.informer(PV),
    classes: ctx.informers.informer({group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses'}),
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    recorder: newRecorder(ctx.client, `${LOCAL_PATH_PROVISIONER}`, ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
