// The service proxy's rules as kube-proxy's iptables mode writes them, computed from Services and EndpointSlices as plain data: one chain per service port choosing an endpoint chain at random, one chain per endpoint doing the DNAT, rejects for services without endpoints.
import {createHash} from 'node:crypto'
import type {KubeObject} from '../api/types.js'
import type {Service, ServicePort} from '../api/resources/core/service.js'

/** Where the node stands: its name (for Local traffic policies) and the cluster's pod range (traffic from outside it is masqueraded). */
export interface ProxyNode {
  nodeName: string
  clusterCIDR: string
}

/** The chains of one table: name → rules (each a line of iptables-restore without the `-A CHAIN` prefix). */
export type Chains = Map<string, string[]>

/** Every chain the proxy owns in the nat and filter tables. */
export interface ProxyRules {
  nat: Chains
  filter: Chains
}

/** The mark that makes KUBE-POSTROUTING masquerade a packet (kube-proxy's 0x4000). */
export const MASQ_MARK = '0x4000'

/** The label that ties an EndpointSlice to its service. */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'

interface SliceEndpoint {
  addresses?: string[]
  conditions?: {ready?: boolean; serving?: boolean; terminating?: boolean}
  nodeName?: string
}

interface Slice extends KubeObject {
  addressType?: string
  endpoints?: SliceEndpoint[]
  ports?: {name?: string; port?: number; protocol?: string}[]
}

/** One endpoint of a service port: the address to DNAT to and whether it runs on this node. */
export interface PortEndpoint {
  ip: string
  port: number
  local: boolean
}

/** kube-proxy's chain naming: a prefix and 16 characters of the base32 of a SHA-256 (chain names are at most 28 characters). */
export function chainName(prefix: string, id: string): string {
  const digest = createHash('sha256').update(id).digest()
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of digest) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    if (out.length >= 16) break
  }
  return `${prefix}${out}`
}

/**
 * The endpoints of one service port from its slices. Ready endpoints serve; when none is ready, endpoints that still
 * serve while terminating do (so a rollout's last pod keeps answering until it is gone), as kube-proxy does.
 */
export function portEndpoints(svc: Service, sp: ServicePort, slices: Slice[], nodeName: string): PortEndpoint[] {
  const ready: PortEndpoint[] = []
  const terminating: PortEndpoint[] = []
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'))
    if (!port?.port) continue
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses?.[0]
      if (!ip) continue
      const ep = {ip, port: port.port, local: e.nodeName === nodeName}
      if (e.conditions?.ready !== false) ready.push(ep)
      else if (e.conditions?.serving === true && e.conditions?.terminating === true) terminating.push(ep)
    }
  }
  const chosen = ready.length > 0 ? ready : terminating
  // Sorted and deduplicated, so the rules (and the diff) do not depend on slice order.
  const seen = new Set<string>()
  return chosen.filter((e) => !seen.has(`${e.ip}:${e.port}`) && seen.add(`${e.ip}:${e.port}`)).sort((a, b) => `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`, 'en', {numeric: true}))
}

const proto = (sp: ServicePort) => (sp.protocol ?? 'TCP').toLowerCase()
const comment = (text: string) => `-m comment --comment "${text.replace(/"/g, '')}"`

/** The rules choosing among endpoints: each endpoint chain taken with probability 1/(endpoints left), the last always. */
function balance(chainOf: (e: PortEndpoint) => string, eps: PortEndpoint[], affinity: number | undefined, svcComment: string): string[] {
  const rules: string[] = []
  if (affinity !== undefined) {
    for (const e of eps) rules.push(`${svcComment} -m recent --name ${chainOf(e)} --mask 255.255.255.255 --rsource --rcheck --seconds ${affinity} --reap -j ${chainOf(e)}`)
  }
  eps.forEach((e, i) => {
    const left = eps.length - i
    rules.push(left > 1 ? `${svcComment} -m statistic --mode random --probability ${(1 / left).toFixed(10)} -j ${chainOf(e)}` : `${svcComment} -j ${chainOf(e)}`)
  })
  return rules
}

