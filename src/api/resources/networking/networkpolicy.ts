// NetworkPolicy (networking.k8s.io/v1): which traffic selected pods may receive and send, defaulted, validated and printed as Kubernetes 1.32 does.
import ipaddr from 'ipaddr.js'
import type {KubeObject, StatusCause} from '../../types.js'
import type {LabelSelector} from '../../selectors.js'
import {forbidden, GoValue, goQuote, invalid, notSupported, required} from '../../validation/errors.js'
import {isValidPortName, isValidPortNum} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {validateLabelSelector} from '../shared/checks.js'
import {builtinPatch} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {col, formatLabelSelector, nameCellsAge} from '../shared/table.js'

/** A peer of a rule: pods by labels (in the policy's namespace, or in selected namespaces), or an address block. */
export interface PolicyPeer {
  podSelector?: LabelSelector
  namespaceSelector?: LabelSelector
  ipBlock?: {cidr: string; except?: string[]}
}

/** A port of a rule: a number (or a range up to endPort) or a container port name; no port means every port. */
export interface PolicyPort {
  protocol?: string
  port?: number | string
  endPort?: number
}

/** One ingress rule (`from`) or egress rule (`to`); an absent or empty peer list means every peer. */
export interface PolicyRule {
  from?: PolicyPeer[]
  to?: PolicyPeer[]
  ports?: PolicyPort[]
}

/** A NetworkPolicy as the enforcer reads it. */
export interface NetworkPolicy extends KubeObject {
  spec?: {
    podSelector?: LabelSelector
    policyTypes?: string[]
    ingress?: PolicyRule[]
    egress?: PolicyRule[]
  }
}

// In the order Kubernetes lists them in its messages.
const PROTOCOLS = ['TCP', 'UDP', 'SCTP']
const POLICY_TYPES = ['Ingress', 'Egress']

const POD_SELECTOR_DOC =
  'podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'

/** An IPv4 or IPv6 CIDR as Go's net.ParseCIDR reads it (host bits may be set), or undefined. */
function parseCIDR(s: unknown): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  if (typeof s !== 'string') return undefined
  try {
    return ipaddr.parseCIDR(s)
  } catch {
    return undefined
  }
}

function validatePort(p: PolicyPort, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS))
  if (typeof p.port === 'number') {
    for (const m of isValidPortNum(p.port)) causes.push(invalid(`${path}.port`, p.port, m))
    if (p.endPort !== undefined) {
      // Kubernetes 1.32 quotes the port, not endPort, in this message.
      if (p.endPort < p.port) causes.push(invalid(`${path}.endPort`, p.port, 'must be greater than or equal to `port`'))
      for (const m of isValidPortNum(p.endPort)) causes.push(invalid(`${path}.endPort`, p.endPort, m))
    }
  } else if (typeof p.port === 'string') {
    if (p.endPort !== undefined) causes.push(invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'))
    for (const m of isValidPortName(p.port)) causes.push(invalid(`${path}.port`, p.port, m))
  } else if (p.endPort !== undefined) {
    causes.push(invalid(`${path}.endPort`, p.endPort, 'may not be specified when `port` is not specified'))
  }
  return causes
}

/** ValidateIPBlock: a CIDR, and excepts that are strict subsets of it (the first bad except ends the checks). */
function validateIPBlock(block: {cidr?: string; except?: string[]}, path: string): StatusCause[] {
  if (!block.cidr) return [required(`${path}.cidr`)]
  const cidr = parseCIDR(block.cidr)
  if (!cidr) return [invalid(`${path}.cidr`, block.cidr, 'not a valid CIDR')]
  const causes: StatusCause[] = []
  for (const [i, e] of (block.except ?? []).entries()) {
    const ex = parseCIDR(e)
    if (!ex) return [...causes, invalid(`${path}.except[${i}]`, e, 'not a valid CIDR')]
    const inside = ex[0].kind() === cidr[0].kind() && ex[1] > cidr[1] && ex[0].match(cidr)
    if (!inside) causes.push(invalid(`${path}.except[${i}]`, e, 'must be a strict subset of `cidr`'))
  }
  return causes
}

function validatePeer(peer: PolicyPeer, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  let peers = 0
  if (peer.podSelector) {
    peers++
    causes.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`))
  }
  if (peer.namespaceSelector) {
    peers++
    causes.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`))
  }
  if (peer.ipBlock) {
    peers++
    causes.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`))
  }
  if (peers === 0) causes.push(required(path, 'must specify a peer'))
  else if (peers > 1 && peer.ipBlock) causes.push(forbidden(path, 'may not specify both ipBlock and another peer'))
  return causes
}

function validateRules(rules: PolicyRule[] | undefined, path: string, peersField: 'from' | 'to'): StatusCause[] {
  const causes: StatusCause[] = []
  for (const [i, r] of (rules ?? []).entries()) {
    for (const [j, p] of (r.ports ?? []).entries()) causes.push(...validatePort(p, `${path}[${i}].ports[${j}]`))
    for (const [j, p] of (r[peersField] ?? []).entries()) causes.push(...validatePeer(p, `${path}[${i}].${peersField}[${j}]`))
  }
  return causes
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj as NetworkPolicy).spec ?? {}
  const causes = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector')
  causes.push(...validateRules(spec.ingress, 'spec.ingress', 'from'), ...validateRules(spec.egress, 'spec.egress', 'to'))
  const types = spec.policyTypes ?? []
  if (types.length > POLICY_TYPES.length) {
    causes.push(invalid('spec.policyTypes', new GoValue(`[]networking.PolicyType{${types.map((t) => goQuote(t)).join(', ')}}`), 'may not specify more than two policyTypes'))
    return causes
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) causes.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES))
  })
  return causes
}

export const networkPolicy = defineResource('networking.k8s.io', 'v1', 'NetworkPolicy', {
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  shortNames: ['netpol'],
  fields: ['spec'],
  default(obj) {
    const spec = ((obj as NetworkPolicy).spec ??= {})
    spec.podSelector ??= {}
    // SetDefaults_NetworkPolicy: a policy without policyTypes is about Ingress, and about Egress too when it has egress rules.
    if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const p of r.ports ?? []) setIfAbsent(p, 'protocol', 'TCP')
  },
  validate,
  table: nameCellsAge([col('Pod-Selector', 'string', 0, POD_SELECTOR_DOC)], (o) => [formatLabelSelector((o as NetworkPolicy).spec?.podSelector)]),
  patch: builtinPatch,
})
