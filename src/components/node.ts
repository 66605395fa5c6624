// Entry point of the node container process: `node skiff-node.cjs control-plane|worker` (bundled to CJS by scripts/bundle-node.mjs).
import {componentLogger, rssMiB} from './log.js'
import {type NodeRole, runNode} from './node-main.js'

const log = componentLogger('node')
const role = process.argv[2]

if (role !== 'control-plane' && role !== 'worker') {
  process.stderr.write('usage: skiff-node control-plane|worker\n')
  process.exit(2)
}

// No top-level await: the bundle is CommonJS.
runNode({role: role as NodeRole}).then(
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
      // A second sample once caches and watches have settled, for the memory budget.
      setTimeout(() => log(`rss=${rssMiB()}MiB heap=${Math.round(process.memoryUsage().heapUsed / 1048576)}MiB`), 30_000).unref()
    })
  },
  (err) => {
    log(`failed to start: ${err?.stack ?? err}`)
    process.exit(1)
  },
)
