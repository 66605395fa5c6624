// Node lifecycle controller: a node whose lease stops being renewed turns Unknown and gets unreachable taints; renewals clear them; cordoned nodes and nodes under pressure carry NoSchedule taints.
import type {KubeObject} from '../../api/types.js'
import type {Lease, Node, NodeCondition, Taint} from '../../api/types/cluster.js'
import type {Condition, Pod} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import {NodeEnv} from '../../api/contract.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {CONDITION_TAINTS, withConditionTaints} from './condition-taints.js'

const LEASE_NAMESPACE = 'kube-node-lease'
/** Taint key Kubernetes puts on cordoned nodes (spec.unschedulable), so `describe node` and tolerations see the cordon. */
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable'

/** The taints a cordon asks for: the unschedulable NoSchedule taint exactly while spec.unschedulable; undefined when right. */
export function withCordonTaint(node: Node, nowMs: number): Taint[] | undefined {
  const taints = node.spec?.taints ?? []
  const has = taints.some((t) => t.key === UNSCHEDULABLE_TAINT_KEY && t.effect === 'NoSchedule')
  if (node.spec?.unschedulable) return has ? undefined : [...taints, {key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: kubeTime(nowMs)}]
  return has ? taints.filter((t) => t.key !== UNSCHEDULABLE_TAINT_KEY) : undefined
}

const conditionTaintKeys = (taints: Taint[]) => taints.filter((t) => CONDITION_TAINTS.some((m) => m.key === t.key)).map((t) => t.key).join(', ')

/** Taint key Kubernetes uses for nodes whose agent stopped reporting. */
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable'
/**
 * Conditions the agent owns; all turn Unknown when it goes silent. NetworkUnavailable (which the agent posts too) is
 * left as it was, as Kubernetes does: it describes the pod network, which a silent agent says nothing new about.
 */
const AGENT_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']

/** Grace period in ms from $SKIFF_NODE_GRACE_PERIOD (seconds, default 40, as Kubernetes' node-monitor-grace-period). */
export function gracePeriodMs(env: NodeJS.ProcessEnv): number {
  const s = Number(env[NodeEnv.nodeGracePeriod])
  return (Number.isFinite(s) && s > 0 ? s : 40) * 1000
}

const kubeTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The conditions after marking the agent's ones Unknown; undefined when they already are. */
export function unknownConditions(node: Node, nowMs: number): NodeCondition[] | undefined {
  const now = kubeTime(nowMs)
  const current = node.status?.conditions ?? []
  let changed = false
  const out = current.map((c) => {
    if (!AGENT_CONDITIONS.includes(c.type) || c.status === 'Unknown') return c
    changed = true
    // lastHeartbeatTime stays: it records when the agent last spoke, which is exactly what is now in doubt.
    return {...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now}
  })
  for (const type of AGENT_CONDITIONS) {
    if (current.some((c) => c.type === type)) continue
    changed = true
    const created = node.metadata.creationTimestamp ?? now
    out.push({type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: created, lastTransitionTime: now})
  }
  return changed ? out : undefined
}

/** Taint key for nodes whose agent reports Ready=False (its runtime is down, say). */
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready'
const HEALTH_TAINT_KEYS = [UNREACHABLE_TAINT_KEY, NOT_READY_TAINT_KEY]

/**
 * The taints for a node in health state `key` (unreachable or not-ready): NoSchedule and NoExecute of that key (the
 * NoExecute one stamped with timeAdded, from which tolerationSeconds count), the other health key's taints gone.
 * Undefined when the taints are already so.
 */
export function withHealthTaints(node: Node, nowMs: number, key: string = UNREACHABLE_TAINT_KEY): Taint[] | undefined {
  const taints = node.spec?.taints ?? []
  const kept = taints.filter((t) => !HEALTH_TAINT_KEYS.includes(t.key) || t.key === key)
  const missing = ['NoSchedule', 'NoExecute'].filter((effect) => !kept.some((t) => t.key === key && t.effect === effect))
  if (missing.length === 0 && kept.length === taints.length) return undefined
  return [...kept, ...missing.map((effect) => (effect === 'NoExecute' ? {key, effect, timeAdded: kubeTime(nowMs)} : {key, effect}))]
}

