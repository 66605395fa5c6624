// NetworkPolicy (networking.k8s.io/v1): which traffic selected pods may receive and send, defaulted, validated and printed as Kubernetes does.
import type {KubeObject, StatusCause} from '../../types.js'
import type {LabelSelector} from '../../selectors.js'
import {isIPv4CIDR} from '../../net/cidr.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
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

/** A port of a rule: a number (or range up to endPort) or a container port name. */
export interface PolicyPort {
  protocol?: string
  port?: number | string
  endPort?: number
}

/** A NetworkPolicy as the enforcer reads it. */
export interface NetworkPolicy extends KubeObject {
  spec?: {
    podSelector?: LabelSelector
    policyTypes?: string[]
    ingress?: {from?: PolicyPeer[]; ports?: PolicyPort[]}[]
    egress?: {to?: PolicyPeer[]; ports?: PolicyPort[]}[]
  }
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
const POLICY_TYPES = ['Egress', 'Ingress']

function validatePorts(ports: PolicyPort[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  ;(ports ?? []).forEach((p, i) => {
    const pp = `${path}[${i}]`
    if (p.protocol && !PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS))
    if (typeof p.port === 'number') for (const m of isValidPortNum(p.port)) causes.push(invalid(`${pp}.port`, p.port, m))
    if (typeof p.port === 'string') for (const m of isValidPortName(p.port)) causes.push(invalid(`${pp}.port`, p.port, m))
    if (p.endPort !== undefined) {
      if (typeof p.port !== 'number') causes.push(required(`${pp}.port`, 'must be specified when endPort is specified'))
      else if (p.endPort < p.port) causes.push(invalid(`${pp}.endPort`, p.endPort, 'must be greater than or equal to `port`'))
    }
  })
  return causes
}

function validatePeers(peers: PolicyPeer[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  ;(peers ?? []).forEach((peer, i) => {
    const pp = `${path}[${i}]`
    const set = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((x) => x !== undefined).length
    if (set === 0) causes.push(required(pp, 'must specify a peer'))
    if (peer.ipBlock && set > 1) causes.push(forbiddenBoth(pp))
    if (peer.podSelector) causes.push(...validateLabelSelector(peer.podSelector, `${pp}.podSelector`))
    if (peer.namespaceSelector) causes.push(...validateLabelSelector(peer.namespaceSelector, `${pp}.namespaceSelector`))
    if (peer.ipBlock) {
      const {cidr, except} = peer.ipBlock
      if (!cidr) causes.push(required(`${pp}.ipBlock.cidr`, ''))
      else if (!isIPv4CIDR(cidr)) causes.push(invalid(`${pp}.ipBlock.cidr`, cidr, 'must be a valid CIDR'))
      ;(except ?? []).forEach((e, j) => {
        if (!isIPv4CIDR(e)) causes.push(invalid(`${pp}.ipBlock.except[${j}]`, e, 'must be a valid CIDR'))
      })
    }
  })
  return causes
}

function forbiddenBoth(path: string): StatusCause {
  return {reason: 'FieldValueForbidden', field: path, message: `Forbidden: may not specify more than 1 peer`}
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj as NetworkPolicy).spec ?? {}
  const causes = validateLabelSelector(spec.podSelector ?? {}, 'spec.podSelector')
  ;(spec.policyTypes ?? []).forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) causes.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES))
  })
  ;(spec.ingress ?? []).forEach((r, i) => causes.push(...validatePorts(r.ports, `spec.ingress[${i}].ports`), ...validatePeers(r.from, `spec.ingress[${i}].from`)))
  ;(spec.egress ?? []).forEach((r, i) => causes.push(...validatePorts(r.ports, `spec.egress[${i}].ports`), ...validatePeers(r.to, `spec.egress[${i}].to`)))
  return causes
}

export const networkPolicy = defineResource('networking.k8s.io', 'v1', 'NetworkPolicy', {
  resource: 'networkpolicies',
  shortNames: ['netpol'],
  fields: ['spec'],
  default(obj) {
    const spec = ((obj as NetworkPolicy).spec ??= {})
    spec.podSelector ??= {}
    // Kubernetes' defaulting: Ingress always, Egress when the policy has egress rules.
    if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress']
    for (const r of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const p of r.ports ?? []) setIfAbsent(p as Record<string, unknown>, 'protocol', 'TCP')
  },
  validate,
  table: nameCellsAge([col('Pod-Selector', 'string', 0, 'podSelector selects the pods to which this NetworkPolicy object applies.')], (o) => [formatLabelSelector((o as NetworkPolicy).spec?.podSelector)]),
  patch: builtinPatch,
})
