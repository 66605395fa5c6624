// Runs the parts of a node (apiserver, controller manager, node components) given their starters; the shared context they run in.
import * as http from 'node:http'
import * as https from 'node:https'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {agentConfigFromEnv, type AgentConfig} from '../agent/config.js'
import type {NodeAgent} from '../agent/agent.js'
import type {RuntimeProbe} from '../agent/runtime-probe.js'
import {type Clock, realClock} from '../api/clock.js'
import {poll} from '../api/poll.js'
import {NodeEnv, NodeFiles, NodePorts} from '../api/contract.js'
import type {Store} from '../store/types.js'
import {type Log, componentLogger, rssMiB} from './log.js'

/** A role of a node container. */
export type NodeRole = 'control-plane' | 'worker'

/**
 * The separately supervised processes of a node: the apiserver, the controller manager (with the scheduler, cloud and
 * Ingress controllers) and the node's own components (agent, proxy, NetworkPolicy, DNS). A crash of one restarts it
 * alone; the control plane runs all three, a worker only `node`.
 */
export type NodePart = 'apiserver' | 'controller-manager' | 'node'
export const NODE_PARTS: readonly NodePart[] = ['apiserver', 'controller-manager', 'node']

/** Knobs of runNode; the defaults are the node container's contract, tests override them. */
export interface RunNodeOptions {
  role: NodeRole
  /** Which parts this process runs (default: every part of the role, in one process, as tests run it). */
  parts?: readonly NodePart[]
  env?: NodeJS.ProcessEnv
  /** Directory holding ca.crt, apiserver.crt, node.crt, ... (NodeFiles.pkiDir). */
  pkiDir?: string
  etcdEndpoint?: string
  /** The EncryptionConfiguration file of the apiserver's store (NodeFiles.encryptionConfig). */
  encryptionConfig?: string
  apiServerPort?: number
  apiServerHost?: string
  /** The store of the apiserver (an EtcdStore on etcdEndpoint by default). */
  store?: Store
  runtime?: RuntimeProbe
  clock?: Clock
  logWriter?: (line: string) => void
  /** Poll interval while waiting for etcd. */
  pollMs?: number
  /** Agent heartbeat periods (tests shorten them). */
  agentTimings?: {leaseRenewMs?: number; statusUpdateMs?: number}
  /** Whether to run the service proxy; by default only in a real node (a test passing its own runtime probe runs in-process on a host whose iptables are not ours). */
  proxy?: boolean
  /** Whether to run the node's DNS server (port 53 on the node address); by default only in a real node. */
  dns?: boolean
  /** Whether to run the cloud controller (LoadBalancer services on the host); by default in a real control plane given the host engine. */
  cloud?: boolean
  /** Whether to run the Ingress controller (ports 80 and 443 of the control plane); by default in a real control plane. */
  ingress?: boolean
  /** Port of the agent's logs/exec server; null starts none (tests without a container runtime). */
  agentServerPort?: number | null
}

/** A running node's components; stop() shuts them down in reverse order. */
export interface RunningNode {
  /** Resolves when the agent has registered the node Ready. */
  ready: Promise<void>
  stop(): Promise<void>
}

/** Client credentials for etcd's mutual TLS (PEM). */
export interface EtcdTls {
  ca: string
  cert: string
  key: string
}

