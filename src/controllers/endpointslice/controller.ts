// EndpointSlice controller: keeps the discovery.k8s.io/v1 EndpointSlices of every service with a selector equal to its pods, with ready/serving/terminating conditions, at most 100 endpoints a slice.
import {isDeepStrictEqual} from 'node:util'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {Service} from '../../api/resources/core/service.js'
import {type Clock, realClock} from '../../api/clock.js'
import {isConflict, isNotFound} from '../../client/errors.js'
import {WorkQueue, processQueue} from '../../client/workqueue.js'
import type {Controller, ControllerClient, ControllerContext, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import {HEADLESS_LABEL} from '../endpoints/controller.js'
import {type PodEndpoint, podEndpoints, podRef, portsKey, type ResolvedPort} from '../endpoints/addresses.js'
import {selectedPods, watchServicesAndPods} from '../endpoints/triggers.js'

/** The label naming a slice's service, and the one saying which controller manages the slice. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by'
export const MANAGED_BY = 'endpointslice-controller.k8s.io'
/** Kubernetes' default maxEndpointsPerSlice. */
export const MAX_ENDPOINTS_PER_SLICE = 100

const SLICES = {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices'}

interface SliceEndpoint {
  addresses: string[]
  conditions: {ready: boolean; serving: boolean; terminating: boolean}
  hostname?: string
  nodeName?: string
  targetRef: ReturnType<typeof podRef>
}

/** The contents one slice should have. */
export interface DesiredSlice {
  ports: ResolvedPort[]
  endpoints: SliceEndpoint[]
}

function sliceEndpoint(e: PodEndpoint): SliceEndpoint {
  return {
    addresses: [e.ip],
    conditions: {ready: e.ready, serving: e.serving, terminating: e.terminating},
    ...(e.hostname ? {hostname: e.hostname} : {}),
    ...(e.nodeName ? {nodeName: e.nodeName} : {}),
    targetRef: podRef(e.pod),
  }
}

/** The slices a service should have: one group per port set, each cut into slices of at most `max` endpoints. */
export function desiredSlices(svc: Service, pods: Pod[], max = MAX_ENDPOINTS_PER_SLICE): DesiredSlice[] {
  const groups = new Map<string, DesiredSlice>()
  for (const e of podEndpoints(svc, pods, true)) {
    // Slice ports always carry a name ('' for an unnamed port), as the server defaults them.
    const ports = e.ports.map((p) => ({...p, name: p.name ?? ''}))
    const key = portsKey(ports)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {ports, endpoints: []}))
    g.endpoints.push(sliceEndpoint(e))
  }
  const out: DesiredSlice[] = []
  for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    for (let i = 0; i < g.endpoints.length; i += max) out.push({ports: g.ports, endpoints: g.endpoints.slice(i, i + max)})
  }
  return out
}

/** Dependencies of the EndpointSlice controller. */
export interface EndpointSliceControllerOptions {
  client: ControllerClient
  services: Lister<Service>
  pods: Lister<Pod>
  slices: Lister
  clock?: Clock
  log?: (msg: string) => void
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice'
  readonly queue: WorkQueue
  private readonly log: (msg: string) => void

  constructor(private readonly opts: EndpointSliceControllerOptions) {
    this.log = opts.log ?? (() => {})
    this.queue = new WorkQueue({clock: opts.clock ?? realClock})
    watchServicesAndPods(opts.services, opts.pods, (key) => this.queue.add(key))
    // A slice changed or removed by someone else is put back.
    const bySlice = (s: KubeObject) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL]
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) this.queue.add(`${s.metadata.namespace}/${svc}`)
    }
    opts.slices.addHandlers({onUpdate: (_o, s) => bySlice(s), onDelete: bySlice})
  }

  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.queue.shutDown(), {once: true})
    for (const l of [this.opts.services, this.opts.pods, this.opts.slices]) if (!(await l.waitForSync(signal))) return
    await processQueue(this.queue, (key) => this.sync(key), {
      workers: 2,
      onError: (key, err: unknown) => isConflict(err) || this.log(`sync ${key} failed (will retry): ${messageOf(err)}`),
    })
  }

  /** The slices this controller manages for a service, oldest name first. */
  private owned(namespace: string, name: string): KubeObject[] {
    return this.opts.slices
      .list()
      .filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY)
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
  }

  /** Converges one service's slices: existing ones are reused (same ports first), missing ones made, extra ones removed. */
  async sync(key: string): Promise<void> {
    const svc = this.opts.services.get(key)
    // A deleted service's slices go with it: the garbage collector follows their owner reference.
    if (!svc || !svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return
    const namespace = svc.metadata.namespace!
    const name = svc.metadata.name!
    const labels = {...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY, ...(svc.spec.clusterIP === 'None' ? {[HEADLESS_LABEL]: ''} : {})}
    const desired = desiredSlices(svc, selectedPods(svc, this.opts.pods))
    // A service without endpoints still gets one empty slice, as Kubernetes does (consumers see "no endpoints").
    if (desired.length === 0) desired.push({ports: [], endpoints: []})
    const existing = this.owned(namespace, name)
    const unused = [...existing]
    const take = (ports: ResolvedPort[]) => {
      const i = unused.findIndex((s) => portsKey(s.ports ?? []) === portsKey(ports))
      return i >= 0 ? unused.splice(i, 1)[0] : unused.shift()
    }
    const owner = {apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true}
    for (const d of desired) {
      const slice = take(d.ports)
      if (slice) {
        if (isDeepStrictEqual(slice.endpoints ?? [], d.endpoints) && isDeepStrictEqual(slice.ports ?? [], d.ports) && isDeepStrictEqual(slice.metadata.labels ?? {}, labels)) continue
        await this.opts.client.update({...SLICES, namespace, name: slice.metadata.name}, {...slice, metadata: {...slice.metadata, labels}, endpoints: d.endpoints, ports: d.ports})
        continue
      }
      const fresh: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {generateName: `${name.slice(0, 57)}-`, namespace, labels, ownerReferences: [owner]},
        addressType: 'IPv4',
        endpoints: d.endpoints,
        ports: d.ports,
      }
      await this.opts.client.create({...SLICES, namespace}, fresh)
    }
    for (const extra of unused) {
      await this.opts.client.delete({...SLICES, namespace, name: extra.metadata.name}).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)))
    }
  }
}

/** Registry entry: the controller over the manager's shared Service, Pod and EndpointSlice informers. */
export function newEndpointSliceController(ctx: ControllerContext): Controller {
  return new EndpointSliceController({
    client: ctx.client,
    services: ctx.informers.informer<Service>({version: 'v1', resource: 'services'}),
    pods: ctx.informers.informer<Pod>({version: 'v1', resource: 'pods'}),
    slices: ctx.informers.informer(SLICES),
    clock: ctx.clock,
    log: ctx.log,
  })
}
