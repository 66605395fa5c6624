// Service environment variables (FOO_SERVICE_HOST, FOO_PORT_80_TCP, ...): the pod namespace's services when enableServiceLinks, and always default/kubernetes, as the kubelet sets them.
import type {Service} from '../../api/resources/core/service.js'
import type {Pod} from '../../api/types/workloads.js'

/** Services every pod gets variables for, from the default namespace, whatever enableServiceLinks says. */
const MASTER_SERVICES = new Set(['kubernetes'])

function hasClusterIP(s: Service): boolean {
  const ip = s.spec?.clusterIP
  return !!ip && ip !== 'None'
}

/** The services whose variables the pod gets, by name (a same-named service of the pod's namespace wins over default's). */
export function podServices(pod: Pod, services: readonly Service[]): Service[] {
  const ns = pod.metadata?.namespace ?? 'default'
  const links = pod.spec?.enableServiceLinks !== false
  const byName = new Map<string, Service>()
  for (const s of services) {
    if (!hasClusterIP(s)) continue
    const name = s.metadata.name ?? ''
    if (s.metadata.namespace === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s)
    } else if (s.metadata.namespace === ns && links) {
      byName.set(name, s)
    }
  }
  return [...byName.values()]
}

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_')
}

/** Variables for the services, in Kubernetes' names and order (service vars, then Docker-link style ones). */
export function serviceEnv(services: readonly Service[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const s of services) {
    const ports = s.spec?.ports ?? []
    const ip = s.spec?.clusterIP ?? ''
    const name = envName(s.metadata.name ?? '')
    out.set(`${name}_SERVICE_HOST`, ip)
    if (ports.length === 0) continue
    out.set(`${name}_SERVICE_PORT`, String(ports[0].port))
    for (const p of ports) if (p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port))
    const host = ip.includes(':') ? `[${ip}]` : ip
    const first = ports[0]
    out.set(`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${host}:${first.port}`)
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toLowerCase()
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`
      out.set(prefix, `${proto}://${host}:${p.port}`)
      out.set(`${prefix}_PROTO`, proto)
      out.set(`${prefix}_PORT`, String(p.port))
      out.set(`${prefix}_ADDR`, ip)
    }
  }
  return out
}
