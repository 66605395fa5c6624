// NetworkPolicy as iptables filter chains for the pods of one node: each isolated pod gets a chain per direction that marks what some rule allows and drops or rejects the rest.
import {createHash} from 'node:crypto'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import type {NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule} from '../../api/resources/networking/networkpolicy.js'
import {isIPv4CIDR, offsetIn} from '../../api/net/cidr.js'
import {selectorMatches} from '../../api/selectors.js'
import type {Chains} from '../rules.js'

/** The prefix of every chain of the enforcer (the service proxy's are KUBE-). */
export const NP_PREFIX = 'SKIFF-NP-'
/** The chain FORWARD jumps to first. */
export const NP_FORWARD = `${NP_PREFIX}FORWARD`
/** Set on a packet some rule allows; each pod chain clears it first and lets the packet on only when a rule set it. */
export const NP_MARK = '0x10000'

const ALLOW = `-j MARK --set-xmark ${NP_MARK}/${NP_MARK}`

type Direction = 'Ingress' | 'Egress'

/** What the rules need of a pod that has an address on the pod network. */
interface PodInfo {
  name: string
  ns: string
  ip: string
  labels: Record<string, string>
  ports: {name?: string; containerPort: number; protocol?: string}[]
}

/** What every rule of one node is built from. */
interface Context {
  pods: PodInfo[]
  nsLabels: Map<string, Record<string, string>>
  /** Chains beside the pod chains (ipBlocks with excepts), shared by content. */
  chains: Chains
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16).toUpperCase()
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function podInfo(p: Pod): PodInfo | undefined {
  const ip = p.status?.podIP
  // Host-network pods have the node's address; finished pods have given theirs back.
  if (!ip || !isIPv4CIDR(`${ip}/32`) || p.spec?.hostNetwork || ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')) return undefined
  const ports = (p.spec?.containers ?? []).flatMap((c) => c.ports ?? [])
  return {name: p.metadata.name ?? '', ns: p.metadata.namespace ?? 'default', ip, labels: p.metadata.labels ?? {}, ports}
}

/** Whether a selector peer (podSelector, namespaceSelector or both) names pod `p`, seen from a policy in `ns`. */
function selects(peer: PolicyPeer, ns: string, p: PodInfo, ctx: Context): boolean {
  const inNs = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, ctx.nsLabels.get(p.ns) ?? {}) : p.ns === ns
  return inNs && (peer.podSelector ? selectorMatches(peer.podSelector, p.labels) : true)
}

/** The IPv4 part of an ipBlock (the cluster is IPv4 only; an IPv6 line would fail the whole iptables batch). */
function ipv4Block(peer: PolicyPeer): {cidr: string; except: string[]} | undefined {
  const b = peer.ipBlock
  if (!b || !isIPv4CIDR(b.cidr)) return undefined
  return {cidr: b.cidr, except: (b.except ?? []).filter(isIPv4CIDR)}
}

/** Whether a peer list admits pod `p` (an empty list admits everyone). */
function admits(peers: PolicyPeer[], ns: string, p: PodInfo, ctx: Context): boolean {
  if (peers.length === 0) return true
  return peers.some((peer) => {
    if (!peer.ipBlock) return selects(peer, ns, p, ctx)
    const b = ipv4Block(peer)
    return b !== undefined && offsetIn(b.cidr, p.ip) !== undefined && !b.except.some((e) => offsetIn(e, p.ip) !== undefined)
  })
}

/** The protocol and port match of a numbered port (or range), `-p tcp` for a protocol alone. */
function protoMatch(protocol: string | undefined, port?: number, endPort?: number): string {
  const proto = (protocol ?? 'TCP').toLowerCase()
  if (port === undefined) return `-p ${proto}`
  return `-p ${proto} -m ${proto} --dport ${port}${endPort !== undefined && endPort > port ? `:${endPort}` : ''}`
}

/** The number a pod gives a named port for a protocol, if it has one. */
function namedPort(owner: PodInfo, port: PolicyPort): number | undefined {
  const proto = port.protocol ?? 'TCP'
  return owner.ports.find((p) => p.name === port.port && (p.protocol ?? 'TCP') === proto)?.containerPort
}

/** A match on the peer side: '' for anyone, else an address or range, with excepts returning before the mark. */
interface Peer {
  addr: string
  except: string[]
}

/** The peers of a rule as address matches: pods by IP, ipBlocks as ranges; [anyone] for an empty list. */
function peerMatches(peers: PolicyPeer[], ns: string, ctx: Context): Peer[] {
  if (peers.length === 0) return [{addr: '', except: []}]
  const out = new Map<string, Peer>()
  for (const peer of peers) {
    if (peer.ipBlock) {
      const b = ipv4Block(peer)
      if (b) out.set(`${b.cidr}|${b.except.join(',')}`, {addr: b.cidr, except: b.except})
      continue
    }
    for (const p of ctx.pods) if (selects(peer, ns, p, ctx)) out.set(p.ip, {addr: `${p.ip}/32`, except: []})
  }
  return [...out.values()]
}

/** One allow line for a peer and a port match; excepts go to a chain of their own that returns for them first. */
function allowLine(flag: '-s' | '-d', peer: Peer, pm: string, ctx: Context): string {
  const m = [peer.addr ? `${flag} ${peer.addr}` : '', pm].filter(Boolean).join(' ')
  if (peer.except.length === 0) return `${m} ${ALLOW}`.trim()
  const chain = `${NP_PREFIX}B-${hash(`${flag}|${m}|${peer.except.join(',')}`)}`
  ctx.chains.set(chain, [...peer.except.map((e) => `${flag} ${e} -j RETURN`), `${m} ${ALLOW}`])
  return `-j ${chain}`
}

