// The Ingress controller's routing table: Ingresses, Services and EndpointSlices turned into host → path → endpoint addresses, and the request matching the Ingress spec defines.
import type {KubeObject} from '../api/types.js'
import type {Service} from '../api/resources/core/service.js'
import type {Ingress, IngressBackend} from '../api/resources/networking/ingress.js'
import {INGRESS_CLASS} from '../api/contract.js'

/** Where matched requests go: `ip:port` addresses, and the service they came from (for messages). */
export interface Backend {
  service: string
  addresses: string[]
}

interface Route {
  exact: boolean
  path: string
  backend: Backend
}

/** A TLS section: the hosts it covers and its Secret (`namespace/name`). */
export interface TlsEntry {
  hosts: string[]
  secret: string
}

/** Everything the proxy needs to route one request. */
export interface RouteTable {
  hosts: Map<string, Route[]>
  /** Wildcard rules by the suffix after `*.`. */
  wildcards: Map<string, Route[]>
  /** Rules without a host. */
  anyHost: Route[]
  defaultBackend?: Backend
  tls: TlsEntry[]
  /** The Ingresses served, `namespace/name`. */
  served: string[]
}

/** Whether the built-in controller serves an Ingress: our class, or none (ours is the default class). */
export function isOurIngress(ing: Ingress): boolean {
  const cls = ing.spec?.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class']
  return !ing.metadata.deletionTimestamp && (cls === undefined || cls === '' || cls === INGRESS_CLASS)
}

/** The addresses behind a service port named by an Ingress backend: ready endpoints, else serving ones. */
function resolve(ns: string, b: IngressBackend | undefined, services: Map<string, Service>, slices: KubeObject[]): Backend | undefined {
  const ref = b?.service
  if (!ref?.name) return undefined
  const key = `${ns}/${ref.name}`
  const svc = services.get(key)
  const sp = svc?.spec?.ports?.find((p) => (ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number))
  if (!svc || !sp) return {service: key, addresses: []}
  if (svc.spec?.type === 'ExternalName') return {service: key, addresses: [`${(svc.spec as {externalName?: string}).externalName}:${sp.port}`]}
  const ready: string[] = []
  const serving: string[] = []
  for (const s of slices) {
    if (s.metadata.namespace !== ns || s.metadata.labels?.['kubernetes.io/service-name'] !== ref.name) continue
    const port = ((s.ports ?? []) as {name?: string; port?: number}[]).find((p) => (p.name ?? '') === (sp.name ?? ''))
    if (!port?.port) continue
    for (const e of (s.endpoints ?? []) as {addresses?: string[]; conditions?: {ready?: boolean; serving?: boolean}}[]) {
      const list = e.conditions?.ready !== false ? ready : e.conditions?.serving ? serving : undefined
      for (const a of e.addresses ?? []) list?.push(`${a}:${port.port}`)
    }
  }
  return {service: key, addresses: ready.length > 0 ? ready : serving}
}

/** Builds the table; where Ingresses overlap (same host and path), the oldest wins. */
export function buildRoutes(ingresses: Ingress[], services: Service[], slices: KubeObject[]): RouteTable {
  const svcs = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]))
  const table: RouteTable = {hosts: new Map(), wildcards: new Map(), anyHost: [], tls: [], served: []}
  const key = (i: Ingress) => `${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`
  const ours = ingresses.filter(isOurIngress).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || key(a).localeCompare(key(b)))
  for (const ing of ours) {
    const ns = ing.metadata.namespace ?? 'default'
    table.served.push(`${ns}/${ing.metadata.name}`)
    if (ing.spec?.defaultBackend && !table.defaultBackend) table.defaultBackend = resolve(ns, ing.spec.defaultBackend, svcs, slices)
    for (const t of ing.spec?.tls ?? []) if (t.secretName) table.tls.push({hosts: (t.hosts ?? []).map((h) => h.toLowerCase()), secret: `${ns}/${t.secretName}`})
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase()
      const list = host === '' ? table.anyHost : host.startsWith('*.') ? getOrAdd(table.wildcards, host.slice(2)) : getOrAdd(table.hosts, host)
      for (const p of rule.http?.paths ?? []) {
        const backend = resolve(ns, p.backend, svcs, slices)
        if (!backend) continue
        const exact = p.pathType === 'Exact'
        const path = normalise(p.path || '/', exact)
        if (list.some((r) => r.exact === exact && r.path === path)) continue
        list.push({exact, path, backend})
      }
    }
  }
  return table
}

function getOrAdd<K, V>(m: Map<K, V[]>, k: K): V[] {
  let v = m.get(k)
  if (!v) m.set(k, (v = []))
  return v
}

/** Prefix paths match by elements, so a trailing slash means nothing: `/foo/` is `/foo`. */
function normalise(path: string, exact: boolean): string {
  return exact || path === '/' ? path : path.replace(/\/+$/, '')
}

function prefixMatches(prefix: string, path: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`)
}

/**
 * The backend for a request: the host's own rules (exact host, else the wildcard one label up, else rules without
 * a host), in them an Exact path first, then the longest matching Prefix; the default backend when nothing matches.
 */
export function match(table: RouteTable, hostHeader: string | undefined, url: string | undefined): Backend | undefined {
  const host = (hostHeader ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase()
  const path = (url ?? '/').split('?')[0] || '/'
  const dot = host.indexOf('.')
  const routes = table.hosts.get(host) ?? (dot > 0 ? table.wildcards.get(host.slice(dot + 1)) : undefined) ?? table.anyHost
  const exact = routes.find((r) => r.exact && r.path === path)
  if (exact) return exact.backend
  let best: Route | undefined
  for (const r of routes) if (!r.exact && prefixMatches(r.path, path) && (!best || r.path.length > best.path.length)) best = r
  return best?.backend ?? table.defaultBackend
}

/** The TLS entry whose hosts cover a server name (exact, then wildcard). */
export function tlsFor(table: RouteTable, servername: string): TlsEntry | undefined {
  const name = servername.toLowerCase()
  const dot = name.indexOf('.')
  return table.tls.find((t) => t.hosts.includes(name)) ?? table.tls.find((t) => dot > 0 && t.hosts.includes(`*.${name.slice(dot + 1)}`))
}
