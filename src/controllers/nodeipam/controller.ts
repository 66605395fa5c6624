// Node IPAM controller: gives every Node without a pod range the next free /24 of the cluster's pod range (spec.podCIDR and podCIDRs), as kube-controller-manager's range allocator does.
import {ClusterDefaults, clusterRanges} from '../../api/contract.js'
import type {Node} from '../../api/types/cluster.js'
import {prefixLength, rangeSize, subnetAt} from '../../api/net/cidr.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** The pod range of each node: a /24, as kube-controller-manager's --node-cidr-mask-size defaults to. */
export const NODE_MASK = 24

/** The first free node range in clusterCIDR given the ranges already held, or undefined when all are taken. */
export function nextNodeRange(clusterCIDR: string, taken: Set<string>, mask = NODE_MASK): string | undefined {
  const count = rangeSize(clusterCIDR) / 2 ** (32 - mask)
  for (let i = 0; i < count; i++) {
    const cidr = subnetAt(clusterCIDR, mask, i)
    if (!taken.has(cidr)) return cidr
  }
  return undefined
}

export interface NodeIpamOptions {
  client: ControllerClient
  nodes: Lister<Node>
  clusterCIDR: string
  clock?: Clock
  log?: (msg: string) => void
}

export class NodeIpamController implements Controller {
  readonly name = 'nodeipam'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: NodeIpamOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    const enqueue = (n: Node) => !n.spec?.podCIDR && this.queue.add(n.metadata.name!)
    opts.nodes.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.nodes.waitForSync(signal))) return
    // One worker: two allocations at once could pick the same range.
    await processQueue(this.queue, (key) => this.sync(key), {workers: 1, onError: (key, err) => isConflict(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`)})
  }

  async sync(name: string): Promise<void> {
    const node = this.opts.nodes.get(name)
    if (!node || node.spec?.podCIDR) return
    const taken = new Set(this.opts.nodes.list().flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])))
    const cidr = nextNodeRange(this.opts.clusterCIDR, taken)
    if (!cidr) {
      this.log(`no pod range left in ${this.opts.clusterCIDR} for node ${name}`)
      return
    }
    try {
      await this.opts.client.patch({version: 'v1', resource: 'nodes', name}, {spec: {podCIDR: cidr, podCIDRs: [cidr]}}, 'merge')
      this.log(`node ${name}: pod range ${cidr}`)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}

/** Registry entry: over the manager's shared Node informer, with the cluster pod range from the node's environment. */
export function newNodeIpamController(ctx: ControllerContext): Controller {
  const {podCIDR} = clusterRanges(ctx.env)
  const clusterCIDR = prefixLength(podCIDR) <= NODE_MASK ? podCIDR : ClusterDefaults.podCIDR
  return new NodeIpamController({client: ctx.client, nodes: ctx.informers.informer<Node>({version: 'v1', resource: 'nodes'}), clusterCIDR, clock: ctx.clock, log: ctx.log})
}