/** The taints with both unreachable taints added; undefined when both are present. */
export function withUnreachableTaints(node: Node, nowMs: number): Taint[] | undefined {
  return withHealthTaints(node, nowMs, UNREACHABLE_TAINT_KEY)
}

/** The taints without the unreachable and not-ready ones; undefined when there are none to remove. */
export function withoutUnreachableTaints(node: Node): Taint[] | undefined {
  const taints = node.spec?.taints ?? []
  const kept = taints.filter((t) => !HEALTH_TAINT_KEYS.includes(t.key))
  return kept.length === taints.length ? undefined : kept
}

/** A pod's conditions with Ready turned False (MarkPodsNotReady), or undefined when it is not True. */
export function notReadyConditions(pod: Pod, nowMs: number): Condition[] | undefined {
  const conditions = pod.status?.conditions ?? []
  if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return undefined
  return conditions.map((c) => (c.type === 'Ready' ? {...c, status: 'False', lastTransitionTime: kubeTime(nowMs)} : c))
}

const readyStatus = (node: Node) => node.status?.conditions?.find((c) => c.type === 'Ready')?.status

/** Dependencies of the node lifecycle controller. */
export interface NodeLifecycleOptions {
  client: ControllerClient
  nodes: Lister<Node>
  leases: Lister<Lease>
  /** Given, the pods of a node that stops answering are marked not Ready, so Services stop sending them traffic. */
  pods?: Lister<Pod>
  clock?: Clock
  gracePeriodMs?: number
  log?: (msg: string) => void
}

