// Taint eviction (the taint manager): pods on a node with a NoExecute taint they do not tolerate go at once; tolerated for tolerationSeconds, they go when that runs out.
import type {Node, Taint} from '../../api/types/cluster.js'
import type {Pod, Toleration} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {toleratesTaint} from '../../api/taints.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {newRecorder, type Recorder, typed} from '../util/events.js'

/** When a pod must go: now, at a time (ms), or never (every NoExecute taint tolerated forever). */
export type EvictionTime = {at: number} | 'never'

/**
 * When a pod on a node with taints must be evicted, as Kubernetes' taint manager decides: an untolerated NoExecute
 * taint means now (at = -Infinity); otherwise the earliest taint's timeAdded plus the shortest tolerationSeconds of
 * the tolerations matching it (negative counts as zero); tolerations without seconds tolerate forever.
 */
export function evictionTime(taints: readonly Taint[], tolerations: readonly Toleration[], nowMs: number): EvictionTime {
  let earliest = Infinity
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue
    const matching = tolerations.filter((t) => toleratesTaint(t, taint))
    if (matching.length === 0) return {at: -Infinity}
    const seconds = matching.map((t) => (t.tolerationSeconds === undefined || t.tolerationSeconds === null ? Infinity : Math.max(0, t.tolerationSeconds)))
    const shortest = Math.min(...seconds)
    if (shortest === Infinity) continue
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN
    // A taint without timeAdded counts from now (it was just observed), as the taint manager uses the time it saw it.
    earliest = Math.min(earliest, (Number.isFinite(added) ? added : nowMs) + shortest * 1000)
  }
  return earliest === Infinity ? 'never' : {at: earliest}
}

/** Dependencies of the taint eviction controller. */
export interface TaintEvictionOptions {
  client: ControllerClient
  pods: Lister<Pod>
  nodes: Lister<Node>
  recorder?: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Deletes pods from nodes whose NoExecute taints they no longer tolerate (node failure handling's last step). */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: TaintEvictionOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const onPod = (p: Pod) => {
      if (p.spec?.nodeName) this.queue.add(objectKey(p))
    }
    opts.pods.addHandlers({onAdd: onPod, onUpdate: (_o, p) => onPod(p)})
    const onNode = (n: Node) => {
      for (const p of opts.pods.list()) if (p.spec?.nodeName === n.metadata.name) this.queue.add(objectKey(p))
    }
    opts.nodes.addHandlers({onAdd: onNode, onUpdate: (o, n) => noExecute(o) !== noExecute(n) && onNode(n)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.pods.waitForSync(signal)) || !(await this.opts.nodes.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Evicts one pod when its time has come, or looks again when it will. */
  async sync(key: string): Promise<void> {
    const pod = this.opts.pods.get(key)
    if (!pod || pod.metadata.deletionTimestamp || !pod.spec?.nodeName) return
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return
    const node = this.opts.nodes.get(pod.spec.nodeName)
    if (!node) return
    const when = evictionTime(node.spec?.taints ?? [], pod.spec.tolerations ?? [], this.clock.now())
    if (when === 'never') return
    const wait = when.at - this.clock.now()
    if (wait > 0) {
      this.queue.addAfter(key, wait)
      return
    }
    await this.evict(pod)
  }

  private async evict(pod: Pod): Promise<void> {
    const ref = {version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name!}
    this.log(`evicting pod ${objectKey(pod)} from node ${pod.spec?.nodeName}: NoExecute taint no longer tolerated`)
    this.opts.recorder?.record(typed(pod, 'v1', 'Pod'), 'Normal', 'TaintManagerEviction', 'Deleting', `Marking for deletion Pod ${objectKey(pod)}`)
    // The DisruptionTarget condition tells the pod's owner (and a Job's pod failure policy) why it went.
    const condition = {type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')}
    const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget')
    await this.opts.client.update({...ref, subresource: 'status'}, {...typed(pod, 'v1', 'Pod'), status: {...pod.status, conditions: [...others, condition]}} as Pod)
    // A normal graceful delete: the pod stays Terminating until its agent confirms, or until it is force-deleted.
    await this.opts.client.delete(ref, {preconditions: {uid: pod.metadata.uid}})
  }
}

function noExecute(n: Node): string {
  return JSON.stringify((n.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute'))
}

/** Registry entry: the controller over the manager's shared Pod and Node informers. */
export function newTaintEvictionController(ctx: ControllerContext): TaintEvictionController {
  return new TaintEvictionController({
    client: ctx.client,
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    recorder: newRecorder(ctx.client, 'taint-eviction-controller', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
