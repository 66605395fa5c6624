// Which pods back a service and how: the pure computation both the Endpoints and the EndpointSlice controllers build on (addresses, readiness, resolved target ports).
import type {Pod} from '../../api/types/workloads.js'
import type {Service, ServicePort} from '../../api/resources/core/service.js'
import {isPodReady} from '../util/pods.js'

/** A service port as one pod serves it: the target port resolved to a number for that pod. */
export interface ResolvedPort {
  name?: string
  port: number
  protocol: string
  appProtocol?: string
}

/** One pod behind a service. */
export interface PodEndpoint {
  pod: Pod
  ip: string
  nodeName?: string
  /** The pod's hostname, when its subdomain names this service (StatefulSet pods behind their headless service). */
  hostname?: string
  /** Ready: serving and not terminating, or any pod when the service publishes not-ready addresses. */
  ready: boolean
  /** The pod's Ready condition, whether or not it is terminating. */
  serving: boolean
  terminating: boolean
  ports: ResolvedPort[]
}

/**
 * The number a service port's targetPort means for one pod: a number as is, a name looked up in the pod's container
 * ports (same protocol); undefined when the pod has no port of that name (the pod then does not serve that port).
 */
export function resolveTargetPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port
  if (typeof target === 'number') return target
  if (/^\d+$/.test(target)) return Number(target)
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort
  }
  return undefined
}

/** Whether a pod belongs in a service's endpoints at all: it has an address and has not finished. */
function eligible(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP || !pod.spec?.nodeName) return false
  const phase = pod.status.phase
  if (phase === 'Succeeded' || phase === 'Failed') return false
  return includeTerminating || !pod.metadata.deletionTimestamp
}

/**
 * The endpoints of a service from the pods of its namespace that its selector matched, sorted by pod name so the
 * written objects are stable. `includeTerminating`: EndpointSlices list terminating pods (with their conditions),
 * Endpoints leave them out unless the service publishes not-ready addresses.
 */
export function podEndpoints(svc: Service, pods: Pod[], includeTerminating: boolean): PodEndpoint[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true
  const out: PodEndpoint[] = []
  for (const pod of [...pods].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    if (!eligible(pod, includeTerminating || publishNotReady)) continue
    const terminating = !!pod.metadata.deletionTimestamp
    const serving = isPodReady(pod)
    const ports: ResolvedPort[] = []
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolveTargetPort(pod, sp)
      if (port === undefined) continue
      ports.push({...(sp.name ? {name: sp.name} : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? {appProtocol: sp.appProtocol} : {})})
    }
    const hostname = pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name ? pod.spec.hostname : undefined
    out.push({pod, ip: pod.status!.podIP!, nodeName: pod.spec?.nodeName, hostname, ready: publishNotReady || (serving && !terminating), serving, terminating, ports})
  }
  return out
}

/** The reference to a pod that endpoints carry. */
export function podRef(pod: Pod): {kind: 'Pod'; namespace: string; name: string; uid: string} {
  return {kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? ''}
}

/** A stable key of a port list, to group pods that serve the same ports. */
export function portsKey(ports: ResolvedPort[]): string {
  return JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || a.protocol.localeCompare(b.protocol)))
}
