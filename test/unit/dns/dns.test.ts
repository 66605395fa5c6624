// Cluster DNS: the zone's answers (services, headless endpoints, SRV, ExternalName, pods, reverse), a real UDP round trip with forwarding and caching, and pod resolv.conf per dnsPolicy.
import assert from 'node:assert/strict'
import * as dgram from 'node:dgram'
import dnsPacket, {type DecodedPacket} from 'dns-packet'
import type {KubeObject} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import {FakeClock} from '../../../src/api/clock.js'
import {parseResolvConf} from '../../../src/api/net/resolv.js'
import {ClusterZone} from '../../../src/dns/zone.js'
import {Forwarder} from '../../../src/dns/forward.js'
import {handleQuery} from '../../../src/dns/server.js'
import {podDNS} from '../../../src/agent/pods/dns.js'

const svc = (name: string, spec: Service['spec'], ns = 'default'): Service => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {type: 'ClusterIP', ports: [{name: 'http', port: 80, protocol: 'TCP'}], ...spec}})
const slice = (svcName: string, endpoints: {addresses: string[]; hostname?: string; conditions?: {ready: boolean}}[]): KubeObject => ({apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: `${svcName}-x`, namespace: 'default', labels: {'kubernetes.io/service-name': svcName}}, endpoints, ports: [{name: 'http', port: 8080, protocol: 'TCP'}]})

function zone(): ClusterZone {
  const z = new ClusterZone('cluster.local')
  z.update(
    [svc('web', {clusterIP: '10.96.0.20'}), svc('db', {clusterIP: 'None'}), svc('ext', {type: 'ExternalName', externalName: 'deb.debian.org'}), svc('kube-dns', {clusterIP: '10.96.0.10'}, 'kube-system')],
    [slice('db', [{addresses: ['10.244.1.5'], hostname: 'db-0'}, {addresses: ['10.244.2.6'], hostname: 'db-1'}, {addresses: ['10.244.2.7'], conditions: {ready: false}}])],
  )
  return z
}
const ask = (z: ClusterZone, name: string, type = 'A') => z.answer({name, type: type as never})
const data = (a: ReturnType<typeof ask>) => a.answers.map((r) => ('data' in r ? r.data : undefined))