/** GETs url (over mutual TLS when given credentials) and resolves its status code. */
function httpStatus(url: string, tls?: EtcdTls): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const get = url.startsWith('https:') ? (u: string, cb: (res: http.IncomingMessage) => void) => https.get(u, {...tls, agent: false}, cb) : http.get
    const req = get(url, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.setTimeout(1000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** Polls url until it answers 200 (etcd's /health), every pollMs, until signal aborts. */
export async function waitForHttpOk(url: string, opts: {signal: AbortSignal; clock: Clock; pollMs: number; log: Log; tls?: EtcdTls}): Promise<void> {
  const check = async () => {
    const code = await httpStatus(url, opts.tls)
    if (code !== 200) throw new Error(`status ${code}`)
    return true
  }
  const reason = (err: any) => err?.code ?? err?.message ?? String(err)
  await poll(check, {what: url, intervalMs: opts.pollMs, clock: opts.clock, signal: opts.signal, onWaiting: (last) => opts.log(`still waiting for ${url} (${reason(last)})`)})
}

/** What every part's starter gets: the node's identity files, its logger, and where to register tasks and closers. */
export interface PartContext {
  opts: RunNodeOptions
  env: NodeJS.ProcessEnv
  pkiDir: string
  /** Reads a PEM file of the node's PKI directory. */
  pem(file: string): string
  ca: string
  clock: Clock
  log(component: string): Log
  signal: AbortSignal
  /** Long-running loops; stop() waits (briefly) for them. */
  tasks: Promise<unknown>[]
  /** Shutdown steps, run newest first after the loops end. */
  closers: (() => Promise<void>)[]
  t0: number
  apiServerURL: string
  agentConfig: AgentConfig
  /** Resolves once this process's agent registered the node (at once in a process without the agent). */
  registered(): Promise<void>
}

/** Starts one part; the node part hands back its agent, whose registration later parts may wait for. */
export type PartStarter = (ctx: PartContext) => Promise<{agent?: NodeAgent} | void>

/** Starts the given parts of a node and returns once they are launched (not yet Ready). */
export async function runParts(opts: RunNodeOptions, starters: Partial<Record<NodePart, PartStarter>>): Promise<RunningNode> {
  const env = opts.env ?? process.env
  const pkiDir = opts.pkiDir ?? NodeFiles.pkiDir
  const clock = opts.clock ?? realClock
  const log = (component: string) => componentLogger(component, opts.logWriter)
  const main = log('node')
  const pem = (file: string) => readFileSync(join(pkiDir, file), 'utf8')
  const abort = new AbortController()
  const tasks: Promise<unknown>[] = []
  const closers: (() => Promise<void>)[] = []
  const t0 = clock.now()

  let apiServerURL = env[NodeEnv.apiServer] ?? ''
  if (opts.role === 'control-plane') {
    // The control plane's own components talk to the local apiserver: no network hop, and it works before the
    // cluster network is fully set up.
    apiServerURL = `https://127.0.0.1:${opts.apiServerPort ?? NodePorts.apiServer}`
  }
  if (!apiServerURL) throw new Error(`environment variable ${NodeEnv.apiServer} is not set`)

  const parts = new Set<NodePart>(opts.role === 'control-plane' ? (opts.parts ?? NODE_PARTS) : ['node'])
  let agent: NodeAgent | undefined
  const ctx: PartContext = {
    opts, env, pkiDir, pem, ca: pem('ca.crt'), clock, log, signal: abort.signal, tasks, closers, t0, apiServerURL,
    agentConfig: agentConfigFromEnv(env, opts.role),
    // Loops that wait for the node's registration (off its boot path) start at once in a process without the agent.
    registered: () => agent?.registered() ?? Promise.resolve(),
  }
  // The agent starts first on every node: waiting for containerd overlaps the control plane's boot.
  for (const part of ['node', 'apiserver', 'controller-manager'] as const) {
    if (!parts.has(part)) continue
    const start = starters[part]
    if (!start) throw new Error(`this process cannot run the ${part} part`)
    const started = await start(ctx)
    if (started && started.agent) agent = started.agent
  }

  const what = parts.size === NODE_PARTS.length || opts.role === 'worker' ? `${opts.role} node` : `${[...parts].join('+')} of`
  const ready = ctx.registered().then(() => main(`${what} ${ctx.agentConfig.nodeName} ${agent ? 'Ready' : 'started'} after ${clock.now() - t0} ms, rss=${rssMiB()}MiB`))
  return {
    ready,
    async stop() {
      abort.abort()
      // Loops end first (their watches close), then servers and clients, newest first.
      await Promise.race([Promise.allSettled(tasks), clock.sleep(2000)])
      for (const close of closers.reverse()) await close().catch((err) => main(`shutdown: ${err?.message ?? err}`))
    },
  }
}
