// The cluster's DNS zone as the Kubernetes DNS specification defines it, answered from Services and EndpointSlices held in memory: service A and SRV records, headless endpoints and hostnames, ExternalName CNAMEs, pod records, reverse lookups.
import type {Answer, Question} from 'dns-packet'
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'

/** Seconds cluster records may be cached (CoreDNS's kubernetes plugin uses 5). */
export const CLUSTER_TTL = 5

/** A zone answer: its response code and records. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN'
  answers: Answer[]
  additionals: Answer[]
  /** The SOA that NXDOMAIN and empty answers carry, so resolvers cache the negative result. */
  authorities: Answer[]
}

interface SliceEndpoint {
  addresses?: string[]
  conditions?: {ready?: boolean}
  hostname?: string
}

interface Slice extends KubeObject {
  endpoints?: SliceEndpoint[]
  ports?: {name?: string; port?: number; protocol?: string}[]
}

/** One address behind a headless service: its IP and the DNS label it is known by. */
interface HeadlessEndpoint {
  ip: string
  label: string
}

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '')
// dns-packet's types leave out the ANY meta-type (255), which it decodes as 'ANY'.
const wantsA = (q: Question) => q.type === 'A' || (q.type as string) === 'ANY'

/** The in-memory view of the cluster the zone answers from; rebuilt from informer caches on every change. */
export class ClusterZone {
  private services = new Map<string, Service>()
  private endpoints = new Map<string, HeadlessEndpoint[]>()
  private ports = new Map<string, {name: string; port: number; protocol: string}[]>()
  private reverse = new Map<string, string>()
  private namespaces = new Set<string>()

  constructor(readonly domain = 'cluster.local') {
    this.domain = lower(domain)
  }

  /** Replaces what the zone knows with the given services and endpoint slices. */
  update(services: Service[], slices: KubeObject[]): void {
    this.services = new Map(services.map((s) => [`${lower(s.metadata.name ?? '')}.${lower(s.metadata.namespace ?? '')}`, s]))
    this.namespaces = new Set(services.map((s) => lower(s.metadata.namespace ?? '')))
    this.endpoints = new Map()
    this.ports = new Map()
    this.reverse = new Map()
    for (const [key, svc] of this.services) {
      const ip = svc.spec?.clusterIP
      if (ip && ip !== 'None') this.reverse.set(ip, `${key}.svc.${this.domain}`)
    }
    for (const slice of slices as Slice[]) {
      const name = slice.metadata.labels?.['kubernetes.io/service-name']
      if (!name) continue
      const key = `${lower(name)}.${lower(slice.metadata.namespace ?? '')}`
      const svc = this.services.get(key)
      if (!svc) continue
      const publishNotReady = svc.spec?.publishNotReadyAddresses === true
      const list = this.endpoints.get(key) ?? []
      for (const e of slice.endpoints ?? []) {
        if (!publishNotReady && e.conditions?.ready === false) continue
        for (const ip of e.addresses ?? []) {
          const label = e.hostname ? lower(e.hostname) : ip.replace(/\./g, '-')
          list.push({ip, label})
          if (svc.spec?.clusterIP === 'None') this.reverse.set(ip, `${label}.${key}.svc.${this.domain}`)
        }
      }
      this.endpoints.set(key, list)
      const ports = this.ports.get(key) ?? []
      for (const p of slice.ports ?? []) if (p.name && p.port && !ports.some((q) => q.name === p.name && q.protocol === (p.protocol ?? 'TCP'))) ports.push({name: p.name, port: p.port, protocol: p.protocol ?? 'TCP'})
      this.ports.set(key, ports)
    }
  }

  /** True when the zone answers for this name (the cluster domain, and the reverse zones of cluster addresses). */
  owns(name: string): boolean {
    const n = lower(name)
    return n === this.domain || n.endsWith(`.${this.domain}`) || (n.endsWith('.in-addr.arpa') && this.reverse.has(reverseToIP(n) ?? ''))
  }