/**
 * The allow lines of one rule of a policy in `ns` for the local pod `self`. Named ports are ports of the
 * destination: for ingress the local pod's, for egress each peer pod's (so they expand to one line per pod).
 */
function ruleLines(dir: Direction, rule: PolicyRule, ns: string, self: PodInfo, ctx: Context): string[] {
  const flag = dir === 'Ingress' ? '-s' : '-d'
  const peers = (dir === 'Ingress' ? rule.from : rule.to) ?? []
  const lines: string[] = []
  const ports: (PolicyPort | undefined)[] = rule.ports?.length ? rule.ports : [undefined]
  for (const port of ports) {
    if (typeof port?.port === 'string') {
      if (dir === 'Ingress') {
        const n = namedPort(self, port)
        if (n !== undefined) for (const peer of peerMatches(peers, ns, ctx)) lines.push(allowLine(flag, peer, protoMatch(port.protocol, n), ctx))
        continue
      }
      for (const p of ctx.pods) {
        const n = namedPort(p, port)
        if (n !== undefined && admits(peers, ns, p, ctx)) lines.push(allowLine(flag, {addr: `${p.ip}/32`, except: []}, protoMatch(port.protocol, n), ctx))
      }
      continue
    }
    const pm = port ? protoMatch(port.protocol, port.port, port.endPort) : ''
    for (const peer of peerMatches(peers, ns, ctx)) lines.push(allowLine(flag, peer, pm, ctx))
  }
  return lines
}

/** The chain of one isolated pod in one direction: clear the mark, let rules set it, pass what is marked, stop the rest. */
function podChain(dir: Direction, self: PodInfo, policies: NetworkPolicy[], ctx: Context): string[] {
  const lines = new Set<string>()
  for (const np of policies) {
    const rules = (dir === 'Ingress' ? np.spec?.ingress : np.spec?.egress) ?? []
    for (const r of rules) for (const l of ruleLines(dir, r, self.ns, self, ctx)) lines.add(l)
  }
  // iptables takes comments of up to 256 characters; a pod name may be 253.
  const comment = `-m comment --comment "${`${self.ns}/${self.name}`.slice(0, 200)} ${dir.toLowerCase()} not allowed by network policy"`
  // Ingress drops, as most CNIs do: the sender cannot tell a policy from an absent host. Egress rejects, so a pod's
  // own connect fails at once ("administratively prohibited" on the wire, EHOSTUNREACH in the pod) instead of
  // hanging until its timeout.
  const verdict = dir === 'Ingress' ? '-j DROP' : '-j REJECT --reject-with icmp-admin-prohibited'
  return [`-j MARK --set-xmark 0x0/${NP_MARK}`, ...lines, `-m mark --mark ${NP_MARK}/${NP_MARK} -j RETURN`, `${comment} ${verdict}`]
}

/**
 * Every filter chain of the enforcer for the pods on `nodeName`, in a stable order so diffs stay small. A pod is
 * isolated in a direction when a policy of its namespace selects it and lists that direction in policyTypes; its
 * traffic that way then passes only when a rule of one of those policies allows it. Replies always pass, and so
 * does traffic from `hostAddresses` (the node itself: its address and the pod bridge's gateway), as Kubernetes
 * promises for the pod's own node.
 */
export function buildPolicyRules(policies: NetworkPolicy[], allPods: Pod[], namespaces: KubeObject[], nodeName: string, hostAddresses: string[] = []): Chains {
  const pods = allPods.map(podInfo).filter((p): p is PodInfo => p !== undefined).sort((a, b) => byString(a.ip, b.ip))
  const ctx: Context = {pods, nsLabels: new Map(namespaces.map((n) => [n.metadata.name ?? '', n.metadata.labels ?? {}])), chains: new Map()}
  const sorted = [...policies].sort((a, b) => byString(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`))
  const forward = ['-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']
  for (const addr of [...new Set(hostAddresses)].filter((a) => isIPv4CIDR(`${a}/32`)).sort(byString)) forward.push(`-s ${addr}/32 -m comment --comment "from the node itself" -j RETURN`)
  const podChains: Chains = new Map()
  const localNames = new Set(allPods.filter((p) => p.spec?.nodeName === nodeName).map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`))
  for (const self of pods.filter((p) => localNames.has(`${p.ns}/${p.name}`))) {
    const selecting = sorted.filter((np) => (np.metadata.namespace ?? 'default') === self.ns && selectorMatches(np.spec?.podSelector ?? {}, self.labels))
    for (const dir of ['Ingress', 'Egress'] as const) {
      const mine = selecting.filter((np) => (np.spec?.policyTypes ?? ['Ingress']).includes(dir))
      if (mine.length === 0) continue
      const chain = `${NP_PREFIX}${dir === 'Ingress' ? 'I' : 'E'}-${hash(`${self.ns}/${self.name}`)}`
      podChains.set(chain, podChain(dir, self, mine, ctx))
      forward.push(`${dir === 'Ingress' ? '-d' : '-s'} ${self.ip}/32 -j ${chain}`)
    }
  }
  const sortedChains = (c: Chains) => [...c].sort(([a], [b]) => byString(a, b))
  return new Map([[NP_FORWARD, forward], ...sortedChains(podChains), ...sortedChains(ctx.chains)])
}
