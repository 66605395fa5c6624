// Waits for the apiserver to answer and for every node to report Ready, polling with a deadline.
import {poll, PollTimeoutError, type PollClock} from '../../api/poll.js'
import {SkiffError} from '../../errors.js'
import {addressIn} from '../../api/net/cidr.js'
import type {Provider} from '../provider.js'

/** Reads one API path as JSON; throws when the server does not answer 2xx. */
export type GetJSON = (path: string) => Promise<unknown>

/** Polls until `check` returns a value, or throws with `describe(lastError)` at the deadline. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: {deadline: number; intervalMs: number; clock?: PollClock; what: string; onTimeout?: () => Promise<string>; signal?: AbortSignal}): Promise<T> {
  try {
    return (await poll(check, opts)) as T
  } catch (err) {
    if (!(err instanceof PollTimeoutError)) throw err
    const detail = opts.onTimeout ? await opts.onTimeout() : ''
    throw new SkiffError(`${err.message}${detail ? `\n${detail}` : ''}`, {
      exitCode: 5,
      suggestions: ['Raise --timeout, or keep the nodes with --retain and look at `docker logs <node>`.'],
    })
  }
}

/** Summary of nodes as the API reports them. */
export interface NodeReadiness {
  name: string
  ready: boolean
}

/** Reads the Ready condition of every node. */
export async function nodeReadiness(get: GetJSON): Promise<NodeReadiness[]> {
  const list = (await get('/api/v1/nodes')) as {items?: {metadata: {name: string}; status?: {conditions?: {type: string; status: string}[]}}[]}
  return (list.items ?? []).map((n) => ({
    name: n.metadata.name,
    ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }))
}

/** Resolves once every expected node is registered and Ready. */
export async function waitForNodesReady(get: GetJSON, expected: string[], opts: {deadline: number; clock?: PollClock; onTimeout?: () => Promise<string>}): Promise<void> {
  await pollUntil(
    async () => {
      const nodes = await nodeReadiness(get)
      const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name))
      return expected.every((n) => ready.has(n)) ? true : undefined
    },
    {deadline: opts.deadline, intervalMs: 50, clock: opts.clock, what: `nodes ${expected.join(', ')} to be Ready`, onTimeout: opts.onTimeout},
  )
}

/**
 * Resolves once cluster DNS answers inside the cluster: a query for the `kubernetes` Service, sent from the control
 * plane node to the kube-dns Service address (so the node's proxy rules and its DNS server are both in place). Sent
 * with `docker exec`, as nothing from the host may address cluster IPs.
 */
export async function waitForClusterDNS(provider: Pick<Provider, 'exec'>, node: string, serviceCIDR: string, opts: {deadline: number; clock?: PollClock; onTimeout?: () => Promise<string>; signal?: AbortSignal}): Promise<void> {
  const dnsIP = addressIn(serviceCIDR, 10)
  const apiIP = addressIn(serviceCIDR, 1)
  // One process asks until it has the answer (each docker exec and Node.js start costs a tenth of a second).
  const script = `const r=new (require('dns').promises.Resolver)({timeout:300,tries:1});r.setServers(['${dnsIP}']);const t=Date.now();` +
    `const ask=()=>r.resolve4('kubernetes.default.svc.cluster.local').then(a=>console.log(a.join(',')),e=>Date.now()-t<5000?setTimeout(ask,50):(console.error(e.code),process.exit(1)));ask()`
  await pollUntil(
    async () => {
      const res = await provider.exec(node, ['node', '-e', script])
      return res.exitCode === 0 && res.stdout.trim() === apiIP ? true : undefined
    },
    {deadline: opts.deadline, intervalMs: 100, clock: opts.clock, what: `cluster DNS (${dnsIP}) to answer`, onTimeout: opts.onTimeout, signal: opts.signal},
  )
}

/** Resolves once /readyz answers. */
export async function waitForApiServer(get: GetJSON, opts: {deadline: number; clock?: PollClock; onTimeout?: () => Promise<string>}): Promise<void> {
  await pollUntil(async () => ((await get('/readyz')) !== undefined ? true : undefined), {deadline: opts.deadline, intervalMs: 50, clock: opts.clock, what: 'the apiserver to answer', onTimeout: opts.onTimeout})
}
