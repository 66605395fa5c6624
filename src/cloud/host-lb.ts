// The host side of LoadBalancer services: one small proxy container per cluster on the host's Docker, its ports published on the host address.
import type Dockerode from 'dockerode'
import {LOAD_BALANCER_ROLE, Labels, loadBalancerName} from '../api/contract.js'
import {servesPorts, type Listener} from './lb-config.js'
import {LB_MAIN, LB_READY_FILE, LB_UPDATE, lbRestoreInput} from './lb-rules.js'

/** What the host load balancer needs to know about its cluster. */
export interface HostLoadBalancerOptions {
  docker: Dockerode
  cluster: string
  /** The cluster's Docker network, which the container joins to reach the nodes. */
  network: string
  /** The image to run (the node image: it holds iptables and tini). */
  image: string
  /** The host address ports are published on (127.0.0.1). */
  hostAddress: string
  log?: (msg: string) => void
}

/** Node port → host port, as the engine published them. */
export type PortMap = Map<number, number>

interface Inspected {
  Id: string
  State?: {Running?: boolean}
  Config?: {Labels?: Record<string, string>}
  NetworkSettings?: {Ports?: Record<string, {HostIp: string; HostPort: string}[] | null>}
}

/** The ports an engine published for a container, by container port (= node port). */
function publishedPorts(c: Inspected): PortMap {
  const out: PortMap = new Map()
  for (const [key, binds] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    const port = Number(key.split('/')[0])
    const host = Number(binds?.[0]?.HostPort)
    if (port && host) out.set(port, host)
  }
  return out
}

/** The host port an engine error says is taken ("Bind for 127.0.0.1:80 failed: port is already allocated", "address already in use"). */
export function takenPort(message: string): number | undefined {
  if (!/already allocated|address already in use|bind/i.test(message)) return undefined
  const m = /(?:\d{1,3}\.){3}\d{1,3}:(\d+)/.exec(message) ?? /port (\d+)/.exec(message)
  return m ? Number(m[1]) : undefined
}

/** Manages the cluster's load-balancer container. */
export class HostLoadBalancer {
  readonly name: string
  private readonly log: (msg: string) => void

  constructor(private readonly opts: HostLoadBalancerOptions) {
    this.name = loadBalancerName(opts.cluster)
    this.log = opts.log ?? (() => {})
  }

  private async inspect(): Promise<Inspected | undefined> {
    try {
      return (await this.opts.docker.getContainer(this.name).inspect()) as Inspected
    } catch (err) {
      if ((err as {statusCode?: number}).statusCode === 404) return undefined
      throw err
    }
  }

  /** The host ports the running container publishes (empty when there is none). */
  async published(): Promise<PortMap> {
    const c = await this.inspect()
    return c?.State?.Running ? publishedPorts(c) : new Map()
  }

  /**
   * Makes the container serve exactly these listeners and returns the host ports it got. Ports that change
   * recreate the container (the engine cannot publish ports on a running one); backends alone are rewritten in place.
   */
  async apply(listeners: Listener[]): Promise<PortMap> {
    const existing = await this.inspect()
    if (listeners.length === 0) {
      if (existing) await this.remove()
      return new Map()
    }
    // Judged by what the engine published, so a port it picked (asked as 0) or a fallback does not read as a change.
    if (existing?.State?.Running && servesPorts(publishedPorts(existing), listeners)) {
      await this.writeListeners(listeners)
      return publishedPorts(existing)
    }
    if (existing) await this.remove()
    // Ports the removed container held: the engine may take a moment to release them, so they are waited for
    // (briefly) rather than given away to the first error.
    const own = new Set(existing ? publishedPorts(existing).values() : [])
    const asked = listeners.map((l) => ({...l}))
    for (let attempt = 0, waits = 0; ; attempt++) {
      try {
        return await this.create(asked)
      } catch (err) {
        const port = takenPort(String((err as Error).message))
        const l = port !== undefined ? asked.find((x) => x.hostPort === port) : undefined
        await this.remove()
        if (!l || attempt > listeners.length + 20) throw err
        if (own.has(port!) && waits++ < 20) {
          await new Promise((r) => setTimeout(r, 100))
          continue
        }
        // Taken on the host by something else: a free port instead, as the service's status will say.
        this.log(`host port ${port} is taken; ${l.service} gets a free port`)
        l.hostPort = 0
      }
    }
  }

  private async create(listeners: Listener[]): Promise<PortMap> {
    const ports = Object.fromEntries(listeners.map((l) => [`${l.nodePort}/tcp`, [{HostIp: this.opts.hostAddress, HostPort: l.hostPort ? String(l.hostPort) : ''}]]))
    const container = await this.opts.docker.createContainer({
      name: this.name,
      Image: this.opts.image,
      Entrypoint: ['/usr/bin/tini', '--', 'sh', '-c', LB_MAIN],
      Env: [`SKIFF_LB_RULES=${lbRestoreInput(listeners)}`],
      Labels: {[Labels.cluster]: this.opts.cluster, [Labels.role]: LOAD_BALANCER_ROLE},
      ExposedPorts: Object.fromEntries(Object.keys(ports).map((p) => [p, {}])),
      HostConfig: {
        PortBindings: ports,
        RestartPolicy: {Name: 'unless-stopped'},
        NetworkMode: this.opts.network,
        // The node image declares /var/lib/containerd a volume; a tmpfs there keeps Docker from making an anonymous
        // volume for every load-balancer container (which would outlive it).
        Tmpfs: {'/run': 'rw', '/var/lib/containerd': 'rw,size=1m'},
        // NAT in its own network namespace only: forwarding there and the right to write its rules, nothing more.
        CapAdd: ['NET_ADMIN'],
        Sysctls: {'net.ipv4.ip_forward': '1'},
        Memory: 64 * 1024 * 1024,
      },
    })
    await container.start()
    await this.waitReady()
    const c = (await container.inspect()) as Inspected
    return publishedPorts(c)
  }

  /** Waits until the container's main has applied its first rules (a few tens of ms after start). */
  private async waitReady(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await this.run(['test', '-f', LB_READY_FILE])) === 0) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`load balancer ${this.name} did not apply its rules within 5 s`)
  }

  /** Runs a command in the container; resolves its exit code. */
  private async run(cmd: string[]): Promise<number> {
    const exec = await this.opts.docker.getContainer(this.name).exec({Cmd: cmd, AttachStdout: true, AttachStderr: true})
    const stream = await exec.start({hijack: true, stdin: false})
    await new Promise<void>((resolve) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', () => resolve())
      stream.resume()
    })
    return (await exec.inspect()).ExitCode ?? -1
  }

  /** Applies new backends in the running container, in one batch (established connections keep theirs). */
  private async writeListeners(listeners: Listener[]): Promise<void> {
    const code = await this.run(['sh', '-c', LB_UPDATE, 'sh', lbRestoreInput(listeners)])
    if (code !== 0) throw new Error(`applying the load balancer's rules exited ${code}`)
  }

  /** Removes the container (nothing to do when there is none). */
  async remove(): Promise<void> {
    await this.opts.docker
      .getContainer(this.name)
      .remove({force: true, v: true})
      .catch((err: {statusCode?: number}) => {
        if (err.statusCode !== 404) throw err
      })
  }
}
