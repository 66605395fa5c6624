// /livez, /readyz and /healthz as kube-apiserver serves them: named checks (etcd among them), ?verbose, ?exclude, /readyz/<check>.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Store} from '../store/index.js'

/** One named check; resolves when healthy, rejects with the reason otherwise. */
export interface HealthCheck {
  name: string
  check(): Promise<void>
}

/** What the apiserver's health endpoints check, and the readiness-only checks set from outside as they pass. */
export interface Health {
  livez: HealthCheck[]
  readyz: HealthCheck[]
  /** Marks a post-start hook done (e.g. "poststarthook/start-apiextensions-controllers"), for both lists. */
  hookDone(name: string): void
  /** Readiness fails from now on (shutdown began), liveness stays. */
  shuttingDown(): void
}

const etcdTimeoutMs = 2000

/** The post-start hooks skiff's apiserver runs before it listens, named as kube-apiserver names them. */
export const POST_START_HOOKS = ['poststarthook/rbac/bootstrap-roles', 'poststarthook/start-apiextensions-controllers'] as const

/** Whether `path` is one of the health endpoints or a single check under them. */
export function isHealthPath(path: string): boolean {
  return /^\/(livez|readyz|healthz)(\/.*)?$/.test(path)
}

/** The checks over `store`: ping, log and etcd for liveness; readiness adds etcd-readiness, informer-sync and shutdown. */
export function createHealth(store: Store, hooks: string[] = []): Health {
  const done = new Set<string>()
  let stopping = false
  const etcd: HealthCheck['check'] = async () => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error(`etcd did not answer within ${etcdTimeoutMs} ms`)), etcdTimeoutMs)))
    try {
      await Promise.race([store.currentRevision(), timeout])
    } finally {
      clearTimeout(timer)
    }
  }
  const ok = async () => {}
  const hookChecks = hooks.map((name) => ({name, check: async () => {
    if (!done.has(name)) throw new Error('not finished')
  }}))
  const livez: HealthCheck[] = [{name: 'ping', check: ok}, {name: 'log', check: ok}, {name: 'etcd', check: etcd}, ...hookChecks]
  const readyz: HealthCheck[] = [
    {name: 'ping', check: ok}, {name: 'log', check: ok}, {name: 'etcd', check: etcd}, {name: 'etcd-readiness', check: etcd},
    {name: 'informer-sync', check: ok},
    ...hookChecks,
    {name: 'shutdown', check: async () => {
      if (stopping) throw new Error('process is shutting down')
    }},
  ]
  return {livez, readyz, hookDone: (name) => done.add(name), shuttingDown: () => (stopping = true)}
}

function send(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, {'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body)})
  res.end(body)
}

/** Answers a health path: "ok", or 500 with each check's [+]/[-] line (reasons withheld unless verbose, as Kubernetes). */
export async function serveHealth(health: Health, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver')
  const [, endpoint, ...rest] = url.pathname.replace(/\/+$/, '').split('/')
  // /healthz is the deprecated union; it checks what liveness checks.
  const checks = endpoint === 'readyz' ? health.readyz : health.livez
  const single = rest.join('/')
  if (single) {
    const c = checks.find((x) => x.name === single)
    if (!c) return send(res, 404, '404 page not found\n')
    try {
      await c.check()
      return send(res, 200, 'ok')
    } catch (err) {
      return send(res, 500, `internal server error: ${(err as Error).message}\n`)
    }
  }
  const exclude = new Set(url.searchParams.getAll('exclude'))
  const verbose = url.searchParams.has('verbose')
  // Checks sharing one function (etcd and etcd-readiness) cost one round trip per request.
  const runs = new Map<HealthCheck['check'], Promise<void>>()
  const run = (c: HealthCheck) => runs.get(c.check) ?? runs.set(c.check, c.check()).get(c.check)!
  const results = await Promise.all(checks.filter((c) => !exclude.has(c.name)).map(async (c) => {
    try {
      await run(c)
      return {name: c.name, error: undefined}
    } catch (err) {
      return {name: c.name, error: (err as Error).message}
    }
  }))
  const failed = results.some((r) => r.error !== undefined)
  if (!failed && !verbose) return send(res, 200, 'ok')
  const lines = results.map((r) => (r.error === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${verbose ? r.error : 'reason withheld'}`))
  for (const name of exclude) lines.push(`[+]${name} excluded: ok`)
  send(res, failed ? 500 : 200, `${lines.join('\n')}\n${endpoint} check ${failed ? 'failed' : 'passed'}\n`)
}