  /** Answers one question inside the zone. */
  answer(q: Question): ZoneAnswer {
    const name = lower(q.name)
    const out: ZoneAnswer = {rcode: 'NOERROR', answers: [], additionals: [], authorities: []}
    const nx = () => ({...out, rcode: 'NXDOMAIN' as const, authorities: [this.soa()]})
    const nodata = () => ({...out, authorities: [this.soa()]})
    if (name.endsWith('.in-addr.arpa')) {
      const target = this.reverse.get(reverseToIP(name) ?? '')
      if (!target) return nx()
      if (q.type === 'PTR') out.answers.push({type: 'PTR', name: q.name, ttl: CLUSTER_TTL, data: target})
      return out.answers.length ? out : nodata()
    }
    if (name === this.domain) return q.type === 'SOA' ? {...out, answers: [this.soa()]} : nodata()
    const labels = name.slice(0, -(this.domain.length + 1)).split('.')
    // <a-b-c-d>.<ns>.pod.<domain>: the address spelled in the name, as CoreDNS's "pods insecure" answers.
    if (labels.length === 3 && labels[2] === 'pod') {
      const ip = labels[0].replace(/-/g, '.')
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return nx()
      if (q.type === 'A') out.answers.push({type: 'A', name: q.name, ttl: CLUSTER_TTL, data: ip})
      return out.answers.length ? out : nodata()
    }
    if (labels.at(-1) !== 'svc') return nx()
    const rest = labels.slice(0, -1)
    // svc.<domain> and <ns>.svc.<domain> exist as names (with nothing at them).
    if (rest.length === 0 || (rest.length === 1 && this.namespaces.has(rest[0]))) return nodata()
    if (rest.length === 1) return nx()
    const [svcName, ns] = rest.slice(-2)
    const key = `${svcName}.${ns}`
    const svc = this.services.get(key)
    if (!svc) return nx()
    const head = rest.slice(0, -2)
    const fqdn = `${key}.svc.${this.domain}`
    const headless = svc.spec?.clusterIP === 'None'
    const eps = this.endpoints.get(key) ?? []
    if (head.length === 0) {
      if (svc.spec?.type === 'ExternalName') {
        out.answers.push({type: 'CNAME', name: q.name, ttl: CLUSTER_TTL, data: lower(svc.spec.externalName ?? '')})
        return out
      }
      if (wantsA(q)) {
        if (headless) for (const e of eps) out.answers.push({type: 'A', name: q.name, ttl: CLUSTER_TTL, data: e.ip})
        else if (svc.spec?.clusterIP) out.answers.push({type: 'A', name: q.name, ttl: CLUSTER_TTL, data: svc.spec.clusterIP})
      }
      if (q.type === 'SRV') this.srv(q.name, fqdn, svc, headless, eps, undefined, out)
      return out.answers.length ? out : nodata()
    }
    // _<port>._<proto>.<svc>.<ns>.svc.<domain>
    if (head.length === 2 && head[0].startsWith('_') && head[1].startsWith('_')) {
      if (q.type !== 'SRV') return nodata()
      this.srv(q.name, fqdn, svc, headless, eps, {name: head[0].slice(1), protocol: head[1].slice(1).toUpperCase()}, out)
      return out.answers.length ? out : nx()
    }
    // <hostname or a-b-c-d>.<svc>.<ns>.svc.<domain>: one endpoint of a headless service.
    if (head.length === 1 && headless) {
      const matches = eps.filter((e) => e.label === head[0])
      if (matches.length === 0) return nx()
      if (wantsA(q)) for (const e of matches) out.answers.push({type: 'A', name: q.name, ttl: CLUSTER_TTL, data: e.ip})
      return out.answers.length ? out : nodata()
    }
    return nx()
  }

  /** SRV records for the named ports of a service (all of them, or the one asked for), with their targets' addresses. */
  private srv(qname: string, fqdn: string, svc: Service, headless: boolean, eps: HeadlessEndpoint[], want: {name: string; protocol: string} | undefined, out: ZoneAnswer): void {
    const ports = headless ? (this.ports.get(`${svc.metadata.name}.${svc.metadata.namespace}`) ?? []) : (svc.spec?.ports ?? []).map((p) => ({name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP'}))
    for (const p of ports) {
      if (!p.name || (want && (p.name !== want.name || p.protocol !== want.protocol))) continue
      if (headless) {
        for (const e of eps) {
          const target = `${e.label}.${fqdn}`
          out.answers.push({type: 'SRV', name: qname, ttl: CLUSTER_TTL, data: {priority: 0, weight: 100, port: p.port, target}})
          out.additionals.push({type: 'A', name: target, ttl: CLUSTER_TTL, data: e.ip})
        }
      } else if (svc.spec?.clusterIP) {
        out.answers.push({type: 'SRV', name: qname, ttl: CLUSTER_TTL, data: {priority: 0, weight: 100, port: p.port, target: fqdn}})
        if (!out.additionals.some((a) => a.name === fqdn)) out.additionals.push({type: 'A', name: fqdn, ttl: CLUSTER_TTL, data: svc.spec.clusterIP})
      }
    }
  }

  private soa(): Answer {
    return {
      type: 'SOA', name: this.domain, ttl: CLUSTER_TTL,
      data: {mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: CLUSTER_TTL},
    }
  }
}

/** 4.3.2.1.in-addr.arpa → 1.2.3.4 (undefined for anything else). */
function reverseToIP(name: string): string | undefined {
  const parts = name.replace(/\.in-addr\.arpa$/, '').split('.')
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p)) ? parts.reverse().join('.') : undefined
}
