// Service cluster IPs and node ports, allocated by the apiserver at write time as Kubernetes' service registry does: random free values, requested ones checked for range and clashes.
import type {KubeObject, StatusCause} from '../../types.js'
import {addressIn, offsetIn, rangeSize} from '../../net/cidr.js'
import {GoValue, goQuote, invalid} from '../../validation/errors.js'
import type {AllocationEnv} from '../def.js'
import type {Service, ServiceSpec} from './service.js'

const needsNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)
const needsHealthCheckPort = (spec: ServiceSpec) => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local'
const ipList = (ips: string[]) => new GoValue(`[]string{${ips.map(goQuote).join(', ')}}`)

/** Every cluster IP and node port held by the other services. */
function inUse(others: KubeObject[]): {ips: Set<string>; ports: Set<number>} {
  const ips = new Set<string>()
  const ports = new Set<number>()
  for (const o of others as Service[]) {
    for (const ip of o.spec?.clusterIPs ?? (o.spec?.clusterIP ? [o.spec.clusterIP] : [])) ips.add(ip)
    for (const p of o.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort)
    if (o.spec?.healthCheckNodePort) ports.add(o.spec.healthCheckNodePort)
  }
  return {ips, ports}
}

/**
 * A free cluster IP, picked at random. As Kubernetes does, dynamic picks prefer the range above a small reserved
 * band at the bottom (min(max(16, size/16), 256) addresses), which is left for addresses users ask for by hand.
 */
function freeIP(cidr: string, used: Set<string>, random: () => number): string | undefined {
  const size = rangeSize(cidr)
  const hosts = size - 2
  const reserved = Math.min(Math.max(16, Math.floor(size / 16)), 256, Math.floor(hosts / 2))
  for (const [from, count] of [[reserved + 1, hosts - reserved], [1, reserved]] as const) {
    if (count <= 0) continue
    const start = Math.floor(random() * count)
    for (let i = 0; i < count; i++) {
      const ip = addressIn(cidr, from + ((start + i) % count))
      if (!used.has(ip)) return ip
    }
  }
  return undefined
}

function freePort(range: {min: number; max: number}, used: Set<number>, random: () => number): number | undefined {
  const count = range.max - range.min + 1
  const start = Math.floor(random() * count)
  for (let i = 0; i < count; i++) {
    const port = range.min + ((start + i) % count)
    if (!used.has(port)) return port
  }
  return undefined
}

/** Carries the allocated values of the stored object into an update that left them out (Kubernetes' patchAllocatedValues). */
function keepAllocated(spec: ServiceSpec, prev: ServiceSpec): void {
  if (spec.type !== 'ExternalName' && prev.type !== 'ExternalName' && !spec.clusterIP && prev.clusterIP) {
    spec.clusterIP = prev.clusterIP
    spec.clusterIPs = prev.clusterIPs
  }
  if (needsNodePorts(spec) && needsNodePorts(prev)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue
      const was = (prev.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))
      if (was?.nodePort) p.nodePort = was.nodePort
    }
  }
  if (needsHealthCheckPort(spec) && needsHealthCheckPort(prev) && !spec.healthCheckNodePort) spec.healthCheckNodePort = prev.healthCheckNodePort
}

/** Allocates (or checks) the service's cluster IP, node ports and health check port; the causes are 422 field errors. */
export async function allocateService(obj: KubeObject, old: KubeObject | undefined, env: AllocationEnv): Promise<StatusCause[]> {
  const spec = ((obj as Service).spec ??= {})
  const prev = (old as Service | undefined)?.spec
  if (prev) keepAllocated(spec, prev)
  let used: {ips: Set<string>; ports: Set<number>} | undefined
  const taken = async () => (used ??= inUse(await env.others()))
  const causes: StatusCause[] = []

  if (spec.type === 'ExternalName') {
    delete spec.clusterIP
    delete spec.clusterIPs
  } else if (spec.clusterIP === 'None' || spec.clusterIPs?.[0] === 'None') {
    spec.clusterIP = 'None'
    spec.clusterIPs = ['None']
  } else if (!spec.clusterIP || spec.clusterIP !== prev?.clusterIP) {
    const {ips} = await taken()
    if (!spec.clusterIP) {
      const ip = freeIP(env.serviceCIDR, ips, env.random)
      if (!ip) causes.push(invalid('spec.clusterIPs', ipList([]), `failed to allocate a serviceIP: range is full`))
      else spec.clusterIP = ip
    } else if (offsetIn(env.serviceCIDR, spec.clusterIP) === undefined) {
      causes.push(invalid('spec.clusterIPs', ipList([spec.clusterIP]), `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${env.serviceCIDR}`))
    } else if (ips.has(spec.clusterIP)) {
      causes.push(invalid('spec.clusterIPs', ipList([spec.clusterIP]), `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`))
    }
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP]
  }

  const prevPorts = new Set<number>([...(prev?.ports ?? []).map((p) => p.nodePort ?? 0), prev?.healthCheckNodePort ?? 0].filter((p) => p > 0))
  const mine = new Set<number>()
  const claim = async (requested: number | undefined, field: string): Promise<number | undefined> => {
    const {ports} = await taken()
    if (!requested) {
      const port = freePort(env.nodePortRange, new Set([...ports, ...mine]), env.random)
      if (port === undefined) causes.push(invalid(field, 0, 'failed to allocate a nodePort: range is full'))
      else mine.add(port)
      return port
    }
    if (requested < env.nodePortRange.min || requested > env.nodePortRange.max) {
      if (!prevPorts.has(requested)) causes.push(invalid(field, requested, `provided port is not in the valid range. The range of valid ports is ${env.nodePortRange.min}-${env.nodePortRange.max}`))
    } else if (ports.has(requested) && !prevPorts.has(requested)) {
      causes.push(invalid(field, requested, 'provided port is already allocated'))
    }
    // The same node port may serve one port number over two protocols within a service.
    mine.add(requested)
    return requested
  }
  if (needsNodePorts(spec)) {
    for (const [i, p] of (spec.ports ?? []).entries()) {
      const twin = (spec.ports ?? []).slice(0, i).find((q) => q.port === p.port && q.nodePort && !p.nodePort)
      p.nodePort = twin?.nodePort ?? (await claim(p.nodePort, `spec.ports[${i}].nodePort`))
    }
  } else if (prev && needsNodePorts(prev)) {
    // A type change away from NodePort/LoadBalancer drops the ports the old type had allocated.
    for (const p of spec.ports ?? []) if (p.nodePort && prevPorts.has(p.nodePort)) delete p.nodePort
  }
  if (needsHealthCheckPort(spec)) spec.healthCheckNodePort = await claim(spec.healthCheckNodePort, 'spec.healthCheckNodePort')
  else delete spec.healthCheckNodePort
  return causes
}
