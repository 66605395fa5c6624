// The proxy's rules from Services and EndpointSlices, and the iptables-restore batches that take the kernel from one set to the next.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import {buildRules, chainName, portEndpoints} from '../../../src/proxy/rules.js'
import {emptyState, restoreInput, stateOf} from '../../../src/proxy/restore.js'

const node = {nodeName: 'n1', clusterCIDR: '10.244.0.0/16'}
const svc = (spec: Service['spec'], name = 'web'): Service => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 8080}], ...spec}})
const ep = (ip: string, nodeName = 'n1', conditions: Record<string, boolean> = {ready: true}) => ({addresses: [ip], nodeName, conditions})
const slice = (endpoints: ReturnType<typeof ep>[], name = 'web'): KubeObject => ({apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: `${name}-x`, namespace: 'default', labels: {'kubernetes.io/service-name': name}}, addressType: 'IPv4', endpoints, ports: [{name: 'http', port: 8080, protocol: 'TCP'}]})

describe('proxy rules', () => {
  it('names chains as kube-proxy does: a prefix and 16 base32 characters, stable per input', () => {
    const a = chainName('KUBE-SVC-', 'default/web:http/tcp')
    assert.match(a, /^KUBE-SVC-[A-Z2-7]{16}$/)
    assert.equal(a, chainName('KUBE-SVC-', 'default/web:http/tcp'))
    assert.notEqual(a, chainName('KUBE-SVC-', 'default/web:https/tcp'))
  })

  it('balances a cluster IP over every ready endpoint with falling probabilities, masquerades off-cluster sources and hairpins', () => {
    const {nat, filter} = buildRules([svc({})], [slice([ep('10.244.1.5'), ep('10.244.2.5', 'n2'), ep('10.244.2.6', 'n2')])], node)
    const services = nat.get('KUBE-SERVICES')!
    assert.match(services[0], /^-m comment --comment "default\/web:http cluster IP" -d 10\.96\.0\.20\/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-/)
    assert.match(services.at(-1)!, /-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS$/)
    const svcChain = services[0].split(' -j ')[1]
    const rules = nat.get(svcChain)!
    assert.match(rules[0], /! -s 10\.244\.0\.0\/16 -j KUBE-MARK-MASQ$/)
    assert.deepEqual(rules.slice(1).map((r) => /--probability (\S+)/.exec(r)?.[1] ?? 'last'), ['0.3333333333', '0.5000000000', 'last'])
    const sep = rules[1].split(' -j ')[1]
    assert.deepEqual(nat.get(sep), ['-m comment --comment "default/web:http" -s 10.244.1.5/32 -j KUBE-MARK-MASQ', '-m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080'])
    assert.deepEqual(filter.get('KUBE-SERVICES'), [])
  })

  it('rejects a service without endpoints; uses terminating endpoints only when nothing is ready; skips headless and ExternalName', () => {
    const {nat, filter} = buildRules([svc({}), svc({clusterIP: 'None'}, 'h'), svc({type: 'ExternalName', externalName: 'x.example'}, 'e')], [], node)
    assert.match(filter.get('KUBE-SERVICES')![0], /"default\/web:http has no endpoints" -d 10\.96\.0\.20\/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable$/)
    assert.equal(nat.get('KUBE-SERVICES')!.length, 1)
    const only = (conds: Record<string, boolean>[]) => portEndpoints(svc({}), {name: 'http', port: 80, protocol: 'TCP'}, [slice(conds.map((c, i) => ep(`10.244.1.${i + 1}`, 'n1', c))) as never], 'n1').map((e) => e.ip)
    assert.deepEqual(only([{ready: true}, {ready: false, serving: true, terminating: true}]), ['10.244.1.1'])
    assert.deepEqual(only([{ready: false, serving: false}, {ready: false, serving: true, terminating: true}]), ['10.244.1.2'])
  })

  it('node ports go through an external chain: masqueraded for Cluster, local endpoints only and unmasqueraded for Local', () => {
    const np = (policy: string) => buildRules([svc({type: 'NodePort', externalTrafficPolicy: policy, ports: [{name: 'http', port: 80, protocol: 'TCP', nodePort: 30080}]})], [slice([ep('10.244.1.5'), ep('10.244.2.5', 'n2')])], node)
    const cluster = np('Cluster').nat
    const jump = cluster.get('KUBE-NODEPORTS')![0]
    assert.match(jump, /-p tcp -m tcp --dport 30080 -j KUBE-EXT-/)
    const ext = cluster.get(jump.split(' -j ')[1])!
    assert.match(ext[0], /-j KUBE-MARK-MASQ$/)
    assert.equal(ext.filter((r) => r.includes('KUBE-SEP-')).length, 2)
    const local = np('Local').nat
    const extLocal = local.get(local.get('KUBE-NODEPORTS')![0].split(' -j ')[1])!
    assert.deepEqual(extLocal.map((r) => r.includes('KUBE-MARK-MASQ')), [false])
    // No local endpoint with Local policy: the node port is refused here.
    const none = buildRules([svc({type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{name: 'http', port: 80, protocol: 'TCP', nodePort: 30080}]})], [slice([ep('10.244.2.5', 'n2')])], node)
    assert.match(none.filter.get('KUBE-EXTERNAL-SERVICES')![0], /--dst-type LOCAL -p tcp -m tcp --dport 30080 -j REJECT/)
  })

  it('session affinity remembers the client for the timeout; internalTrafficPolicy Local keeps cluster IP traffic on the node', () => {
    const {nat} = buildRules([svc({sessionAffinity: 'ClientIP', sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, internalTrafficPolicy: 'Local'})], [slice([ep('10.244.1.5'), ep('10.244.2.5', 'n2')])], node)
    const jump = nat.get('KUBE-SERVICES')![0]
    assert.match(jump, /-j KUBE-SVL-/)
    const rules = nat.get(jump.split(' -j ')[1])!
    assert.match(rules[1], /-m recent --name KUBE-SEP-\S+ --mask 255\.255\.255\.255 --rsource --rcheck --seconds 60 --reap -j KUBE-SEP-/)
    assert.equal(rules.filter((r) => r.includes('--rcheck')).length, 1)
    const sep = [...nat.keys()].find((k) => k.startsWith('KUBE-SEP-'))!
    assert.match(nat.get(sep)![1], /--set -p tcp -m tcp -j DNAT --to-destination 10\.244\.1\.5:8080$/)
  })

  it('restore batches rewrite only changed chains and delete the ones no longer wanted', () => {
    const one = buildRules([svc({})], [slice([ep('10.244.1.5')])], node)
    const first = restoreInput(emptyState(), one)
    assert.match(first, /^\*nat\n:KUBE-SERVICES - \[0:0\]\n/)
    assert.match(first, /\nCOMMIT\n\*filter\n/)
    assert.equal(restoreInput(stateOf(one), one), '')
    const two = buildRules([svc({})], [slice([ep('10.244.1.5'), ep('10.244.1.6')])], node)
    const step = restoreInput(stateOf(one), two)
    const declared = [...step.matchAll(/^:(\S+)/gm)].map((m) => m[1])
    // The service chain changes and one endpoint chain is new; KUBE-SERVICES and the other endpoint stay.
    assert.equal(declared.length, 2)
    assert.ok(declared.every((c) => c.startsWith('KUBE-SVC-') || c.startsWith('KUBE-SEP-')))
    assert.doesNotMatch(step, /\*filter/)
    const gone = restoreInput(stateOf(two), buildRules([], [], node))
    assert.equal((gone.match(/^-X KUBE-SEP-/gm) ?? []).length, 2)
    assert.equal((gone.match(/^-X KUBE-SVC-/gm) ?? []).length, 1)
  })
})
