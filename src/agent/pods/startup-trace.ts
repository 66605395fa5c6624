// Per-pod startup milestones (seen, sandbox, image, create, start, status write), kept in memory and logged once as one line when the pod first reports Running: the phase breakdown bench/pod-startup prints.
import type {Clock} from '../../api/clock.js'

/** Prefix of the log line; bench/pod-startup looks for it in the nodes' logs. */
export const STARTUP_LOG_PREFIX = 'pod-startup'

/** The milestones of one pod's first start, in epoch milliseconds, under the names the worker marks. */
export type StartupMarks = Record<string, number>

/**
 * Collects milestones per pod uid. Only a pod's first start is traced: once it has been logged, later marks (container
 * restarts) are ignored until the pod is forgotten.
 */
export class StartupTrace {
  private readonly marks = new Map<string, StartupMarks>()
  private readonly done = new Set<string>()

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Records milestone `name` for the pod unless it already has one of that name (the first occurrence counts). */
  mark(uid: string, name: string): void {
    if (this.done.has(uid)) return
    let m = this.marks.get(uid)
    if (!m) this.marks.set(uid, (m = {}))
    m[name] ??= this.clock.now()
  }

  /** Logs the pod's milestones once, after its first Running status was written. */
  running(uid: string, desc: string): void {
    const m = this.marks.get(uid)
    if (!m || this.done.has(uid)) return
    this.marks.delete(uid)
    this.done.add(uid)
    this.log(`${STARTUP_LOG_PREFIX} ${desc} ${JSON.stringify(m)}`)
  }

  /** Drops what is known about a pod that left the node. */
  forget(uid: string): void {
    this.marks.delete(uid)
    this.done.delete(uid)
  }
}
