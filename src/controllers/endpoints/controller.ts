// Endpoints controller: keeps the core/v1 Endpoints of every service with a selector equal to the ready and not-ready addresses of the pods it selects.
import {isDeepStrictEqual} from 'node:util'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {Service} from '../../api/resources/core/service.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isAlreadyExists, isConflict, isNotFound} from '../../client/errors.js'
import {splitKey} from '../../client/paths.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {type PodEndpoint, podEndpoints, podRef, portsKey} from './addresses.js'
import {selectedPods, watchServicesAndPods} from './triggers.js'

/** Label Kubernetes puts on the endpoints of headless services. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless'

interface EndpointAddress {
  ip: string
  nodeName?: string
  hostname?: string
  targetRef: ReturnType<typeof podRef>
}

interface EndpointSubset {
  addresses?: EndpointAddress[]
  notReadyAddresses?: EndpointAddress[]
  ports?: {name?: string; port: number; protocol: string; appProtocol?: string}[]
}

function address(e: PodEndpoint): EndpointAddress {
  return {ip: e.ip, ...(e.hostname ? {hostname: e.hostname} : {}), ...(e.nodeName ? {nodeName: e.nodeName} : {}), targetRef: podRef(e.pod)}
}

const byIP = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, 'en', {numeric: true})

/**
 * The subsets for a service: pods serving the same ports share a subset; ready pods under addresses, the others under
 * notReadyAddresses. A headless service without ports still lists its pods (DNS needs them).
 */
export function endpointSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const eps = podEndpoints(svc, pods, false)
  const headlessNoPorts = svc.spec?.clusterIP === 'None' && (svc.spec?.ports ?? []).length === 0
  const groups = new Map<string, {ports: PodEndpoint['ports']; ready: EndpointAddress[]; notReady: EndpointAddress[]}>()
  for (const e of eps) {
    if (e.ports.length === 0 && !headlessNoPorts) continue
    const key = portsKey(e.ports)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {ports: e.ports, ready: [], notReady: []}))
    ;(e.ready ? g.ready : g.notReady).push(address(e))
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? {addresses: g.ready.sort(byIP)} : {}),
      ...(g.notReady.length ? {notReadyAddresses: g.notReady.sort(byIP)} : {}),
      ...(g.ports.length ? {ports: g.ports} : {}),
    }))
}

/** Dependencies of the Endpoints controller. */
export interface EndpointsControllerOptions {
  client: ControllerClient
  services: Lister<Service>
  pods: Lister<Pod>
  endpoints: Lister
  clock?: Clock
  log?: (msg: string) => void
}

export class EndpointsController implements Controller {
  readonly name = 'endpoints'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: EndpointsControllerOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    watchServicesAndPods(opts.services, opts.pods, (key) => this.queue.add(key))
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.services, this.opts.pods, this.opts.endpoints]) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** Converges the Endpoints named after one service. */
  async sync(key: string): Promise<void> {
    const {namespace, name} = splitKey(key)
    const ref = {version: 'v1', resource: 'endpoints', namespace, name}
    const svc = this.opts.services.get(key)
    const existing = this.opts.endpoints.get(key)
    if (!svc) {
      // The service is gone: so are its endpoints (Endpoints carry no owner reference for the collector).
      if (existing) await this.opts.client.delete(ref).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)))
      return
    }
    const selector = svc.spec?.selector
    if (!selector || Object.keys(selector).length === 0) return
    const labels = {...(svc.metadata.labels ?? {}), ...(svc.spec?.clusterIP === 'None' ? {[HEADLESS_LABEL]: ''} : {})}
    const subsets = endpointSubsets(svc, selectedPods(svc, this.opts.pods))
    if (existing) {
      if (isDeepStrictEqual(existing.subsets ?? [], subsets) && isDeepStrictEqual(existing.metadata.labels ?? {}, labels)) return
      const next: KubeObject = {...existing, metadata: {...existing.metadata, labels}, subsets}
      if (subsets.length === 0) delete next.subsets
      await this.opts.client.update(ref, next)
      return
    }
    const fresh: KubeObject = {apiVersion: 'v1', kind: 'Endpoints', metadata: {name, namespace, labels}, ...(subsets.length ? {subsets} : {})}
    await this.opts.client.create({version: 'v1', resource: 'endpoints', namespace}, fresh).catch((err) => {
      // Someone (a restarted controller, the user) made it meanwhile: the informer brings it, then we update.
      if (isAlreadyExists(err)) this.queue.addAfter(key, 100)
      else throw err
    })
  }
}

/** Registry entry: the controller over the manager's shared Service, Pod and Endpoints informers. */
export function newEndpointsController(ctx: ControllerContext): Controller {
  return new EndpointsController({
    client: ctx.client,
    services: ctx.informers.informer<Service>({version: 'v1', resource: 'services'}),
    pods: ctx.informers.informer<Pod>({version: 'v1', resource: 'pods'}),
    endpoints: ctx.informers.informer({version: 'v1', resource: 'endpoints'}),
    clock: ctx.clock,
    log: ctx.log,
  })
}
