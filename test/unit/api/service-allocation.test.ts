// Service cluster IPs and node ports as the apiserver hands them out: random free values, requested ones checked, values kept across updates.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {allocateService} from '../../../src/api/resources/core/service-allocation.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import type {AllocationEnv} from '../../../src/api/resources/def.js'

const svc = (name: string, spec: Service['spec']): Service => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {type: 'ClusterIP', ports: [{port: 80, protocol: 'TCP'}], ...spec}})
const env = (others: KubeObject[] = [], cidr = '10.96.0.0/16', random = () => 0.5): AllocationEnv => ({serviceCIDR: cidr, nodePortRange: {min: 30000, max: 32767}, others: async () => others, random})

describe('service allocation', () => {
  it('gives a ClusterIP service a free address above the reserved band, and clusterIPs to match', async () => {
    const s = svc('a', {})
    assert.deepEqual(await allocateService(s, undefined, env()), [])
    assert.match(s.spec!.clusterIP!, /^10\.96\.\d+\.\d+$/)
    assert.deepEqual(s.spec!.clusterIPs, [s.spec!.clusterIP])
    // /16: the lowest 256 addresses are left for addresses asked for by hand.
    const [, , c, d] = s.spec!.clusterIP!.split('.').map(Number)
    assert.ok(c * 256 + d > 256)
  })

  it('never hands out an address another service holds, even in a nearly full range', async () => {
    const others = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip, i) => svc(`o${i}`, {clusterIP: ip, clusterIPs: [ip]}))
    const s = svc('a', {})
    assert.deepEqual(await allocateService(s, undefined, env(others, '10.0.0.0/29')), [])
    assert.equal(s.spec!.clusterIP, '10.0.0.6')
    const full = svc('b', {})
    const causes = await allocateService(full, undefined, env([...others, s], '10.0.0.0/29'))
    assert.match(causes[0].message, /range is full/)
  })

  it('checks a requested address: in range and not taken (422 causes worded as Kubernetes words them)', async () => {
    const taken = svc('t', {clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50']})
    const clash = await allocateService(svc('a', {clusterIP: '10.96.0.50'}), undefined, env([taken]))
    assert.deepEqual(clash.map((c) => [c.field, c.message]), [['spec.clusterIPs', 'Invalid value: []string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: provided IP is already allocated']])
    const outside = await allocateService(svc('a', {clusterIP: '192.168.1.1'}), undefined, env())
    assert.match(outside[0].message, /the provided IP \(192\.168\.1\.1\) is not in the valid range\. The range of valid IPs is 10\.96\.0\.0\/16$/)
    const ok = svc('a', {clusterIP: '10.96.0.51'})
    assert.deepEqual(await allocateService(ok, undefined, env([taken])), [])
    assert.deepEqual(ok.spec!.clusterIPs, ['10.96.0.51'])
  })

  it('headless and ExternalName services get no address', async () => {
    const headless = svc('h', {clusterIP: 'None'})
    await allocateService(headless, undefined, env())
    assert.deepEqual(headless.spec!.clusterIPs, ['None'])
    const ext = svc('e', {type: 'ExternalName', externalName: 'example.com'})
    await allocateService(ext, undefined, env())
    assert.equal(ext.spec!.clusterIP, undefined)
  })

  it('allocates node ports for NodePort and LoadBalancer services, checks requested ones, and shares one across protocols', async () => {
    const other = svc('o', {type: 'NodePort', clusterIP: '10.96.1.1', ports: [{port: 80, protocol: 'TCP', nodePort: 30080}]})
    const s = svc('np', {type: 'NodePort', ports: [{name: 'dns', port: 53, protocol: 'UDP'}, {name: 'dns-tcp', port: 53, protocol: 'TCP'}, {name: 'web', port: 80, protocol: 'TCP', nodePort: 30081}]})
    assert.deepEqual(await allocateService(s, undefined, env([other])), [])
    const [udp, tcp, web] = s.spec!.ports!
    assert.ok(udp.nodePort! >= 30000 && udp.nodePort! <= 32767)
    assert.equal(tcp.nodePort, udp.nodePort)
    assert.equal(web.nodePort, 30081)
    const clash = await allocateService(svc('c', {type: 'NodePort', ports: [{port: 80, protocol: 'TCP', nodePort: 30080}]}), undefined, env([other]))
    assert.deepEqual(clash.map((c) => [c.field, c.message]), [['spec.ports[0].nodePort', 'Invalid value: 30080: provided port is already allocated']])
    const range = await allocateService(svc('r', {type: 'NodePort', ports: [{port: 80, protocol: 'TCP', nodePort: 8080}]}), undefined, env())
    assert.match(range[0].message, /provided port is not in the valid range\. The range of valid ports is 30000-32767/)
    const lb = svc('lb', {type: 'LoadBalancer', externalTrafficPolicy: 'Local'})
    await allocateService(lb, undefined, env())
    assert.ok(lb.spec!.ports![0].nodePort && lb.spec!.healthCheckNodePort && lb.spec!.healthCheckNodePort !== lb.spec!.ports![0].nodePort)
  })

  it('an update without the allocated values keeps them; leaving NodePort drops the node ports', async () => {
    const old = svc('a', {type: 'NodePort', clusterIP: '10.96.5.5', clusterIPs: ['10.96.5.5'], ports: [{port: 80, protocol: 'TCP', nodePort: 31000}]})
    const put = svc('a', {type: 'NodePort', ports: [{port: 80, protocol: 'TCP'}]})
    assert.deepEqual(await allocateService(put, old, env()), [])
    assert.equal(put.spec!.clusterIP, '10.96.5.5')
    assert.equal(put.spec!.ports![0].nodePort, 31000)
    const back = svc('a', {type: 'ClusterIP', clusterIP: '10.96.5.5', ports: [{port: 80, protocol: 'TCP', nodePort: 31000}]})
    assert.deepEqual(await allocateService(back, old, env()), [])
    assert.equal(back.spec!.ports![0].nodePort, undefined)
  })
})
