// A node container's process: `node skiff-<part>.cjs control-plane|worker <part>` runs one part, supervised by the entrypoint.
import {componentLogger, rssMiB} from './log.js'
import {NODE_PARTS, type NodePart, type NodeRole, type PartStarter, runParts} from './run.js'

/** Runs the part named on the command line with the starters this bundle carries; exits on failure. */
export function runProcess(starters: Partial<Record<NodePart, PartStarter>>): void {
  const carried = NODE_PARTS.filter((p) => starters[p])
  const role = process.argv[2]
  const part = (process.argv[3] ?? (carried.length === 1 ? carried[0] : undefined)) as NodePart | undefined
  const log = componentLogger(part ?? 'node')

  if ((role !== 'control-plane' && role !== 'worker') || (part !== undefined && !carried.includes(part))) {
    process.stderr.write(`usage: ${process.argv[1] ?? 'skiff-node'} control-plane|worker [${carried.join('|')}]\n`)
    process.exit(2)
  }

  // A bug in one component ends this process only, with what it was doing: the node's supervisor restarts this part
  // alone (with back-off), and the other parts, the pods included, run on.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (err: unknown) => {
      log(`${event} in ${part ?? role}: ${(err as Error)?.stack ?? String(err)}; exiting for the supervisor to restart it`)
      process.exit(70)
    })
  }

  // No top-level await: the bundle is CommonJS.
  runParts({role: role as NodeRole, ...(part ? {parts: [part]} : {})}, starters).then(
    (node) => {
      let stopping = false
      const shutdown = (sig: string) => {
        if (stopping) return
        stopping = true
        log(`${sig}: shutting down`)
        // Exit even if something hangs: the container runtime would SIGKILL us anyway.
        setTimeout(() => process.exit(0), 5000).unref()
        node.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.on('SIGTERM', () => shutdown('SIGTERM'))
      process.on('SIGINT', () => shutdown('SIGINT'))
      node.ready.then(() => {
        collectIdleGarbage()
        // A second sample once caches and watches have settled, for the memory budget.
        setTimeout(() => log(`rss=${rssMiB()}MiB heap=${Math.round(process.memoryUsage().heapUsed / 1048576)}MiB`), 30_000).unref()
      })
    },
    (err) => {
      log(`failed to start: ${err?.stack ?? err}`)
      process.exit(1)
    },
  )
}

/** How often a component process collects its old generation when the entrypoint exposes gc (--expose-gc). */
const IDLE_GC_MS = 30_000

/**
 * Why: an idle component allocates a little garbage all the time (leases, status updates, resyncs), and V8 starts
 * a full collection only when the old generation reaches a limit set megabytes above the live heap; Node never tells
 * V8 it is idle, so its memory reducer does not step in. Measured on a worker's node part: 27 MiB of anonymous memory
 * after two idle minutes, 19 MiB after one full GC. A full GC of a heap this size takes a few milliseconds.
 */
function collectIdleGarbage(): void {
  const gc = (globalThis as {gc?: () => void}).gc
  if (typeof gc === 'function') setInterval(() => gc(), IDLE_GC_MS).unref()
}
