// The program in the load-balancer container: a TCP proxy per listener to the nodes' node ports, reloading backends from a file.
import {promises as fs, watchFile} from 'node:fs'
import * as net from 'node:net'
import type {WireListener} from './host-lb.js'

/** Options of one load-balancer process. */
export interface LbProxyOptions {
  listeners: WireListener[]
  /** Host to listen on (all addresses in the container: the engine publishes them on the host address). */
  host?: string
  /** Milliseconds before a backend that does not accept counts as down for this connection. */
  connectTimeoutMs?: number
  log?: (msg: string) => void
  random?: () => number
}

/** Connects to one of the backends, trying the others when one refuses or does not answer. */
function connectAny(backends: string[], timeoutMs: number, random: () => number): Promise<net.Socket> {
  const order = [...backends]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  return new Promise((resolve, reject) => {
    const next = (lastError?: Error) => {
      const target = order.shift()
      if (!target) return reject(lastError ?? new Error('no backends'))
      const colon = target.lastIndexOf(':')
      const sock = net.connect({host: target.slice(0, colon), port: Number(target.slice(colon + 1))})
      const timer = setTimeout(() => sock.destroy(new Error(`connect to ${target} timed out`)), timeoutMs)
      sock.once('connect', () => {
        clearTimeout(timer)
        sock.removeAllListeners('error')
        resolve(sock)
      })
      sock.once('error', (err) => {
        clearTimeout(timer)
        next(err)
      })
    }
    next()
  })
}

/** Runs the listeners until close(); setListeners() swaps backends without dropping connections. */
export class LbProxy {
  private readonly servers = new Map<number, net.Server>()
  private readonly backends = new Map<number, string[]>()
  private readonly log: (msg: string) => void

  constructor(private readonly opts: LbProxyOptions) {
    this.log = opts.log ?? (() => {})
  }

  async start(): Promise<void> {
    await Promise.all(this.opts.listeners.map((l) => this.listen(l)))
  }

  /** The address a listener got (tests listen on port 0). */
  address(port: number): net.AddressInfo | undefined {
    return this.servers.get(port)?.address() as net.AddressInfo | undefined
  }

  private listen(l: WireListener): Promise<void> {
    this.backends.set(l.port, l.backends)
    const server = net.createServer((client) => this.relay(l.port, client))
    this.servers.set(l.port, server)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(l.port, this.opts.host ?? '0.0.0.0', () => resolve())
    })
  }

  private relay(port: number, client: net.Socket): void {
    client.setNoDelay(true)
    client.pause()
    client.on('error', () => undefined)
    connectAny(this.backends.get(port) ?? [], this.opts.connectTimeoutMs ?? 2000, this.opts.random ?? Math.random).then(
      (upstream) => {
        upstream.setNoDelay(true)
        upstream.on('error', () => client.destroy())
        client.on('error', () => upstream.destroy())
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      },
      (err) => {
        this.log(`listener ${port}: no backend answered (${(err as Error).message})`)
        client.destroy()
      },
    )
  }

  /** New backends per listener port; listeners not named keep theirs. */
  setListeners(listeners: WireListener[]): void {
    for (const l of listeners) if (this.backends.has(l.port)) this.backends.set(l.port, l.backends)
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => new Promise((r) => s.close(r))))
  }
}

/** The load-balancer container's main: listeners from the environment, backend updates from `file`. */
export async function runLoadBalancer(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LbProxy> {
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} lb: ${msg}\n`)
  const listeners = JSON.parse(env.SKIFF_LB_LISTENERS ?? '[]') as WireListener[]
  const proxy = new LbProxy({listeners, log})
  await proxy.start()
  log(`serving ${listeners.map((l) => `${l.port} -> ${l.backends.join(',') || '(none)'}`).join('; ')}`)
  // Polling a tmpfs file is cheap and survives the rename the writer does (a watch on the inode would not).
  watchFile(file, {interval: 250}, () => {
    fs.readFile(file, 'utf8').then(
      (text) => {
        proxy.setListeners(JSON.parse(text) as WireListener[])
        log(`backends updated`)
      },
      () => undefined,
    )
  })
  return proxy
}
