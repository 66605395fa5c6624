// Pod ranges for nodes (the IPAM controller) and the routes every agent keeps to the other nodes' ranges.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {NodeIpamController, nextNodeRange} from '../../../src/controllers/nodeipam/controller.js'
import {podRoutes, routeBatch} from '../../../src/agent/routes.js'
import {FakeLister, recordingClient} from './fakes.js'

const node = (name: string, podCIDR?: string, ip?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: {name},
  spec: podCIDR ? {podCIDR, podCIDRs: [podCIDR]} : {},
  status: ip ? {addresses: [{type: 'InternalIP', address: ip}, {type: 'Hostname', address: name}]} : {},
})

describe('node IPAM', () => {
  it('picks the first free /24 of the cluster range', () => {
    assert.equal(nextNodeRange('10.244.0.0/16', new Set()), '10.244.0.0/24')
    assert.equal(nextNodeRange('10.244.0.0/16', new Set(['10.244.0.0/24', '10.244.1.0/24', '10.244.3.0/24'])), '10.244.2.0/24')
    assert.equal(nextNodeRange('10.244.0.0/23', new Set(['10.244.0.0/24', '10.244.1.0/24'])), undefined)
  })

  it('gives a node without a range the next free one, and leaves nodes that have one alone', async () => {
    const nodes = new FakeLister([node('a', '10.244.0.0/24'), node('b', '10.244.1.0/24'), node('c')])
    const {client, actions} = recordingClient()
    const ctl = new NodeIpamController({client, nodes: nodes as never, clusterCIDR: '10.244.0.0/16'})
    await ctl.sync('a')
    await ctl.sync('c')
    assert.deepEqual(actions.map((a) => [a.verb, a.path, a.body]), [['patch:merge', '/api/v1/nodes/c', {spec: {podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24']}}]])
  })
})

describe('pod routes', () => {
  it('routes every other node\'s range through its InternalIP, and turns changes into ip -batch lines', () => {
    const nodes = [node('a', '10.244.0.0/24', '172.30.0.2'), node('b', '10.244.1.0/24', '172.30.0.3'), node('c', '10.244.2.0/24', '172.30.0.4'), node('d')]
    const want = podRoutes(nodes as never, 'a')
    assert.deepEqual(want, [{cidr: '10.244.1.0/24', via: '172.30.0.3'}, {cidr: '10.244.2.0/24', via: '172.30.0.4'}])
    assert.equal(routeBatch([], want), 'route replace 10.244.1.0/24 via 172.30.0.3\nroute replace 10.244.2.0/24 via 172.30.0.4')
    assert.equal(routeBatch(want, want), '')
    // Node c left, a new node e joined, b moved to another address.
    const next = [{cidr: '10.244.1.0/24', via: '172.30.0.9'}, {cidr: '10.244.4.0/24', via: '172.30.0.5'}]
    assert.equal(routeBatch(want, next), 'route replace 10.244.1.0/24 via 172.30.0.9\nroute replace 10.244.4.0/24 via 172.30.0.5\nroute del 10.244.2.0/24 via 172.30.0.4')
  })
})
