// The cloud controller's pure parts: listeners from services and nodes, host-port choice, status, engine errors, and the load balancer's NAT rules.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import {desiredListeners, lbRestoreInput, loadBalancerStatus, servesPorts, takenPort} from '../../../src/cloud/index.js'

const node = (name: string, ip: string, ready = true): KubeObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: {name},
  status: {addresses: [{type: 'InternalIP', address: ip}], conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
})
const svc = (name: string, created: string, ports: {port: number; nodePort?: number; name?: string; protocol?: string}[], extra: Record<string, unknown> = {}): Service =>
  ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default', creationTimestamp: created}, spec: {type: 'LoadBalancer', ports, ...extra}}) as unknown as Service
const nodes = [node('cp', '172.30.0.2'), node('w1', '172.30.0.3'), node('w2', '172.30.0.4', false)]

describe('cloud: load balancer listeners', () => {
  it('one listener per TCP port of each LoadBalancer service, to every Ready node on its node port', () => {
    const ls = desiredListeners([svc('web', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080, name: 'http'}, {port: 53, nodePort: 30053, protocol: 'UDP'}]), {...svc('plain', '2026-01-01T00:00:00Z', [{port: 81, nodePort: 30081}]), spec: {type: 'NodePort', ports: [{port: 81, nodePort: 30081}]}} as unknown as Service], nodes, [], new Map())
    assert.deepEqual(ls, [{service: 'default/web', portName: 'http', servicePort: 80, nodePort: 30080, hostPort: 80, backends: ['172.30.0.2:30080', '172.30.0.3:30080']}])
  })

  it('the older service keeps its own port; a newer one asking for the same gets a free one (0); existing assignments stay', () => {
    const a = svc('a', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30001}])
    const b = svc('b', '2026-01-02T00:00:00Z', [{port: 80, nodePort: 30002}])
    assert.deepEqual(desiredListeners([b, a], nodes, [], new Map()).map((l) => [l.service, l.hostPort]), [['default/a', 80], ['default/b', 0]])
    // b was given 80 earlier (a came later): it keeps it, a is the one that waits for a free port.
    assert.deepEqual(desiredListeners([b, a], nodes, [], new Map([[30002, 80]])).map((l) => [l.service, l.hostPort]), [['default/a', 0], ['default/b', 80]])
  })

  it('externalTrafficPolicy Local sends only to nodes with a ready endpoint; services of another loadBalancerClass are not ours', () => {
    const slices = [{apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: 's', namespace: 'default', labels: {'kubernetes.io/service-name': 'web'}}, endpoints: [{addresses: ['10.244.1.5'], nodeName: 'w1', conditions: {ready: true}}, {addresses: ['10.244.0.5'], nodeName: 'cp', conditions: {ready: false}}]}]
    const local = svc('web', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080}], {externalTrafficPolicy: 'Local'})
    assert.deepEqual(desiredListeners([local], nodes, slices, new Map())[0].backends, ['172.30.0.3:30080'])
    assert.deepEqual(desiredListeners([svc('x', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080}], {loadBalancerClass: 'example.com/lb'})], nodes, [], new Map()), [])
  })

  it('a container serves the listeners when its published ports match, whatever the backends; a port the engine picked counts', () => {
    const one = desiredListeners([svc('web', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080}])], nodes, [], new Map())
    const fewer = desiredListeners([svc('web', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080}])], nodes.slice(0, 1), [], new Map())
    const published = new Map([[30080, 80]])
    assert.equal(servesPorts(published, one), servesPorts(published, fewer))
    assert.equal(servesPorts(published, one), true)
    assert.equal(servesPorts(published, [...one, {...one[0], nodePort: 30081}]), false)
    assert.equal(servesPorts(new Map([[30080, 32768]]), [{...one[0], hostPort: 0}]), true)
    assert.equal(servesPorts(new Map([[30080, 32768]]), one), false)
  })

  it('status names the host address and the port the engine published', () => {
    const s = svc('web', '2026-01-01T00:00:00Z', [{port: 80, nodePort: 30080}])
    const ls = desiredListeners([s], nodes, [], new Map())
    assert.deepEqual(loadBalancerStatus(s, ls, new Map([[30080, 32768]]), '127.0.0.1'), {ingress: [{ip: '127.0.0.1', ipMode: 'Proxy', ports: [{port: 32768, protocol: 'TCP'}]}]})
    assert.deepEqual(loadBalancerStatus(s, ls, new Map(), '127.0.0.1'), {})
  })

  it('reads the taken port out of the engine\'s errors', () => {
    assert.equal(takenPort('driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:8080 failed: port is already allocated'), 8080)
    assert.equal(takenPort('Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use'), 80)
    assert.equal(takenPort('No such image: skiff/node:1'), undefined)
  })
})

describe('cloud: load-balancer rules', () => {
  it('DNATs each listener port to its backends with falling probabilities, masquerades, and leaves ports without backends unruled', () => {
    const text = lbRestoreInput([{nodePort: 30002, backends: []}, {nodePort: 30001, backends: ['172.30.0.2:30001', '172.30.0.3:30001', '172.30.0.4:30001']}])
    assert.deepEqual(text.split('\n'), [
      '*nat',
      ':SKIFF-LB - [0:0]',
      ':SKIFF-LB-POSTROUTING - [0:0]',
      '-A SKIFF-LB -p tcp -m tcp --dport 30001 -m statistic --mode random --probability 0.3333333333 -j DNAT --to-destination 172.30.0.2:30001',
      '-A SKIFF-LB -p tcp -m tcp --dport 30001 -m statistic --mode random --probability 0.5000000000 -j DNAT --to-destination 172.30.0.3:30001',
      '-A SKIFF-LB -p tcp -m tcp --dport 30001 -j DNAT --to-destination 172.30.0.4:30001',
      '-A SKIFF-LB-POSTROUTING -m conntrack --ctstate DNAT -j MASQUERADE',
      'COMMIT',
      '',
    ])
  })
})
