// NetworkPolicy as filter chains: isolation, pod/namespace selectors, ipBlocks with excepts, named ports, egress; the kind's defaults; and the enforcer's diffed applies.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import type {Pod} from '../../../src/api/types/workloads.js'
import type {NetworkPolicy} from '../../../src/api/resources/networking/networkpolicy.js'
import {networkPolicy} from '../../../src/api/resources/networking/networkpolicy.js'
import {applyDefaults, validateObject} from '../../../src/api/resources/index.js'
import {buildPolicyRules, NP_FORWARD} from '../../../src/proxy/netpol/index.js'

const pod = (name: string, ns: string, ip: string, node: string, labels: Record<string, string> = {}, ports: {name: string; containerPort: number}[] = []): Pod =>
  ({apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: ns, labels}, spec: {nodeName: node, containers: [{name: 'c', image: 'x', ports}]}, status: {podIP: ip, phase: 'Running'}}) as unknown as Pod
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}}})
const np = (name: string, namespace: string, spec: NetworkPolicy['spec']): NetworkPolicy => {
  const obj = {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace}, spec} as NetworkPolicy
  applyDefaults(networkPolicy, obj)
  return obj
}

const pods = [
  pod('web', 'app', '10.244.1.2', 'w1', {app: 'web'}, [{name: 'http', containerPort: 8080}]),
  pod('client', 'app', '10.244.2.3', 'w2', {role: 'client'}),
  pod('mon', 'ops', '10.244.2.4', 'w2', {role: 'monitor'}),
  pod('pending', 'app', '', 'w1', {app: 'web'}),
]
const namespaces = [ns('app'), ns('ops', {team: 'ops'})]
const chainOf = (chains: Map<string, string[]>, forwardLine: RegExp) => {
  const jump = chains.get(NP_FORWARD)!.find((l) => forwardLine.test(l))
  return jump ? chains.get(jump.split('-j ')[1])! : undefined
}

describe('netpol: rules', () => {
  it('no policy: only the established-traffic rule; pods of other nodes and pods without an IP get nothing', () => {
    assert.deepEqual([...buildPolicyRules([], pods, namespaces, 'w1')], [[NP_FORWARD, ['-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']]])
    const chains = buildPolicyRules([np('deny', 'app', {podSelector: {}})], pods, namespaces, 'w1')
    assert.deepEqual(chains.get(NP_FORWARD)!.slice(1).map((l) => l.split(' -j')[0]), ['-d 10.244.1.2/32'])
  })

  it('default deny: the pod chain clears the mark and drops', () => {
    const c = chainOf(buildPolicyRules([np('deny', 'app', {podSelector: {}})], pods, namespaces, 'w1'), /-d 10.244.1.2/)!
    assert.equal(c[0], '-j MARK --set-xmark 0x0/0x10000')
    assert.equal(c[1], '-m mark --mark 0x10000/0x10000 -j RETURN')
    assert.match(c[2], /-j DROP$/)
  })

  it('allows by pod label in the namespace, by namespace label, and by both; named ports resolve on the receiving pod', () => {
    const policy = np('allow', 'app', {podSelector: {matchLabels: {app: 'web'}}, ingress: [
      {from: [{podSelector: {matchLabels: {role: 'client'}}}], ports: [{port: 'http'}]},
      {from: [{namespaceSelector: {matchLabels: {team: 'ops'}}}]},
      {from: [{namespaceSelector: {matchLabels: {team: 'ops'}}, podSelector: {matchLabels: {role: 'nobody'}}}]},
    ]})
    const c = chainOf(buildPolicyRules([policy], pods, namespaces, 'w1'), /-d 10.244.1.2/)!
    assert.deepEqual(c.filter((l) => l.includes('--set-xmark 0x10000')), [
      '-s 10.244.2.3/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000/0x10000',
      '-s 10.244.2.4/32 -j MARK --set-xmark 0x10000/0x10000',
    ])
  })

  it('ipBlock with excepts goes through a chain that returns for the excepted ranges first', () => {
    const chains = buildPolicyRules([np('cidr', 'app', {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '10.244.0.0/16', except: ['10.244.2.0/24']}}], ports: [{port: 80, endPort: 90}]}]})], pods, namespaces, 'w1')
    const c = chainOf(chains, /-d 10.244.1.2/)!
    const sub = chains.get(c[1].split('-j ')[1])!
    assert.deepEqual(sub, ['-s 10.244.2.0/24 -j RETURN', '-s 10.244.0.0/16 -p tcp -m tcp --dport 80:90 -j MARK --set-xmark 0x10000/0x10000'])
  })

  it('egress isolates by source; an empty rule list denies all egress', () => {
    const chains = buildPolicyRules([np('no-egress', 'app', {podSelector: {matchLabels: {role: 'client'}}, policyTypes: ['Egress']})], pods, namespaces, 'w2')
    assert.ok(chainOf(chains, /^-s 10.244.2.3\/32/))
    assert.equal(chainOf(chains, /-d 10.244.2.3/), undefined)
    assert.equal(chainOf(chains, /10.244.2.4/), undefined, 'pods of other namespaces are not selected')
  })

  it('the kind defaults policyTypes and protocols, and validates ports and peers', () => {
    const p = np('d', 'app', {podSelector: {}, egress: [{ports: [{port: 53}]}]})
    assert.deepEqual(p.spec!.policyTypes, ['Ingress', 'Egress'])
    assert.equal(p.spec!.egress![0].ports![0].protocol, 'TCP')
    const bad = np('b', 'app', {podSelector: {}, ingress: [{from: [{}, {ipBlock: {cidr: 'nope'}}], ports: [{port: 90, endPort: 80}]}]})
    assert.deepEqual(validateObject(networkPolicy, bad).map((c) => c.field).sort(), ['spec.ingress[0].from[0]', 'spec.ingress[0].from[1].ipBlock.cidr', 'spec.ingress[0].ports[0].endPort'])
  })
})
