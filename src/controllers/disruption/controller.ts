// Disruption controller: keeps each PodDisruptionBudget's status (healthy, desired and expected pods, disruptions allowed) for the eviction API to spend.
import {isDeepStrictEqual} from 'node:util'
import type {PodDisruptionBudget, PodDisruptionBudgetStatus} from '../../api/resources/policy/poddisruptionbudget.js'
import {selectorMatches, type LabelSelector} from '../../api/selectors.js'
import type {Pod} from '../../api/types/workloads.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type Recorder, newRecorder, typed} from '../util/events.js'
import {kubeTime} from '../util/pods.js'
import {budgetStatus, countHealthy, expectedPodCount, pendingDisruptions, type ScaleListers, withDisruptionCondition} from './budget.js'

const PDB_API = 'policy/v1'
const PDB_KIND = 'PodDisruptionBudget'
/** How long a DisruptionTarget condition may stay on a pod that was never deleted before it is reset. */
export const STALE_DISRUPTION_MS = 2 * 60 * 1000

/** Dependencies of the disruption controller. */
export interface DisruptionControllerOptions extends ScaleListers {
  client: ControllerClient
  budgets: Lister<PodDisruptionBudget>
  pods: Lister<Pod>
  recorder: Recorder
  clock?: Clock
  log?: (msg: string) => void
}

/** Whether a budget's selector picks the pod: a missing selector picks nothing, an empty one every pod of the namespace. */
function selects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const sel = pdb.spec?.selector as LabelSelector | undefined
  if (!sel || pdb.metadata.namespace !== pod.metadata.namespace) return false
  try {
    return selectorMatches(sel, pod.metadata.labels)
  } catch {
    return false
  }
}

/**
 * How long until the pod's DisruptionTarget condition counts as stale: a condition the eviction API set on a pod that is
 * neither terminating nor finished (the kubelet's own TerminationByKubelet never goes stale). Undefined when none.
 */
export function staleDisruptionDelay(pod: Pod, nowMs: number): number | undefined {
  if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'DisruptionTarget')
  if (cond?.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined
  const since = Date.parse(cond.lastTransitionTime ?? '') || 0
  return Math.max(0, since + STALE_DISRUPTION_MS - nowMs)
}

