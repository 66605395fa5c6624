// A pod's resolv.conf as the kubelet computes it from dnsPolicy and dnsConfig: cluster DNS with the namespace search path and ndots:5, the node's resolvers, or only what the pod says.
import type {Pod} from '../../api/types/workloads.js'

/** What the agent knows to build pod DNS settings from. */
export interface ClusterDNS {
  /** The cluster DNS server addresses (the kube-dns Service's IP). */
  servers: string[]
  /** The cluster domain, e.g. cluster.local. */
  domain: string
  /** The node's own resolver settings (resolv.conf). */
  node: {nameservers: string[]; searches: string[]; options: string[]}
  /** The node's address: the DNS server a pod asks in place of the node's loopback resolvers, which it cannot reach. */
  nodeIP: string
}

/** The settings written to a pod's resolv.conf. */
export interface PodDNS {
  servers: string[]
  searches: string[]
  options: string[]
}

/** The kubelet's limits: glibc reads three nameservers; search paths are capped. */
const MAX_SERVERS = 3
const MAX_SEARCHES = 32

interface PodDNSConfig {
  nameservers?: string[]
  searches?: string[]
  options?: {name: string; value?: string}[]
}

const unique = (xs: string[]) => [...new Set(xs)]

/** Merges options by name; later ones (the pod's) win. */
function mergeOptions(base: string[], extra: {name: string; value?: string}[]): string[] {
  const byName = new Map<string, string>()
  for (const o of base) byName.set(o.split(':')[0], o)
  for (const o of extra) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name)
  return [...byName.values()]
}

/** The pod's DNS settings per its dnsPolicy (ClusterFirst by default; host-network pods fall back to Default unless ClusterFirstWithHostNet). */
export function podDNS(pod: Pod, cluster: ClusterDNS): PodDNS {
  const spec = pod.spec ?? {containers: []}
  const policy = (spec.dnsPolicy as string | undefined) ?? 'ClusterFirst'
  const hostNetwork = spec.hostNetwork === true
  const extra = (spec.dnsConfig ?? {}) as PodDNSConfig
  let base: PodDNS
  if (policy === 'None') {
    base = {servers: [], searches: [], options: []}
  } else if (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNetwork)) {
    const ns = pod.metadata.namespace ?? 'default'
    base = {
      servers: cluster.servers,
      searches: [`${ns}.svc.${cluster.domain}`, `svc.${cluster.domain}`, cluster.domain, ...cluster.node.searches],
      options: ['ndots:5'],
    }
  } else {
    // Default: the node's resolvers; a loopback one (Docker's embedded DNS) only answers inside the node itself.
    const servers = hostNetwork ? cluster.node.nameservers : cluster.node.nameservers.map((s) => (s.startsWith('127.') ? cluster.nodeIP : s))
    base = {servers, searches: cluster.node.searches, options: cluster.node.options}
  }
  return {
    servers: unique([...base.servers, ...(extra.nameservers ?? [])]).slice(0, MAX_SERVERS),
    searches: unique([...base.searches, ...(extra.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: mergeOptions(base.options, extra.options ?? []),
  }
}
