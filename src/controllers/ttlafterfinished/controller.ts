// TTL-after-finished controller: deletes a finished Job ttlSecondsAfterFinished after it finished, letting the garbage collector take its pods.
import type {Job} from '../../api/resources/batch/job.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {objectKey, splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'

/** Dependencies of the TTL-after-finished controller. */
export interface TTLAfterFinishedOptions {
  client: ControllerClient
  jobs: Lister<Job>
  clock?: Clock
  log?: (msg: string) => void
}

/** When the Job finished: the transition time of its True Complete or Failed condition. */
export function finishedAt(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True')
  if (!c) return undefined
  const t = Date.parse(c.lastTransitionTime ?? '')
  return Number.isFinite(t) ? t : undefined
}

/** Milliseconds until a Job's TTL runs out (0 when due), or undefined when it has no TTL, has not finished, or is being deleted. */
export function ttlRemainingMs(job: Job, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished
  if (ttl == null || job.metadata.deletionTimestamp) return undefined
  const at = finishedAt(job)
  if (at === undefined) return undefined
  return Math.max(0, at + ttl * 1000 - now)
}

/** Deletes finished Jobs whose ttlSecondsAfterFinished has passed. */
export class TTLAfterFinishedController implements Controller {
  readonly name = 'ttlafterfinished'
  readonly queue: WorkQueue
  private readonly clock: Clock
  private readonly log: (msg: string) => void

  constructor(private readonly opts: TTLAfterFinishedOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: this.clock})
    const enqueue = (j: Job) => {
      if (ttlRemainingMs(j, this.clock.now()) !== undefined) this.queue.add(objectKey(j))
    }
    opts.jobs.addHandlers({onAdd: enqueue, onUpdate: (_o, n) => enqueue(n)})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    if (!(await this.opts.jobs.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || isNotFound(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Deletes the Job once due, after checking a fresh copy (the TTL may have been changed or removed meanwhile). */
  async sync(key: string): Promise<void> {
    const cached = this.opts.jobs.get(key)
    if (!cached) return
    const remaining = ttlRemainingMs(cached, this.clock.now())
    if (remaining === undefined) return
    if (remaining > 0) {
      this.queue.addAfter(key, remaining)
      return
    }
    const {namespace, name} = splitKey(key)
    const target = {group: 'batch', version: 'v1', resource: 'jobs', namespace, name}
    const fresh = await this.opts.client.get<Job>(target)
    const left = ttlRemainingMs(fresh, this.clock.now())
    if (left === undefined) return
    if (left > 0) {
      this.queue.addAfter(key, left)
      return
    }
    // Background propagation: the Job goes now and the garbage collector removes its pods after it.
    await this.opts.client.delete(target, {propagationPolicy: 'Background', preconditions: {uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion}})
  }
}

/** Registry entry: the TTL controller over the manager's shared Job informer. */
export function newTTLAfterFinishedController(ctx: ControllerContext): TTLAfterFinishedController {
  return new TTLAfterFinishedController({client: ctx.client, jobs: ctx.informers.informer({group: 'batch', version: 'v1', resource: 'jobs'}), clock: ctx.clock, log: ctx.log})
}
