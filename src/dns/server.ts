// The node's DNS server (cluster DNS, one per node): answers the cluster zone from informer caches and forwards the rest upstream, over UDP and TCP, and registers itself as an endpoint of the kube-dns Service.
import * as dgram from 'node:dgram'
import * as net from 'node:net'
import dnsPacket, {type DecodedPacket} from 'dns-packet'
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'
import {type Clock, realClock} from '../api/clock.js'
import type {ApiClient} from '../client/api-client.js'
import {isAlreadyExists, isNotFound} from '../client/errors.js'
import type {Informer} from '../client/informer.js'
import {type InformerFactory, informerFor} from '../client/informer-factory.js'
import {Forwarder} from './forward.js'
import {ClusterZone} from './zone.js'

/** The kube-dns Service the cluster's pods use as their nameserver. */
export const KUBE_DNS = {namespace: 'kube-system', name: 'kube-dns'}
const SLICES = {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices'}

const RCODES = {NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5} as const

/** Options of one node's DNS server. */
export interface DnsServerOptions {
  /** A factory whose informers this component shares with others in its process (one watch each); else its own. */
  informers?: InformerFactory
  client: Pick<ApiClient, 'list' | 'watch' | 'get' | 'create' | 'update'>
  /** Where to listen (the node's address); port 53 unless given. */
  host: string
  port?: number
  domain?: string
  upstreams: string[]
  nodeName: string
  /** The node's uid, so its kube-dns endpoint slice goes away with the Node. */
  nodeUID?: () => string | undefined
  clock?: Clock
  log?: (msg: string) => void
}

/** Answers one query packet: the zone's answer, a forwarded one, or SERVFAIL (also while the zone is not filled yet); always a response to the same id. */
export async function handleQuery(raw: Buffer, zone: ClusterZone, forwarder: Forwarder, zoneReady = true): Promise<Buffer> {
  let query: DecodedPacket
  try {
    query = dnsPacket.decode(raw)
  } catch {
    // Not even a header we can answer to.
    return Buffer.alloc(0)
  }
  const q = query.questions?.[0]
  const reply = (rcode: number, extra: Partial<DecodedPacket> = {}) =>
    dnsPacket.encode({type: 'response', id: query.id, flags: (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | rcode, questions: query.questions, ...extra})
  if (!q) return reply(RCODES.REFUSED)
  if (zone.owns(q.name)) {
    if (!zoneReady) return reply(RCODES.SERVFAIL)
    const a = zone.answer(q)
    return dnsPacket.encode({
      type: 'response', id: query.id, questions: query.questions,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | RCODES[a.rcode],
      answers: a.answers, additionals: a.additionals, authorities: a.authorities,
    })
  }
  try {
    return await forwarder.resolve(query, raw)
  } catch {
    return reply(RCODES.SERVFAIL)
  }
}

/** Runs the DNS server until stopped. */
export class DnsServer {
  readonly zone: ClusterZone
  private readonly forwarder: Forwarder
  private readonly services: Informer<Service>
  private readonly slices: Informer<KubeObject>
  private readonly log: (msg: string) => void
  private readonly clock: Clock
  /** Queries answered, for health and benchmarks. */
  queries = 0

  constructor(private readonly opts: DnsServerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    this.zone = new ClusterZone(opts.domain)
    this.forwarder = new Forwarder({upstreams: opts.upstreams, clock: this.clock})
    const infOpts = {clock: this.clock, log: this.log}
    this.services = informerFor<Service>(opts.informers, opts.client, {version: 'v1', resource: 'services'}, infOpts)
    this.slices = informerFor(opts.informers, opts.client, SLICES, infOpts)
    const rebuild = () => this.zone.update(this.services.list(), this.slices.list())
    for (const inf of [this.services, this.slices] as Informer<KubeObject>[]) inf.addHandlers({onAdd: rebuild, onUpdate: rebuild, onDelete: rebuild})
  }

  async run(signal: AbortSignal): Promise<void> {
    const port = this.opts.port ?? 53
    const udp = dgram.createSocket('udp4')
    const synced = () => this.services.hasSynced() && this.slices.hasSynced()
    udp.on('message', (msg, rinfo) => {
      this.queries++
      handleQuery(msg, this.zone, this.forwarder, synced()).then((res) => res.length && udp.send(res, rinfo.port, rinfo.address), () => undefined)
    })
    const tcp = net.createServer((sock) => serveTcp(sock, (raw) => handleQuery(raw, this.zone, this.forwarder, synced())))
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject)
      udp.bind(port, this.opts.host, () => resolve())
    })
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject)
      tcp.listen(port, this.opts.host, () => resolve())
    })
    this.log(`listening on ${this.opts.host}:${port} (udp, tcp) for ${this.zone.domain}, forwarding to ${this.opts.upstreams.join(', ') || 'nothing'}`)
    signal.addEventListener('abort', () => {
      udp.close()
      tcp.close()
    }, {once: true})
    const informers = [this.services.run(signal), this.slices.run(signal)]
    // Registered at once (the kube-dns endpoint is this address either way); until the caches fill, queries get
    // SERVFAIL, which resolvers retry, rather than an NXDOMAIN for names that exist.
    await this.register(signal)
    await Promise.all(informers)
  }

  /**
   * Writes this node's endpoint slice of kube-dns (this node's address), which the Service's internalTrafficPolicy
   * Local turns into "every pod asks the DNS server of its own node". Retried until it succeeds.
   */
  private async register(signal: AbortSignal): Promise<void> {
    const name = `kube-dns-${this.opts.nodeName}`.slice(0, 253)
    const uid = this.opts.nodeUID?.()
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        name, namespace: KUBE_DNS.namespace,
        labels: {'kubernetes.io/service-name': KUBE_DNS.name, 'endpointslice.kubernetes.io/managed-by': 'dns.skiff.dev'},
        ...(uid ? {ownerReferences: [{apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid}]} : {}),
      },
      addressType: 'IPv4',
      endpoints: [{addresses: [this.opts.host], conditions: {ready: true}, nodeName: this.opts.nodeName}],
      ports: [{name: 'dns', port: this.opts.port ?? 53, protocol: 'UDP'}, {name: 'dns-tcp', port: this.opts.port ?? 53, protocol: 'TCP'}],
    }
    for (let delay = 100, refusals = 0; !signal.aborted; ) {
      try {
        const current = await this.opts.client.get<KubeObject>({...SLICES, namespace: KUBE_DNS.namespace, name}).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)))
        if (!current) await this.opts.client.create({...SLICES, namespace: KUBE_DNS.namespace}, slice)
        else if (JSON.stringify(current.endpoints) !== JSON.stringify(slice.endpoints)) await this.opts.client.update({...SLICES, namespace: KUBE_DNS.namespace, name}, {...current, endpoints: slice.endpoints, ports: slice.ports})
        return
      } catch (err) {
        if (isAlreadyExists(err)) continue
        const refused = (err as {code?: string})?.code === 'ECONNREFUSED'
        if (!refused || refusals === 0) this.log(`registering with ${KUBE_DNS.namespace}/${KUBE_DNS.name} failed (retrying): ${(err as Error)?.message ?? err}`)
        await this.clock.sleep(delay, signal)
        // As the informers do: while the apiserver is not listening yet (a booting cluster), retry at the shortest
        // delay, so cluster DNS answers within a beat of the API rather than a doubled back-off later.
        if (refused && ++refusals <= 100) continue
        delay = Math.min(delay * 2, 5000)
      }
    }
  }
}

/** DNS over TCP: two-byte length-prefixed messages, several per connection. */
function serveTcp(sock: net.Socket, answer: (raw: Buffer) => Promise<Buffer>): void {
  let buf = Buffer.alloc(0)
  sock.setTimeout(10_000, () => sock.destroy())
  sock.on('error', () => sock.destroy())
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d])
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const raw = buf.subarray(2, 2 + buf.readUInt16BE(0))
      buf = buf.subarray(2 + raw.length)
      void answer(raw).then((res) => {
        if (!res.length || sock.destroyed) return
        const len = Buffer.alloc(2)
        len.writeUInt16BE(res.length)
        sock.write(Buffer.concat([len, res]))
      })
    }
  })
}
