// Ephemeral volume controller: a pod's generic ephemeral volume gets its PersistentVolumeClaim (<pod>-<volume>, owned by the pod so the garbage collector removes it with the pod), made from the volume's claim template.
import {type Clock, realClock} from '../../api/clock.js'
import type {PersistentVolumeClaim} from '../../api/storage.js'
import type {KubeObject, ObjectMeta} from '../../api/types.js'
import {isAlreadyExists, isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {newControllerRef} from '../util/owners.js'

const PVC = {version: 'v1', resource: 'persistentvolumeclaims'}

interface EphemeralVolume {
  name: string
  ephemeral?: {volumeClaimTemplate?: {metadata?: ObjectMeta; spec?: PersistentVolumeClaim['spec']}}
}

/** The claim of a pod's ephemeral volume, as Kubernetes names it. */
export const ephemeralClaimName = (pod: KubeObject, volume: string): string => `${pod.metadata.name}-${volume}`

/** The claim the controller creates for one ephemeral volume of pod. */
export function ephemeralClaim(pod: KubeObject, v: EphemeralVolume): PersistentVolumeClaim {
  const tpl = v.ephemeral?.volumeClaimTemplate ?? {}
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: ephemeralClaimName(pod, v.name),
      namespace: pod.metadata.namespace,
      ...(tpl.metadata?.labels ? {labels: {...tpl.metadata.labels}} : {}),
      ...(tpl.metadata?.annotations ? {annotations: {...tpl.metadata.annotations}} : {}),
      ownerReferences: [newControllerRef(pod, 'v1', 'Pod')],
    },
    spec: structuredClone(tpl.spec ?? {}),
  }
}

export interface EphemeralOptions {
  client: ControllerClient
  pods: Lister
  claims: Lister<PersistentVolumeClaim>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** The ephemeral volume controller. */
export class EphemeralVolumeController implements Controller {
  readonly name = 'ephemeral-volume'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: EphemeralOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    const enqueue = (p: KubeObject) => (p.spec?.volumes ?? []).some((v: EphemeralVolume) => v.ephemeral) && this.queue.add(objectKey(p))
    opts.pods.addHandlers({onAdd: enqueue, onUpdate: (_o, p) => enqueue(p)})
    // A claim deleted under a live pod is made again.
    opts.claims.addHandlers({
      onDelete: (c) => {
        const owner = (c.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Pod')
        if (owner) this.queue.add(`${c.metadata.namespace}/${owner.name}`)
      },
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.pods.waitForSync(signal)) || !(await this.opts.claims.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Creates the missing claims of one pod's ephemeral volumes. */
  async sync(key: string): Promise<void> {
    const pod = this.opts.pods.get(key)
    if (!pod || pod.metadata.deletionTimestamp) return
    for (const v of (pod.spec?.volumes ?? []) as EphemeralVolume[]) {
      if (!v.ephemeral) continue
      const name = ephemeralClaimName(pod, v.name)
      const existing = this.opts.claims.get(`${pod.metadata.namespace}/${name}`)
      if (existing) {
        // A namesake the pod does not own is not its volume: the pod cannot start (the agent refuses it too).
        if (!(existing.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === pod.metadata.uid)) {
          this.opts.recorder.record(typed(pod, 'v1', 'Pod'), 'Warning', 'FailedBinding', 'Create', `PVC ${pod.metadata.namespace}/${name} was not created for the pod`)
        }
        continue
      }
      try {
        await this.opts.client.create({...PVC, namespace: pod.metadata.namespace}, ephemeralClaim(pod, v))
      } catch (err) {
        if (isAlreadyExists(err)) continue
        this.opts.recorder.record(typed(pod, 'v1', 'Pod'), 'Warning', 'FailedCreate', 'Create', `create PVC ${name}: ${messageOf(err)}`)
        throw err
      }
    }
  }
}

/** Registry entry: the controller over the manager's shared informers. */
export function newEphemeralVolumeController(ctx: ControllerContext): EphemeralVolumeController {
  return new EphemeralVolumeController({
    client: ctx.client,
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    claims: ctx.informers.informer(PVC),
    recorder: newRecorder(ctx.client, 'ephemeral_volume', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
