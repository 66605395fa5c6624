// NetworkPolicy as iptables filter chains for the pods of one node: each isolated pod gets a chain that marks allowed traffic and drops the rest.
import {createHash} from 'node:crypto'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {NetworkPolicy, PolicyPeer, PolicyPort} from '../../api/resources/networking/networkpolicy.js'
import {selectorMatches} from '../../api/selectors.js'
import type {Chains} from '../rules.js'

/** The chain FORWARD jumps to first. */
export const NP_FORWARD = 'SKIFF-NP-FORWARD'
/** Set on a packet some rule allows; each pod chain clears it first and drops the packet if no rule set it. */
export const NP_MARK = '0x10000'

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16).toUpperCase()

interface PodInfo {
  ip: string
  ns: string
  labels: Record<string, string>
  ports: {name?: string; containerPort: number; protocol?: string}[]
}

function podInfo(p: Pod): PodInfo | undefined {
  const ip = p.status?.podIP
  if (!ip || p.spec?.hostNetwork || ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')) return undefined
  return {ip, ns: p.metadata.namespace ?? 'default', labels: p.metadata.labels ?? {}, ports: (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []) as PodInfo['ports'])}
}

/** The pods a peer names, seen from a policy in namespace `ns`. */
function peerPods(peer: PolicyPeer, ns: string, pods: PodInfo[], nsLabels: Map<string, Record<string, string>>): PodInfo[] {
  return pods.filter((p) => {
    const inNs = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, nsLabels.get(p.ns) ?? {}) : p.ns === ns
    return inNs && (peer.podSelector ? selectorMatches(peer.podSelector, p.labels) : true)
  })
}

/** iptables port matches of a rule's port for one pod owning the (named) port; [] when a name does not resolve. */
function portMatches(port: PolicyPort, owner: PodInfo | undefined): string[] {
  const proto = (port.protocol ?? 'TCP').toLowerCase()
  if (port.port === undefined) return [`-p ${proto}`]
  if (typeof port.port === 'number') return [`-p ${proto} -m ${proto} --dport ${port.port}${port.endPort ? `:${port.endPort}` : ''}`]
  const named = owner?.ports.find((p) => p.name === port.port && (p.protocol ?? 'TCP').toLowerCase() === proto)
  return named ? [`-p ${proto} -m ${proto} --dport ${named.containerPort}`] : []
}

/**
 * The rule lines allowing traffic for one policy rule. `dir` says which side the peers are on (`-s` for ingress,
 * `-d` for egress); `self` is the local pod (owner of named ports for ingress). ipBlock excepts need a chain of
 * their own that returns before marking.
 */
function ruleLines(peers: PolicyPeer[] | undefined, ports: PolicyPort[] | undefined, dir: '-s' | '-d', ns: string, self: PodInfo, pods: PodInfo[], nsLabels: Map<string, Record<string, string>>, chains: Chains): string[] {
  const mark = `-j MARK --set-xmark ${NP_MARK}/${NP_MARK}`
  const portList = ports?.length ? ports : [{} as PolicyPort]
  const lines: string[] = []
  // One source/destination: its address match and the pod that owns named ports (egress: the peer itself).
  const targets: {match: string; owner?: PodInfo; except?: string[]}[] = []
  if (!peers?.length) targets.push({match: '', owner: dir === '-s' ? self : undefined})
  for (const peer of peers ?? []) {
    if (peer.ipBlock) targets.push({match: `${dir} ${peer.ipBlock.cidr}`, owner: dir === '-s' ? self : undefined, except: peer.ipBlock.except})
    else for (const p of peerPods(peer, ns, pods, nsLabels)) targets.push({match: `${dir} ${p.ip}/32`, owner: dir === '-s' ? self : p})
  }
  for (const t of targets) {
    for (const port of portList) {
      for (const pm of port.port === undefined && !port.protocol ? [''] : portMatches(port, t.owner)) {
        const m = [t.match, pm].filter(Boolean).join(' ')
        if (!t.except?.length) {
          lines.push(`${m} ${mark}`.trim())
          continue
        }
        const chain = `SKIFF-NP-B-${hash(`${m}|${t.except.join(',')}`)}`
        chains.set(chain, [...t.except.map((e) => `${dir} ${e} -j RETURN`), `${m} ${mark}`.trim()])
        lines.push(`-j ${chain}`)
      }
    }
  }
  return lines
}

/** Every chain of the enforcer for the pods on `nodeName`, in a stable order so diffs stay small. */
export function buildPolicyRules(policies: NetworkPolicy[], allPods: Pod[], namespaces: KubeObject[], nodeName: string): Chains {
  const pods = allPods.map(podInfo).filter((p): p is PodInfo => Boolean(p))
  const nsLabels = new Map(namespaces.map((n) => [n.metadata.name ?? '', n.metadata.labels ?? {}]))
  const chains: Chains = new Map()
  const forward = ['-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']
  const local = allPods.filter((p) => p.spec?.nodeName === nodeName).map((p) => [p, podInfo(p)] as const).filter((x): x is [Pod, PodInfo] => Boolean(x[1]))
  local.sort((a, b) => a[1].ip.localeCompare(b[1].ip))
  for (const [pod, self] of local) {
    const selecting = policies.filter((np) => np.metadata.namespace === self.ns && selectorMatches(np.spec?.podSelector ?? {}, self.labels))
    for (const [type, dir, jumpDir] of [['Ingress', '-s', '-d'], ['Egress', '-d', '-s']] as const) {
      const mine = selecting.filter((np) => (np.spec?.policyTypes ?? ['Ingress']).includes(type))
      if (mine.length === 0) continue
      const chain = `SKIFF-NP-${type === 'Ingress' ? 'I' : 'E'}-${hash(`${self.ns}/${pod.metadata.name}`)}`
      const lines = [`-j MARK --set-xmark 0x0/${NP_MARK}`]
      for (const np of mine) {
        const rules = type === 'Ingress' ? (np.spec?.ingress ?? []).map((r) => [r.from, r.ports] as const) : (np.spec?.egress ?? []).map((r) => [r.to, r.ports] as const)
        for (const [peers, ports] of rules) lines.push(...ruleLines(peers, ports, dir, self.ns, self, pods, nsLabels, chains))
      }
      lines.push(`-m mark --mark ${NP_MARK}/${NP_MARK} -j RETURN`, `-m comment --comment "${self.ns}/${pod.metadata.name} ${type.toLowerCase()} not allowed by network policy" -j DROP`)
      chains.set(chain, lines)
      forward.push(`${jumpDir} ${self.ip}/32 -j ${chain}`)
    }
  }
  chains.set(NP_FORWARD, forward)
  return chains
}