/** Converges each budget's status to the pods it selects and the scale of their controllers. */
export class DisruptionController implements Controller {
  readonly name = 'disruption'
  readonly queue: WorkQueue
  /** Pods whose DisruptionTarget condition may have gone stale (an eviction whose delete never happened). */
  readonly staleQueue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    this.staleQueue = new WorkQueue({clock: this.clock})
    const enqueue = (pdb: PodDisruptionBudget) => this.queue.add(objectKey(pdb))
    opts.budgets.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue})
    opts.pods.addHandlers({
      onAdd: (p) => this.podChanged(p),
      onUpdate: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return
        // Labels may have moved the pod out of one budget and into another: both need a look.
        this.podChanged(n)
        if (!isDeepStrictEqual(o.metadata.labels ?? {}, n.metadata.labels ?? {})) this.podChanged(o)
      },
      onDelete: (p) => this.podChanged(p),
    })
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => {
      this.queue.shutDown()
      this.staleQueue.shutDown()
    }, {once: true})
    const listers = [this.opts.budgets, this.opts.pods, this.opts.replicaSets, this.opts.deployments, this.opts.statefulSets, this.opts.replicationControllers]
    for (const l of listers) if (!(await l.waitForSync(signal))) return
    const onError = (key: string, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`)
    await Promise.all([
      processQueue(this.queue, (key) => this.sync(key), {workers: 2, onError}),
      processQueue(this.staleQueue, (key) => this.syncStalePod(key), {workers: 1, onError}),
    ])
  }

  private watchStale(pod: Pod): void {
    const delay = staleDisruptionDelay(pod, this.clock.now())
    if (delay !== undefined) this.staleQueue.addAfter(objectKey(pod), delay)
  }

  /** Resets a stale DisruptionTarget condition to False, so the pod no longer looks about to be disrupted. */
  async syncStalePod(key: string): Promise<void> {
    const pod = this.opts.pods.get(key)
    if (!pod) return
    const delay = staleDisruptionDelay(pod, this.clock.now())
    if (delay === undefined) return
    if (delay > 0) return this.staleQueue.addAfter(key, delay)
    const condition = {type: 'DisruptionTarget', status: 'False', lastTransitionTime: kubeTime(this.clock.now())}
    await this.opts.client.patch({version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status'}, {status: {conditions: [condition]}}, 'strategic')
  }

  /** The budget of a pod (getPdbForPod): with several, one is picked and the pod gets a warning, as Kubernetes does. */
  private podChanged(pod: Pod): void {
    this.watchStale(pod)
    const budgets = this.opts.budgets.list().filter((b) => selects(b, pod))
    if (budgets.length === 0) return
    if (budgets.length > 1) {
      this.opts.recorder.record(typed(pod, 'v1', 'Pod'), 'Warning', 'MultiplePodDisruptionBudgets', 'Sync', `Pod "${pod.metadata.namespace}"/"${pod.metadata.name}" matches multiple PodDisruptionBudgets.  Chose "${budgets[0].metadata.name}" arbitrarily.`)
    }
    this.queue.add(objectKey(budgets[0]))
  }

  /** Recomputes one budget's status; on a failure other than a conflict the budget is made safe (nothing allowed). */
  async sync(key: string): Promise<void> {
    const pdb = this.opts.budgets.get(key)
    if (!pdb) return
    try {
      await this.trySync(pdb)
    } catch (err: unknown) {
      if (isConflict(err) || isNotFound(err)) throw err
      this.log(`${key}: ${messageOf(err)}; allowing no disruptions`)
      await this.failSafe(pdb, messageOf(err))
      throw err
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    const event = typed(pdb, PDB_API, PDB_KIND)
    const pods = this.opts.pods.list().filter((p) => selects(pdb, p))
    if (pods.length === 0) this.opts.recorder.record(event, 'Normal', 'NoPods', 'Sync', 'No matching pods found')
    let counts: ReturnType<typeof expectedPodCount>
    try {
      counts = expectedPodCount(pdb, pods, this.opts)
    } catch (err: unknown) {
      this.opts.recorder.record(event, 'Warning', 'CalculateExpectedPodCountFailed', 'Sync', `Failed to calculate the number of expected pods: ${messageOf(err)}`)
      throw err
    }
    if (counts.unmanaged.length > 0) {
      this.opts.recorder.record(event, 'Warning', 'UnmanagedPods', 'Sync',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`)
    }
    const now = this.clock.now()
    const {pending, expired, recheckAt} = pendingDisruptions(pods, pdb.status?.disruptedPods, now)
    for (const pod of expired) {
      this.opts.recorder.record(typed(pod, 'v1', 'Pod'), 'Warning', 'NotDeleted', 'Sync', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`)
    }
    const healthy = countHealthy(pods, pending, now)
    const status = budgetStatus(pdb, healthy, counts.desired, counts.expected, pending, now)
    await this.writeStatus(pdb, status)
    // A recorded eviction that never turns into a deletion stops being discounted after the timeout.
    if (recheckAt !== undefined) this.queue.addAfter(objectKey(pdb), recheckAt - now + 1000)
  }

  private async failSafe(pdb: PodDisruptionBudget, message: string): Promise<void> {
    const status = {...structuredClone(pdb.status ?? {}), disruptionsAllowed: 0}
    status.conditions = withDisruptionCondition(status.conditions, 'False', 'SyncFailed', message, status.observedGeneration ?? 0, this.clock.now())
    await this.writeStatus(pdb, status)
  }

  /** Writes status unless nothing changed (condition transition times only move with their status, so a quiet sync writes nothing). */
  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    if (isDeepStrictEqual(status, pdb.status ?? {})) return
    const target = {group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespace: pdb.metadata.namespace, name: pdb.metadata.name, subresource: 'status'}
    await this.opts.client.update(target, {...typed(pdb, PDB_API, PDB_KIND), status})
  }
}

/** Registry entry: the controller over the manager's shared budget, pod and workload informers. */
export function newDisruptionController(ctx: ControllerContext): DisruptionController {
  const inf = (group: string, resource: string) => ctx.informers.informer({group, version: 'v1', resource})
  return new DisruptionController({
    client: ctx.client,
    budgets: inf('policy', 'poddisruptionbudgets'),
    pods: inf('', 'pods'),
    replicaSets: inf('apps', 'replicasets'),
    deployments: inf('apps', 'deployments'),
    statefulSets: inf('apps', 'statefulsets'),
    replicationControllers: inf('', 'replicationcontrollers'),
    recorder: newRecorder(ctx.client, 'controllermanager', ctx.clock, ctx.log),
    clock: ctx.clock,
    log: ctx.log,
  })
}
