// Deployment controller: one ReplicaSet per template, rolling or recreate rollouts, proportional scaling, revisions, conditions.
import type {KubeObject} from '../../api/types.js'
import type {Deployment, ReplicaSet} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {claimObjects, newControllerRef} from '../util/owners.js'
import {controllerRef} from '../util/pods.js'
import {selectorIsEmpty, selectorMatches} from '../../api/selectors.js'
import {rolloutRecreate, rolloutRolling} from './rollout.js'
import {D_API, D_KIND, DeploymentSync, type DeploymentSyncDeps, RS_KIND, rsTarget} from './sync.js'
import {messageOf} from '../util/errors.js'

/** Dependencies of the Deployment controller. */
export interface DeploymentControllerOptions {
  client: ControllerClient
  deployments: Lister<Deployment>
  replicaSets: Lister<ReplicaSet>
  pods: Lister
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Converges each Deployment's ReplicaSets towards its template and replica count. */
export class DeploymentController implements Controller {
  readonly name = 'deployment'
  readonly queue: WorkQueue
  readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly syncDeps: DeploymentSyncDeps

  constructor(readonly opts: DeploymentControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.syncDeps = {client: opts.client, clock: this.clock, recorder: opts.recorder, requeueAfter: (key, ms) => this.queue.addAfter(key, ms)}
    const enqueue = (d: KubeObject) => this.queue.add(objectKey(d))
    opts.deployments.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue})
    opts.replicaSets.addHandlers({
      onAdd: (rs) => this.rsChanged(undefined, rs),
      onUpdate: (o, n) => this.rsChanged(o, n),
      onDelete: (rs) => this.enqueueOwner(rs),
    })
    // Recreate waits for every old pod to be gone before scaling up: a pod deletion may be what it waits for.
    opts.pods.addHandlers({
      onDelete: (pod) => {
        const ref = controllerRef(pod)
        if (ref?.kind !== RS_KIND) return
        const rs = opts.replicaSets.get(`${pod.metadata.namespace}/${ref.name}`)
        const d = rs && this.ownerOf(rs)
        if (d && d.spec?.strategy?.type === 'Recreate') enqueue(d)
      },
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.deployments, this.opts.replicaSets, this.opts.pods]) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 5,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  private ownerOf(rs: KubeObject): KubeObject | undefined {
    const ref = controllerRef(rs)
    if (ref?.kind !== D_KIND) return undefined
    const d = this.opts.deployments.get(`${rs.metadata.namespace}/${ref.name}`)
    return d?.metadata.uid === ref.uid ? d : undefined
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.ownerOf(rs)
    if (d) this.queue.add(objectKey(d))
  }

  private rsChanged(old: KubeObject | undefined, rs: KubeObject): void {
    if (old && old.metadata.resourceVersion === rs.metadata.resourceVersion) return
    if (old && controllerRef(old)?.uid !== controllerRef(rs)?.uid) this.enqueueOwner(old)
    if (controllerRef(rs)) return this.enqueueOwner(rs)
    // An orphan: every deployment that could adopt it gets a look.
    for (const d of this.opts.deployments.list()) {
      if (d.metadata.namespace === rs.metadata.namespace && !selectorIsEmpty(d.spec?.selector) && selectorMatches(d.spec?.selector, rs.metadata.labels)) this.queue.add(objectKey(d))
    }
  }

  /** Converges one Deployment; every API write that fails throws, and the key is retried with backoff. */
  async sync(key: string): Promise<void> {
    const cached = this.opts.deployments.get(key)
    if (!cached) return
    const {namespace} = splitKey(key)
    // A private, mutable copy: the cache is shared and frozen, and our own writes replace it as we go.
    const s = new DeploymentSync(this.syncDeps, structuredClone(typed(cached, D_API, D_KIND)) as Deployment)
    const selector = cached.spec?.selector
    if (!selector || selectorIsEmpty(selector)) {
      this.opts.recorder.record(s.d, 'Warning', 'SelectingAll', 'Select', 'This deployment is selecting all pods. A non-empty selector is required.')
      if ((cached.status?.observedGeneration ?? 0) < (cached.metadata.generation ?? 1)) await s.writeStatus({...cached.status, observedGeneration: cached.metadata.generation})
      return
    }
    const candidates = this.opts.replicaSets.list().filter((rs) => rs.metadata.namespace === namespace)
    const rsList = await claimObjects({
      client: this.opts.client,
      owner: cached,
      ref: newControllerRef(cached, D_API, D_KIND),
      selector,
      candidates,
      target: (rs) => rsTarget(namespace, rs.metadata.name),
    })
    const uids = new Set(rsList.map((rs) => rs.metadata.uid))
    const pods = this.opts.pods.list().filter((p) => p.metadata.namespace === namespace && uids.has(controllerRef(p)?.uid))
    if (cached.metadata.deletionTimestamp) return s.syncStatusOnly(rsList)
    await s.checkPausedConditions()
    if (s.d.spec?.paused) return s.syncScale(rsList)
    if (await s.isScalingEvent(rsList)) return s.syncScale(rsList)
    if (s.d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(s, rsList, pods)
    return rolloutRolling(s, rsList)
  }
}

/** Registry entry: the controller over the manager's shared Deployment, ReplicaSet and Pod informers. */
export function newDeploymentController(ctx: ControllerContext): DeploymentController {
  return new DeploymentController({
    client: ctx.client,
    deployments: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'deployments'}),
    replicaSets: ctx.informers.informer({group: 'apps', version: 'v1', resource: 'replicasets'}),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    recorder: newRecorder(ctx.client, 'deployment-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