describe('cluster DNS zone', () => {
  it('answers service names with the cluster IP; headless names with each ready endpoint', () => {
    const z = zone()
    assert.deepEqual(data(ask(z, 'web.default.svc.cluster.local')), ['10.96.0.20'])
    assert.deepEqual(data(ask(z, 'WEB.Default.svc.cluster.local.')), ['10.96.0.20'])
    assert.deepEqual(data(ask(z, 'db.default.svc.cluster.local')), ['10.244.1.5', '10.244.2.6'])
    assert.deepEqual(data(ask(z, 'db-1.db.default.svc.cluster.local')), ['10.244.2.6'])
    assert.deepEqual(data(ask(z, 'kube-dns.kube-system.svc.cluster.local')), ['10.96.0.10'])
  })

  it('says NXDOMAIN for names that do not exist and NOERROR without answers for other types, both with the SOA', () => {
    const z = zone()
    for (const n of ['nope.default.svc.cluster.local', 'web.other.svc.cluster.local', 'web.default.cluster.local', 'db-9.db.default.svc.cluster.local']) {
      const a = ask(z, n)
      assert.equal(a.rcode, 'NXDOMAIN', n)
      assert.equal(a.authorities[0].type, 'SOA')
    }
    const aaaa = ask(z, 'web.default.svc.cluster.local', 'AAAA')
    assert.equal(aaaa.rcode, 'NOERROR')
    assert.deepEqual(aaaa.answers, [])
    assert.equal(ask(z, 'default.svc.cluster.local').rcode, 'NOERROR')
  })

  it('serves SRV for named ports, CNAME for ExternalName, pod records and reverse lookups', () => {
    const z = zone()
    const srv = ask(z, '_http._tcp.web.default.svc.cluster.local', 'SRV')
    assert.deepEqual(data(srv), [{priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local'}])
    assert.deepEqual(srv.additionals.map((a) => 'data' in a && a.data), ['10.96.0.20'])
    const headlessSrv = ask(z, '_http._tcp.db.default.svc.cluster.local', 'SRV')
    assert.deepEqual(data(headlessSrv).map((d) => (d as {target: string}).target), ['db-0.db.default.svc.cluster.local', 'db-1.db.default.svc.cluster.local'])
    assert.deepEqual(ask(z, 'ext.default.svc.cluster.local').answers.map((a) => [a.type, 'data' in a && a.data]), [['CNAME', 'deb.debian.org']])
    assert.deepEqual(data(ask(z, '10-244-1-5.default.pod.cluster.local')), ['10.244.1.5'])
    assert.ok(z.owns('20.0.96.10.in-addr.arpa'))
    assert.deepEqual(data(ask(z, '20.0.96.10.in-addr.arpa', 'PTR')), ['web.default.svc.cluster.local'])
    assert.equal(z.owns('1.1.168.192.in-addr.arpa'), false)
    assert.equal(z.owns('deb.debian.org'), false)
  })
})

describe('cluster DNS server', () => {
  it('answers the zone itself and forwards other names to the upstream over UDP, caching by TTL', async () => {
    let upstreamQueries = 0
    const upstream = dgram.createSocket('udp4')
    upstream.on('message', (msg, rinfo) => {
      upstreamQueries++
      const q = dnsPacket.decode(msg)
      upstream.send(dnsPacket.encode({type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{type: 'A', name: q.questions![0].name, ttl: 60, data: '203.0.113.7'}]}), rinfo.port, rinfo.address)
    })
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()))
    const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'))
    const fwd = new Forwarder({upstreams: [`127.0.0.1:${(upstream.address() as {port: number}).port}`], clock, maxTtl: 30})
    const query = (name: string, id: number) => dnsPacket.encode({type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{type: 'A', name}]})
    try {
      const own = dnsPacket.decode(await handleQuery(query('web.default.svc.cluster.local', 7), zone(), fwd)) as DecodedPacket
      assert.equal(own.id, 7)
      assert.equal(own.flag_aa, true)
      assert.deepEqual(own.answers!.map((a) => 'data' in a && a.data), ['10.96.0.20'])
      const ext = dnsPacket.decode(await handleQuery(query('deb.debian.org', 8), zone(), fwd))
      assert.deepEqual(ext.answers!.map((a) => 'data' in a && a.data), ['203.0.113.7'])
      const again = dnsPacket.decode(await handleQuery(query('deb.debian.org', 9), zone(), fwd))
      assert.equal(again.id, 9)
      assert.equal(upstreamQueries, 1, 'the second answer comes from the cache')
      await clock.advance(31_000)
      await handleQuery(query('deb.debian.org', 10), zone(), fwd)
      assert.equal(upstreamQueries, 2, 'the cache keeps an answer for at most maxTtl')
    } finally {
      upstream.close()
    }
  })
})

describe('pod resolv.conf', () => {
  const cluster = {servers: ['10.96.0.10'], domain: 'cluster.local', node: parseResolvConf('nameserver 127.0.0.11\nsearch corp.example\noptions edns0 ndots:0\n'), nodeIP: '172.30.0.3'}
  const pod = (spec: Record<string, unknown>): never => ({metadata: {name: 'p', namespace: 'team'}, spec: {containers: [], ...spec}}) as never

  it('ClusterFirst: the cluster DNS, the namespace search path before the node\'s, ndots:5', () => {
    assert.deepEqual(podDNS(pod({}), cluster), {servers: ['10.96.0.10'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5']})
  })

  it('host-network pods use the node resolvers unless ClusterFirstWithHostNet; Default maps a loopback resolver to the node', () => {
    assert.deepEqual(podDNS(pod({hostNetwork: true}), cluster).servers, ['127.0.0.11'])
    assert.deepEqual(podDNS(pod({hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet'}), cluster).servers, ['10.96.0.10'])
    assert.deepEqual(podDNS(pod({dnsPolicy: 'Default'}), cluster), {servers: ['172.30.0.3'], searches: ['corp.example'], options: ['edns0', 'ndots:0']})
  })

  it('None takes only dnsConfig; dnsConfig adds servers and searches and overrides options by name', () => {
    assert.deepEqual(podDNS(pod({dnsPolicy: 'None', dnsConfig: {nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{name: 'ndots', value: '2'}]}}), cluster), {servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:2']})
    const merged = podDNS(pod({dnsConfig: {nameservers: ['9.9.9.9'], options: [{name: 'ndots', value: '1'}, {name: 'timeout', value: '2'}]}}), cluster)
    assert.deepEqual(merged.servers, ['10.96.0.10', '9.9.9.9'])
    assert.deepEqual(merged.options, ['ndots:1', 'timeout:2'])
  })
})
