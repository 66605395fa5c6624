// Waits for the apiserver to answer and for every node to report Ready, polling with a deadline.
import {SkiffError} from '../../errors.js'

/** Reads one API path as JSON; throws when the server does not answer 2xx. */
export type GetJSON = (path: string) => Promise<any>

/** Injected so tests can run without sleeping. */
export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const realClock: Clock = {now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms))}

/** Polls until `check` returns a value, or throws with `describe(lastError)` at the deadline. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: {deadline: number; intervalMs: number; clock?: Clock; what: string; onTimeout?: () => Promise<string>}): Promise<T> {
  const clock = opts.clock ?? realClock
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (clock.now() >= opts.deadline) {
      const detail = opts.onTimeout ? await opts.onTimeout() : ''
      throw new SkiffError(`timed out waiting for ${opts.what}${last ? ` (last error: ${(last as Error).message})` : ''}${detail ? `\n${detail}` : ''}`, {
        exitCode: 5,
        suggestions: ['Raise --timeout, or keep the nodes with --retain and look at `docker logs <node>`.'],
      })
    }
    await clock.sleep(opts.intervalMs)
  }
}

/** Summary of nodes as the API reports them. */
export interface NodeReadiness {
  name: string
  ready: boolean
}

/** Reads the Ready condition of every node. */
export async function nodeReadiness(get: GetJSON): Promise<NodeReadiness[]> {
  const list = await get('/api/v1/nodes')
  return (list.items ?? []).map((n: any) => ({
    name: n.metadata.name,
    ready: (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
  }))
}

/** Resolves once every expected node is registered and Ready. */
export async function waitForNodesReady(get: GetJSON, expected: string[], opts: {deadline: number; clock?: Clock; onTimeout?: () => Promise<string>}): Promise<void> {
  await pollUntil(
    async () => {
      const nodes = await nodeReadiness(get)
      const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name))
      return expected.every((n) => ready.has(n)) ? true : undefined
    },
    {deadline: opts.deadline, intervalMs: 100, clock: opts.clock, what: `nodes ${expected.join(', ')} to be Ready`, onTimeout: opts.onTimeout},
  )
}

/** Resolves once /readyz answers. */
export async function waitForApiServer(get: GetJSON, opts: {deadline: number; clock?: Clock; onTimeout?: () => Promise<string>}): Promise<void> {
  await pollUntil(async () => ((await get('/readyz')) !== undefined ? true : undefined), {deadline: opts.deadline, intervalMs: 50, clock: opts.clock, what: 'the apiserver to answer', onTimeout: opts.onTimeout})
}