/** Watches Nodes and their Leases and converges each node's health conditions and unreachable taints. */
export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly grace: number
  private readonly log: (msg: string) => void
  /**
   * Last heartbeat seen per node and when this controller saw it change. Grace is measured on our own clock from the
   * moment a change was observed (as Kubernetes does), so clock skew between nodes and a controller restart cannot
   * make a live node look dead.
   */
  private readonly observed = new Map<string, {heartbeat: string; at: number}>()

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.clock = opts.clock ?? realClock
    this.grace = opts.gracePeriodMs ?? 40_000
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const enqueueNode = (n: KubeObject) => this.queue.add(n.metadata.name!)
    opts.nodes.addHandlers({onAdd: enqueueNode, onUpdate: (_o, n) => enqueueNode(n), onDelete: enqueueNode})
    const enqueueLease = (l: KubeObject) => {
      if (l.metadata.namespace === LEASE_NAMESPACE) this.queue.add(l.metadata.name!)
    }
    opts.leases.addHandlers({onAdd: enqueueLease, onUpdate: (_o, l) => enqueueLease(l), onDelete: enqueueLease})
  }

  async run(signal: AbortSignal): Promise<void> {
    const stop = () => this.queue.shutDown()
    signal.addEventListener('abort', stop, {once: true})
    if (!(await this.opts.nodes.waitForSync(signal)) || !(await this.opts.leases.waitForSync(signal))) return
    this.log(`synced; grace period ${this.grace / 1000}s`)
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      // Conflicts are the normal cost of a cache one event behind our own write; the retry sorts them out quietly.
      onError: (key, err: unknown) => isConflict(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Converges one node: Unknown + taints when its heartbeat is older than the grace period, taints cleared when it is back. */
  async sync(name: string): Promise<void> {
    let node = this.opts.nodes.get(name)
    if (!node) {
      this.observed.delete(name)
      return
    }
    const now = this.clock.now()
    // The NoSchedule tainting pass first (cordon, pressure and network conditions) in one write; later writes start
    // from what it returned.
    const cordon = withCordonTaint(node, now)
    const byCondition = withConditionTaints(cordon ? {...node, spec: {...node.spec, taints: cordon}} : node, now)
    const noSchedule = byCondition ?? cordon
    if (noSchedule) {
      if (byCondition) this.log(`node ${name}: condition taints now ${conditionTaintKeys(byCondition) || 'none'}`)
      node = await this.opts.client.update<Node>({version: 'v1', resource: 'nodes', name}, {...node, spec: {...node.spec, taints: noSchedule}})
    }
    const lease = this.opts.leases.get(`${LEASE_NAMESPACE}/${name}`)
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
    // Either signal counts as the agent being alive: a renewed lease or a new status heartbeat (which our own
    // Unknown marking leaves as it was).
    const heartbeat = `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}`
    let seen = this.observed.get(name)
    if (!seen || seen.heartbeat !== heartbeat) {
      seen = {heartbeat, at: now}
      this.observed.set(name, seen)
    }
    const silentFor = now - seen.at

    if (silentFor >= this.grace) {
      await this.markUnreachable(node, now, silentFor)
      return
    }
    // Look again when the grace period would run out; a renewal before then re-enqueues earlier anyway.
    this.queue.addAfter(name, this.grace - silentFor)
    if (readyStatus(node) === 'False') {
      // The agent is alive but says it is not Ready (its runtime is down): not-ready taints, its pods not Ready.
      const taints = withHealthTaints(node, now, NOT_READY_TAINT_KEY)
      if (taints) {
        this.log(`node ${name} reports not Ready; tainting it ${NOT_READY_TAINT_KEY}`)
        await this.opts.client.update({version: 'v1', resource: 'nodes', name}, {...node, spec: {...node.spec, taints}})
      }
      await this.markPodsNotReady(name, now)
    }
    // The agent posts Ready=True itself when it comes back; only then do the taints go.
    if (readyStatus(node) === 'True') {
      const taints = withoutUnreachableTaints(node)
      if (taints) {
        this.log(`node ${name} is reachable again; removing ${UNREACHABLE_TAINT_KEY} taints`)
        await this.opts.client.update({version: 'v1', resource: 'nodes', name}, {...node, spec: {...node.spec, taints}})
      }
    }
  }

  private async markUnreachable(node: Node, now: number, silentFor: number): Promise<void> {
    const name = node.metadata.name!
    const taints = withUnreachableTaints(node, now)
    const conditions = unknownConditions(node, now)
    if (!taints && !conditions) return
    let current = node
    if (taints) current = await this.opts.client.update<Node>({version: 'v1', resource: 'nodes', name}, {...node, spec: {...node.spec, taints}})
    // Status last (as every controller here), from the object the taint write returned so its resourceVersion is current.
    if (conditions) {
      const fresh = unknownConditions(current, now) ?? conditions
      await this.opts.client.update({version: 'v1', resource: 'nodes', name, subresource: 'status'}, {...current, status: {...current.status, conditions: fresh}})
    }
    this.log(`node ${name}: no heartbeat for ${Math.round(silentFor / 1000)}s; marked it Unknown and unreachable`)
    await this.markPodsNotReady(name, now)
  }

  /** Turns the Ready condition of every pod on the node False: their endpoints drop them until the agent says otherwise. */
  private async markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const pod of this.opts.pods?.list() ?? []) {
      if (pod.spec?.nodeName !== nodeName) continue
      const conditions = notReadyConditions(pod, now)
      if (!conditions) continue
      const ref = {version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name!, subresource: 'status'}
      await this.opts.client.patch(ref, {metadata: {uid: pod.metadata.uid}, status: {conditions}}, 'merge').catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) throw err
      })
    }
  }
}

/** Registry entry: the controller over the manager's shared Node and Lease informers. */
export function newNodeLifecycleController(ctx: ControllerContext): NodeLifecycleController {
  return new NodeLifecycleController({
    client: ctx.client,
    nodes: ctx.informers.informer({version: 'v1', resource: 'nodes'}),
    leases: ctx.informers.informer({group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: LEASE_NAMESPACE}),
    pods: ctx.informers.informer({version: 'v1', resource: 'pods'}),
    clock: ctx.clock,
    gracePeriodMs: gracePeriodMs(ctx.env),
    log: ctx.log,
  })
}