/** Builds every rule for the given services and slices as this node applies them. */
export function buildRules(services: Service[], slices: KubeObject[], node: ProxyNode): ProxyRules {
  const nat: Chains = new Map([['KUBE-SERVICES', []], ['KUBE-NODEPORTS', []], ['KUBE-MARK-MASQ', [`-j MARK --or-mark ${MASQ_MARK}`]], ['KUBE-POSTROUTING', [
    `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-j MARK --xor-mark ${MASQ_MARK}`,
    `${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE`,
  ]]])
  const filter: Chains = new Map([['KUBE-SERVICES', []], ['KUBE-EXTERNAL-SERVICES', []]])
  const slicesBySvc = new Map<string, Slice[]>()
  for (const s of slices as Slice[]) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL]
    if (!svc) continue
    const key = `${s.metadata.namespace}/${svc}`
    slicesBySvc.set(key, [...(slicesBySvc.get(key) ?? []), s])
  }
  const sorted = [...services].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
  const natServices = nat.get('KUBE-SERVICES')!
  for (const svc of sorted) {
    const spec = svc.spec ?? {}
    const clusterIP = spec.clusterIP
    if (spec.type === 'ExternalName' || !clusterIP || clusterIP === 'None') continue
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`
    for (const sp of spec.ports ?? []) {
      const id = `${key}:${sp.name ?? ''}`
      const svcComment = comment(id)
      const all = portEndpoints(svc, sp, slicesBySvc.get(key) ?? [], node.nodeName)
      const local = all.filter((e) => e.local)
      const internal = spec.internalTrafficPolicy === 'Local' ? local : all
      const external = spec.externalTrafficPolicy === 'Local' ? local : all
      const p = proto(sp)
      const match = `-d ${clusterIP}/32 -p ${p} -m ${p} --dport ${sp.port}`
      const nodePortMatch = sp.nodePort && (spec.type === 'NodePort' || spec.type === 'LoadBalancer') ? `-p ${p} -m ${p} --dport ${sp.nodePort}` : undefined
      const affinity = spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : undefined
      const sepName = (e: PortEndpoint) => chainName('KUBE-SEP-', `${id}/${p}/${e.ip}:${e.port}`)
      for (const e of new Set([...internal, ...external])) {
        nat.set(sepName(e), [
          // Hairpin: a pod reaching itself through its service must see the reply come from the service, not itself.
          `${svcComment} -s ${e.ip}/32 -j KUBE-MARK-MASQ`,
          ...(affinity !== undefined ? [`${svcComment} -m recent --name ${sepName(e)} --mask 255.255.255.255 --rsource --set -p ${p} -m ${p} -j DNAT --to-destination ${e.ip}:${e.port}`] : [`${svcComment} -p ${p} -m ${p} -j DNAT --to-destination ${e.ip}:${e.port}`]),
        ])
      }
      if (internal.length > 0) {
        const svcChain = chainName(spec.internalTrafficPolicy === 'Local' ? 'KUBE-SVL-' : 'KUBE-SVC-', `${id}/${p}`)
        natServices.push(`${comment(`${id} cluster IP`)} ${match} -j ${svcChain}`)
        // Traffic from outside the pod range (the node itself, host-network pods) is masqueraded so replies return here.
        nat.set(svcChain, [`${comment(`${id} cluster IP`)} ${match} ! -s ${node.clusterCIDR} -j KUBE-MARK-MASQ`, ...balance(sepName, internal, affinity, svcComment)])
      } else {
        filter.get('KUBE-SERVICES')!.push(`${comment(`${id} has no endpoints`)} ${match} -j REJECT --reject-with icmp-port-unreachable`)
      }
      for (const ip of spec.externalIPs ?? []) {
        if (external.length === 0) filter.get('KUBE-EXTERNAL-SERVICES')!.push(`${comment(`${id} has no endpoints`)} -d ${ip}/32 -p ${p} -m ${p} --dport ${sp.port} -j REJECT --reject-with icmp-port-unreachable`)
      }
      if (!nodePortMatch && (spec.externalIPs ?? []).length === 0) continue
      const extChain = chainName('KUBE-EXT-', `${id}/${p}`)
      if (external.length > 0) {
        // Cluster policy: any node forwards to any endpoint, masqueraded so the reply comes back through it. Local
        // policy keeps the client's address and serves only from this node's endpoints.
        nat.set(extChain, [...(spec.externalTrafficPolicy === 'Local' ? [] : [`${comment(`masquerade traffic for ${id} external destinations`)} -j KUBE-MARK-MASQ`]), ...balance(sepName, external, affinity, svcComment)])
        if (nodePortMatch) nat.get('KUBE-NODEPORTS')!.push(`${comment(id)} ${nodePortMatch} -j ${extChain}`)
        for (const ip of spec.externalIPs ?? []) natServices.push(`${comment(`${id} external IP`)} -d ${ip}/32 -p ${p} -m ${p} --dport ${sp.port} -j ${extChain}`)
      } else if (nodePortMatch) {
        filter.get('KUBE-EXTERNAL-SERVICES')!.push(`${comment(`${id} has no endpoints`)} -m addrtype --dst-type LOCAL ${nodePortMatch} -j REJECT --reject-with icmp-port-unreachable`)
      }
    }
  }
  // Node ports last: every local destination address is checked against them after the cluster IPs.
  natServices.push(`${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`)
  return {nat, filter}
}
