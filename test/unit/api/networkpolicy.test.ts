// The NetworkPolicy kind: served as networking.k8s.io/v1 netpol, defaulted, validated with Kubernetes' messages, printed as kubectl's table.
import assert from 'node:assert/strict'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const def = builtin('networking.k8s.io', 'networkpolicies')
const now = new Date('2026-01-10T12:00:00Z')
const policy = (spec: Record<string, unknown>): KubeObject => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name: 'p', namespace: 'default', creationTimestamp: new Date(now.getTime() - 90_000).toISOString()}, spec})
const causes = (spec: Record<string, unknown>) => {
  const obj = policy(spec)
  applyDefaults(def, obj)
  return validateObject(def, obj).map((c) => [c.field, c.message])
}

describe('networkpolicy kind', () => {
  it('is served as networking.k8s.io/v1 networkpolicies, short name netpol, namespaced', () => {
    assert.deepEqual([def.version, def.kind, def.singular, def.shortNames, def.namespaced], ['v1', 'NetworkPolicy', 'networkpolicy', ['netpol'], true])
  })

  it('defaults policyTypes as Kubernetes does (Ingress always, Egress with egress rules) and ports to TCP', () => {
    const bare = policy({})
    applyDefaults(def, bare)
    assert.deepEqual(bare.spec, {podSelector: {}, policyTypes: ['Ingress']})
    const withEgress = policy({podSelector: {}, ingress: [{ports: [{port: 80}]}], egress: [{ports: [{port: 53, protocol: 'UDP'}, {port: 'dns'}]}]})
    applyDefaults(def, withEgress)
    assert.deepEqual(withEgress.spec!.policyTypes, ['Ingress', 'Egress'])
    assert.deepEqual(withEgress.spec!.ingress[0].ports, [{port: 80, protocol: 'TCP'}])
    assert.deepEqual(withEgress.spec!.egress[0].ports, [{port: 53, protocol: 'UDP'}, {port: 'dns', protocol: 'TCP'}])
    const explicit = policy({podSelector: {}, policyTypes: ['Egress']})
    applyDefaults(def, explicit)
    applyDefaults(def, explicit)
    assert.deepEqual(explicit.spec!.policyTypes, ['Egress'], 'kept, and defaulting twice changes nothing')
  })

  it('accepts a usual policy, IPv6 blocks included', () => {
    assert.deepEqual(causes({
      podSelector: {matchLabels: {app: 'web'}},
      ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}, namespaceSelector: {}}, {ipBlock: {cidr: '10.0.0.0/8', except: ['10.1.0.0/16']}}], ports: [{port: 'http'}, {port: 8000, endPort: 8080}]}],
      egress: [{to: [{ipBlock: {cidr: 'fd00::/8', except: ['fd00:1::/32']}}]}, {}],
    }), [])
  })

  it('rejects peers and ipBlocks with the server messages', () => {
    assert.deepEqual(causes({podSelector: {}, ingress: [{from: [
      {},
      {ipBlock: {cidr: '10.0.0.0/8'}, podSelector: {}},
      {ipBlock: {cidr: 'nope'}},
      {ipBlock: {cidr: '10.0.0.0/16', except: ['10.0.1.0/24', '10.1.0.0/24', '10.0.0.0/16', '192.168.0.0/8']}},
      {ipBlock: {cidr: '10.0.0.0/16', except: ['x', '10.1.0.0/24']}},
      {ipBlock: {cidr: ''}},
    ]}]}), [
      ['spec.ingress[0].from[0]', 'Required value: must specify a peer'],
      ['spec.ingress[0].from[1]', 'Forbidden: may not specify both ipBlock and another peer'],
      ['spec.ingress[0].from[2].ipBlock.cidr', 'Invalid value: "nope": not a valid CIDR'],
      ['spec.ingress[0].from[3].ipBlock.except[1]', 'Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[3].ipBlock.except[2]', 'Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[3].ipBlock.except[3]', 'Invalid value: "192.168.0.0/8": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[4].ipBlock.except[0]', 'Invalid value: "x": not a valid CIDR'],
      ['spec.ingress[0].from[5].ipBlock.cidr', 'Required value'],
    ])
  })

  it('rejects ports, protocols and policyTypes with the server messages', () => {
    assert.deepEqual(causes({podSelector: {}, policyTypes: ['Ingress', 'Both'], egress: [{ports: [
      {port: 90, endPort: 80},
      {port: 'http', endPort: 80},
      {endPort: 80},
      {port: 0, protocol: 'ICMP'},
      {port: 80, endPort: 70000},
      {port: 'Not_A_Name'},
    ]}]}), [
      ['spec.egress[0].ports[0].endPort', 'Invalid value: 90: must be greater than or equal to `port`'],
      ['spec.egress[0].ports[1].endPort', 'Invalid value: 80: may not be specified when `port` is non-numeric'],
      ['spec.egress[0].ports[2].endPort', 'Invalid value: 80: may not be specified when `port` is not specified'],
      ['spec.egress[0].ports[3].protocol', 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'],
      ['spec.egress[0].ports[3].port', 'Invalid value: 0: must be between 1 and 65535, inclusive'],
      ['spec.egress[0].ports[4].endPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
      ['spec.egress[0].ports[5].port', 'Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['spec.policyTypes[1]', 'Unsupported value: "Both": supported values: "Ingress", "Egress"'],
    ])
    assert.deepEqual(causes({podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress']}), [
      ['spec.policyTypes', 'Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes'],
    ])
    assert.deepEqual(causes({podSelector: {matchExpressions: [{key: 'app', operator: 'In'}]}})[0], ['spec.podSelector.matchExpressions[0].values', "Required value: must be specified when `operator` is 'In' or 'NotIn'"])
  })

  it('prints NAME, POD-SELECTOR, AGE as kubectl does', () => {
    assert.deepEqual(tableColumns(def).map((c) => [c.name, c.priority]), [['Name', 0], ['Pod-Selector', 0], ['Age', 0]])
    assert.match(tableColumns(def)[1].description, /^podSelector selects the pods to which this NetworkPolicy object applies\./)
    assert.deepEqual(tableRow(def, policy({podSelector: {}}), now), ['p', '<none>', '90s'])
    assert.deepEqual(tableRow(def, policy({podSelector: {matchLabels: {app: 'web'}}}), now), ['p', 'app=web', '90s'])
    const expr = policy({podSelector: {matchLabels: {tier: 'front'}, matchExpressions: [{key: 'env', operator: 'In', values: ['prod', 'dev']}, {key: 'canary', operator: 'DoesNotExist'}]}})
    assert.deepEqual(tableRow(def, expr, now), ['p', '!canary,env in (dev,prod),tier=front', '90s'])
  })
})
