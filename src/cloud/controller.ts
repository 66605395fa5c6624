// The cloud controller's service loop (cloud-controller-manager's job): LoadBalancer services get a host address from the cluster's load-balancer container, written to their status.
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'
import {type Clock, realClock} from '../api/clock.js'
import type {ApiClient} from '../client/api-client.js'
import {isConflict, isNotFound} from '../client/errors.js'
import {EventRecorder} from '../client/events.js'
import type {Informer} from '../client/informer.js'
import {type InformerFactory, informerFor} from '../client/informer-factory.js'
import {SyncLoop} from '../client/sync-loop.js'
import type {PortMap} from './host-lb.js'
import {desiredListeners, isOurLoadBalancer, loadBalancerStatus, type Listener} from './lb-config.js'

/** The host side the controller drives (the Docker container in a cluster; a fake in tests). */
export interface LoadBalancerHost {
  published(): Promise<PortMap>
  apply(listeners: Listener[]): Promise<PortMap>
}

/** Options of the service loop. */
export interface CloudControllerOptions {
  /** A factory whose informers this component shares with others in its process (one watch each); else its own. */
  informers?: InformerFactory
  client: Pick<ApiClient, 'list' | 'watch' | 'get' | 'update' | 'create' | 'patch'>
  /**
   * Makes the host side, called on the first sync that has a LoadBalancer service: a cluster without any never
   * loads the Docker client (memory, and start-up time while the control plane boots).
   */
  host: () => Promise<LoadBalancerHost>
  /** The address written into status (the host address ports are published on). */
  address: string
  clock?: Clock
  log?: (msg: string) => void
  /** Least time between two syncs; changes in between are batched. */
  minSyncMs?: number
}

const SLICES = {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices'}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {})
}

/** Watches Services, Nodes and EndpointSlices and keeps the load balancer and the services' status in step. */
export class CloudController {
  private readonly clock: Clock
  private readonly log: (msg: string) => void
  private readonly services: Informer<Service>
  private readonly nodes: Informer<KubeObject>
  private readonly slices: Informer<KubeObject>
  private readonly events: EventRecorder
  private actual: PortMap | undefined
  private host: Promise<LoadBalancerHost> | undefined
  private lastApplied = ''
  private readonly loop: SyncLoop

  constructor(private readonly opts: CloudControllerOptions) {
    this.clock = opts.clock ?? realClock
    this.log = opts.log ?? (() => {})
    // A failed sync forgets what it knew of the host side: the next one reads it afresh.
    this.loop = new SyncLoop(this.clock, opts.minSyncMs ?? 100, () => this.sync(), (err) => {
      this.log(`load balancer sync failed (will retry): ${(err as Error)?.message ?? err}`)
      this.lastApplied = ''
      this.actual = undefined
      this.host = undefined
    }, 2000)
    const inf = {clock: this.clock, log: this.log}
    this.services = informerFor<Service>(opts.informers, opts.client, {version: 'v1', resource: 'services'}, inf)
    this.nodes = informerFor(opts.informers, opts.client, {version: 'v1', resource: 'nodes'}, inf)
    this.slices = informerFor(opts.informers, opts.client, SLICES, inf)
    this.events = new EventRecorder(opts.client, {component: 'service-controller', instance: 'service-controller-skiff'}, {clock: this.clock, log: this.log})
    const changed = () => this.schedule()
    for (const i of [this.services, this.nodes, this.slices] as Informer<KubeObject>[]) i.addHandlers({onAdd: changed, onUpdate: changed, onDelete: changed})
  }

  async run(signal: AbortSignal): Promise<void> {
    const runs = [this.services.run(signal), this.nodes.run(signal), this.slices.run(signal)]
    for (const i of [this.services, this.nodes, this.slices] as Informer<KubeObject>[]) if (!(await i.waitForSync(signal))) return
    this.schedule()
    await Promise.all(runs)
    await this.events.flush()
  }

  private schedule(): void {
    if ([this.services, this.nodes, this.slices].every((i) => (i as Informer<KubeObject>).hasSynced())) this.loop.schedule()
  }

  /** One pass: the listeners the services want, applied to the host, then each service's status. */
  async sync(): Promise<void> {
    const services = this.services.list()
    if (!this.host && !services.some(isOurLoadBalancer)) {
      // Nothing to serve and no host side made yet: only addresses given earlier may need clearing.
      for (const svc of services) await this.writeStatus(svc, [])
      return
    }
    const host = await (this.host ??= this.opts.host())
    this.actual ??= await host.published()
    const listeners = desiredListeners(services, this.nodes.list(), this.slices.list(), this.actual)
    const text = JSON.stringify(listeners)
    if (text !== this.lastApplied) {
      this.actual = await host.apply(listeners)
      this.lastApplied = text
    }
    for (const svc of services) await this.writeStatus(svc, listeners)
  }

  private async writeStatus(svc: Service, listeners: Listener[]): Promise<void> {
    const ours = isOurLoadBalancer(svc)
    const current = (svc.status as {loadBalancer?: unknown} | undefined)?.loadBalancer
    // Services that stopped being LoadBalancers lose the address we gave; someone else's classes are left alone.
    if (!ours && (svc.spec?.type === 'LoadBalancer' || !(current as {ingress?: unknown[]} | undefined)?.ingress?.length)) return
    const wanted = ours ? loadBalancerStatus(svc, listeners, this.actual ?? new Map(), this.opts.address) : {}
    if (sameJSON(current, wanted)) return
    const {namespace, name} = svc.metadata
    try {
      await this.opts.client.update({version: 'v1', resource: 'services', namespace, name, subresource: 'status'}, {...svc, apiVersion: 'v1', kind: 'Service', status: {...svc.status, loadBalancer: wanted}} as Service)
    } catch (err) {
      if (isNotFound(err)) return
      if (isConflict(err)) return this.schedule()
      throw err
    }
    if (ours) {
      const where = ((wanted.ingress?.[0] as {ports?: {port: number}[]} | undefined)?.ports ?? []).map((p) => `${this.opts.address}:${p.port}`).join(', ')
      this.events.record(svc, 'Normal', 'EnsuredLoadBalancer', 'EnsureLoadBalancer', `Ensured load balancer at ${where}`)
      this.log(`${namespace}/${name}: load balancer at ${where}`)
    }
  }
}
