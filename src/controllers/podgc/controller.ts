// Pod garbage collector, orphan part: pods bound to a node that no longer exists are force-deleted after a quarantine (PodGC's gcOrphaned).
import type {Node} from '../../api/types/cluster.js'
import type {Pod} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** How long a pod's node must be missing before its pods go (Kubernetes' quarantineTime): a new node may lag in the cache. */
export const QUARANTINE_MS = 40_000

/** Dependencies of the pod garbage collector. */
export interface PodGCOptions {
  client: ControllerClient
  pods: Lister<Pod>
  nodes: Lister<Node>
  clock?: Clock
  quarantineMs?: number
  log?: (msg: string) => void
}

/**
 * Deletes pods whose node is gone: nobody else would, since the agent that would stop them went with the node.
 * Without this, a deleted node's DaemonSet and Deployment pods would linger in the API forever.
 */
export class PodGCController implements Controller {
  readonly name = 'podgc'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly quarantine: number
  private readonly log: (msg: string) => void

  constructor(private readonly opts: PodGCOptions) {
    this.clock = opts.clock ?? realClock
    this.quarantine = opts.quarantineMs ?? QUARANTINE_MS
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const check = (p: Pod) => {
      const node = p.spec?.nodeName
      if (node && !opts.nodes.get(node)) this.queue.addAfter(objectKey(p), this.quarantine)
    }
    opts.pods.addHandlers({onAdd: check, onUpdate: (_o, n) => check(n)})
    opts.nodes.addHandlers({
      onDelete: (n) => {
        for (const p of opts.pods.list()) if (p.spec?.nodeName === n.metadata.name) this.queue.addAfter(objectKey(p), this.quarantine)
      },
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.pods.waitForSync(signal)) || !(await this.opts.nodes.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 1,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Force-deletes one pod if its node is missing from the cache and, asked directly, from the API too. */
  async sync(key: string): Promise<void> {
    const pod = this.opts.pods.get(key)
    const nodeName = pod?.spec?.nodeName
    if (!pod || !nodeName || this.opts.nodes.get(nodeName)) return
    try {
      await this.opts.client.get({version: 'v1', resource: 'nodes', name: nodeName})
      return
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err
    }
    this.log(`deleting pod ${key}: its node ${nodeName} no longer exists`)
    // Grace 0: no agent is left to stop the containers and confirm, so a graceful delete would never finish.
    await this.opts.client.delete({version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name}, {gracePeriodSeconds: 0, preconditions: {uid: pod.metadata.uid}}).catch((err: unknown) => {
      if (!isNotFound(err)) throw err
    })
  }
}

/** Registry entry: the collector over the manager's shared Pod and Node informers. */
export function newPodGCController(ctx: ControllerContext): PodGCController {
  return new PodGCController({
    client: ctx.client,
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    clock: ctx.clock,
    log: ctx.log,
  })
}
