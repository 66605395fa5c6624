// The built-in Ingress controller: watches Ingresses, Services, EndpointSlices and TLS Secrets, serves HTTP and HTTPS on the control plane (published on the host), and writes each served Ingress's address.
import * as http from 'node:http'
import * as https from 'node:https'
import * as tls from 'node:tls'
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'
import type {Ingress} from '../api/resources/networking/ingress.js'
import {type Clock, realClock} from '../api/clock.js'
import type {ApiClient} from '../client/api-client.js'
import {isConflict, isNotFound} from '../client/errors.js'
import type {Informer} from '../client/informer.js'
import {type InformerFactory, informerFor} from '../client/informer-factory.js'
import {IngressProxy} from './proxy.js'
import {buildRoutes, isOurIngress, tlsFor} from './routes.js'

/** Options of the controller. */
export interface IngressControllerOptions {
  /** A factory whose informers this component shares with others in its process (one watch each); else its own. */
  informers?: InformerFactory
  client: Pick<ApiClient, 'list' | 'watch' | 'update'>
  /** Listen address and ports inside the node (0.0.0.0, 80 and 443 by default). */
  host?: string
  httpPort?: number
  httpsPort?: number
  /** The certificate for names no TLS section covers. */
  defaultCert: {cert: string; key: string}
  /** What Ingress status says: the host address, and the host ports when they are not 80 and 443. */
  address: string
  hostPorts?: {http: number; https: number}
  clock?: Clock
  log?: (msg: string) => void
}

const INGRESSES = {group: 'networking.k8s.io', version: 'v1', resource: 'ingresses'}

function decode(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : ''
}

/** Runs the controller until the signal aborts. */
export class IngressController {
  readonly proxy = new IngressProxy()
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly ingresses: Informer<Ingress>
  private readonly services: Informer<Service>
  private readonly slices: Informer<KubeObject>
  private readonly secrets: Informer<KubeObject>
  private readonly contexts = new Map<string, {version: string; ctx: tls.SecureContext}>()
  private servers: http.Server[] = []
  private timer = false
  private statusRun: Promise<void> = Promise.resolve()

  constructor(private readonly opts: IngressControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    const inf = {clock: this.clock, log: this.log}
    this.ingresses = informerFor<Ingress>(opts.informers, opts.client, INGRESSES, inf)
    this.services = informerFor<Service>(opts.informers, opts.client, {version: 'v1', resource: 'services'}, inf)
    this.slices = informerFor(opts.informers, opts.client, {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices'}, inf)
    // Only TLS Secrets: the controller has no business holding every Secret of the cluster.
    this.secrets = informerFor(opts.informers, opts.client, {version: 'v1', resource: 'secrets'}, {...inf, fieldSelector: 'type=kubernetes.io/tls'})
    const changed = () => this.schedule()
    for (const i of this.all()) i.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
  }

  private all(): Informer<KubeObject>[] {
    return [this.ingresses, this.services, this.slices, this.secrets] as Informer<KubeObject>[]
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.listen()
    signal.addEventListener('abort', () => this.close(), {once: true})
    const runs = this.all().map((i) => i.run(signal))
    for (const i of this.all()) if (!(await i.waitForSync(signal))) return
    this.rebuild()
    await Promise.all(runs)
  }

  private async listen(): Promise<void> {
    const host = this.opts.host ?? '0.0.0.0'
    const plain = http.createServer(this.proxy.handler(false))
    plain.on('upgrade', this.proxy.upgrade(false))
    const secure = https.createServer({cert: this.opts.defaultCert.cert, key: this.opts.defaultCert.key, SNICallback: (name, cb) => cb(null, this.secureContext(name))}, this.proxy.handler(true))
    secure.on('upgrade', this.proxy.upgrade(true))
    this.servers = [plain, secure]
    await Promise.all([
      new Promise<void>((r, j) => plain.once('error', j).listen(this.opts.httpPort ?? 80, host, () => r())),
      new Promise<void>((r, j) => secure.once('error', j).listen(this.opts.httpsPort ?? 443, host, () => r())),
    ])
  }

  /** The ports the servers got (tests listen on 0). */
  ports(): {http: number; https: number} {
    const port = (s: http.Server | undefined) => (s?.address() as {port?: number} | null)?.port ?? 0
    return {http: port(this.servers[0]), https: port(this.servers[1])}
  }

  /** The certificate of the TLS section covering the name, from its Secret; the default one otherwise. */
  private secureContext(servername: string): tls.SecureContext | undefined {
    const entry = tlsFor(this.proxy.table, servername)
    const secret = entry && this.secrets.get(entry.secret)
    if (!secret) return undefined
    const version = secret.metadata.resourceVersion ?? ''
    const cached = this.contexts.get(entry.secret)
    if (cached?.version === version) return cached.ctx
    const data = (secret.data ?? {}) as Record<string, string>
    try {
      const ctx = tls.createSecureContext({cert: decode(data['tls.crt']), key: decode(data['tls.key'])})
      this.contexts.set(entry.secret, {version, ctx})
      return ctx
    } catch (err) {
      this.log(`secret ${entry.secret} holds no usable certificate: ${(err as Error).message}`)
      return undefined
    }
  }

  private schedule(): void {
    if (this.timer || !this.all().every((i) => i.hasSynced())) return
    this.timer = true
    this.clock.setTimer(50, () => {
      this.timer = false
      this.rebuild()
    })
  }

  /** New routes at once; status writes queue behind each other. */
  private rebuild(): void {
    this.proxy.table = buildRoutes(this.ingresses.list(), this.services.list(), this.slices.list())
    this.statusRun = this.statusRun.then(() => this.writeStatus()).catch((err) => {
      this.log(`ingress status: ${(err as Error)?.message ?? err}`)
      this.clock.setTimer(2000, () => this.schedule())
    })
  }

  private wantedStatus(): {ingress: unknown[]} {
    const p = this.opts.hostPorts
    const ports = p && (p.http !== 80 || p.https !== 443) ? {ports: [{port: p.http, protocol: 'TCP'}, {port: p.https, protocol: 'TCP'}]} : {}
    return {ingress: [{ip: this.opts.address, ...ports}]}
  }

  /** Our Ingresses get the address; one that left us (other class now) loses it, if it is still ours that it holds. */
  private async writeStatus(): Promise<void> {
    const ours = this.wantedStatus()
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
    for (const ing of this.ingresses.list()) {
      if (ing.metadata.deletionTimestamp) continue
      const current = ing.status?.loadBalancer ?? {}
      // Another controller's address on an Ingress of its class is not ours to clear.
      const next = isOurIngress(ing) ? ours : same(current, ours) ? {} : current
      if (same(current, next)) continue
      const {namespace, name} = ing.metadata
      try {
        await this.opts.client.update({...INGRESSES, namespace, name, subresource: 'status'}, {...ing, apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', status: {...ing.status, loadBalancer: next}} as Ingress)
      } catch (err) {
        if (isNotFound(err)) continue
        if (isConflict(err)) return this.schedule()
        throw err
      }
    }
  }

  close(): void {
    for (const s of this.servers) s.close()
    this.proxy.close()
  }
}
