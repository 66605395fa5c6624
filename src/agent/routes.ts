// Routes to the other nodes' pod ranges, kept by every agent from the Node objects (each node's spec.podCIDR via its InternalIP), so pods reach pods on nodes that joined after this one started.
import {execFile} from 'node:child_process'
import type {Clock} from '../api/clock.js'
import type {Node} from '../api/types/cluster.js'
import {Informer, type ListWatcher} from '../client/informer.js'
import {errorText} from './errors.js'

/** One route: a pod range and the node address it is reached through. */
export interface PodRoute {
  cidr: string
  via: string
}

/** The routes this node needs: every other node's pod ranges through its InternalIP. */
export function podRoutes(nodes: Node[], self: string): PodRoute[] {
  const out: PodRoute[] = []
  for (const n of nodes) {
    if (n.metadata.name === self) continue
    const via = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address
    const cidrs = n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : []
    if (!via) continue
    for (const cidr of cidrs) if (!cidr.includes(':')) out.push({cidr, via})
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr, 'en', {numeric: true}))
}

/** The `ip -batch` lines that take the routes from `had` to `want` (replace is idempotent; gone ones are deleted). */
export function routeBatch(had: PodRoute[], want: PodRoute[]): string {
  const key = (r: PodRoute) => `${r.cidr} via ${r.via}`
  const wanted = new Set(want.map(key))
  const lines = want.filter((r) => !had.some((h) => key(h) === key(r))).map((r) => `route replace ${r.cidr} via ${r.via}`)
  for (const r of had) if (!wanted.has(key(r)) && !want.some((w) => w.cidr === r.cidr)) lines.push(`route del ${r.cidr} via ${r.via}`)
  return lines.join('\n')
}

/** Runs `ip -batch -` with the given lines. */
export function applyRoutes(batch: string): Promise<void> {
  if (!batch) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const child = execFile('ip', ['-batch', '-'], (err, _out, stderr) => (err ? reject(new Error(`ip -batch: ${String(stderr).trim() || err.message}`)) : resolve()))
    child.stdin!.end(`${batch}\n`)
  })
}

/** Keeps a route to every other node's pod range, as Nodes come, change address or range, and go, until signal aborts. */
export async function syncPodRoutes(opts: {client: ListWatcher; nodeName: string; apply: (batch: string) => Promise<void>; clock: Clock; log: (msg: string) => void; signal: AbortSignal}): Promise<void> {
  const informer = new Informer<Node>(opts.client, '/api/v1/nodes', {clock: opts.clock, log: opts.log})
  let applied: PodRoute[] = []
  let running = Promise.resolve()
  const sync = () => {
    running = running.then(async () => {
      const want = podRoutes(informer.list(), opts.nodeName)
      const batch = routeBatch(applied, want)
      if (!batch) return
      try {
        await opts.apply(batch)
        applied = want
      } catch (err) {
        opts.log(`pod routes: ${errorText(err)}`)
      }
    })
  }
  informer.addHandlers({onAdd: sync, onUpdate: sync, onDelete: sync})
  await informer.run(opts.signal)
}
