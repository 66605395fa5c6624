// NetworkPolicy as filter chains (isolation, pod and namespace selectors, ipBlocks with excepts, named ports, egress) and the enforcer's diffed applies with fake iptables.
import assert from 'node:assert/strict'
import type {KubeList, KubeObject, WatchEvent} from '../../../src/api/types.js'
import type {Pod} from '../../../src/api/types/workloads.js'
import type {NetworkPolicy} from '../../../src/api/resources/networking/networkpolicy.js'
import {networkPolicy} from '../../../src/api/resources/networking/networkpolicy.js'
import {applyDefaults} from '../../../src/api/resources/index.js'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import type {WatchHandle} from '../../../src/client/api-client.js'
import type {Target} from '../../../src/client/paths.js'
import {BRIDGE_NF_CALL_IPTABLES, buildPolicyRules, NP_FORWARD, PolicyEnforcer, type Sysctl} from '../../../src/proxy/netpol/index.js'

type Port = {name: string; containerPort: number; protocol?: string}
const pod = (name: string, ns: string, ip: string, node: string, labels: Record<string, string> = {}, ports: Port[] = [], extra: {hostNetwork?: boolean; phase?: string} = {}): Pod =>
  ({
    apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: ns, labels, resourceVersion: '1'},
    spec: {nodeName: node, hostNetwork: extra.hostNetwork, containers: [{name: 'c', image: 'x', ports}]},
    status: {podIP: ip || undefined, phase: extra.phase ?? 'Running'},
  }) as unknown as Pod
const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({apiVersion: 'v1', kind: 'Namespace', metadata: {name, resourceVersion: '1', labels: {'kubernetes.io/metadata.name': name, ...labels}}})
const np = (name: string, namespace: string, spec: NetworkPolicy['spec']): NetworkPolicy => {
  const obj = {apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace, resourceVersion: '1'}, spec: structuredClone(spec)} as NetworkPolicy
  applyDefaults(networkPolicy, obj)
  return obj
}

const pods = [
  pod('web', 'app', '10.244.1.2', 'w1', {app: 'web'}, [{name: 'http', containerPort: 8080}]),
  pod('db', 'app', '10.244.1.7', 'w1', {app: 'db'}, [{name: 'pg', containerPort: 5432}, {name: 'metrics', containerPort: 9187, protocol: 'UDP'}]),
  pod('pending', 'app', '', 'w1', {app: 'web'}),
  pod('done', 'app', '10.244.1.9', 'w1', {app: 'web'}, [], {phase: 'Succeeded'}),
  pod('hostnet', 'app', '172.18.0.3', 'w1', {app: 'web'}, [], {hostNetwork: true}),
  pod('client', 'app', '10.244.2.3', 'w2', {role: 'client'}),
  pod('other', 'app', '10.244.2.5', 'w2', {}),
  pod('mon', 'ops', '10.244.2.4', 'w2', {role: 'monitor'}),
]
const namespaces = [ns('app'), ns('ops', {team: 'ops'})]
const HOST = ['172.18.0.3', '10.244.1.1']

/** The chain FORWARD sends `dir` traffic of `ip` to (-d: ingress, -s: egress), or undefined when the pod is not isolated that way. */
const chainFor = (chains: Map<string, string[]>, flag: '-d' | '-s', ip: string) => {
  const jump = chains.get(NP_FORWARD)!.find((l) => l.startsWith(`${flag} ${ip}/32 -j `))
  return jump ? chains.get(jump.split(' -j ')[1])! : undefined
}
const allows = (chain: string[] | undefined) => (chain ?? []).filter((l) => l.endsWith('-j MARK --set-xmark 0x10000/0x10000')).map((l) => l.replace(/ ?-j MARK --set-xmark 0x10000\/0x10000$/, ''))
const rules = (policies: NetworkPolicy[], node = 'w1') => buildPolicyRules(policies, pods, namespaces, node, HOST)

describe('netpol: rules', () => {
  it('without policies: replies and the node itself pass, no pod has a chain', () => {
    assert.deepEqual([...rules([])], [[NP_FORWARD, [
      '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      '-s 10.244.1.1/32 -m comment --comment "from the node itself" -j RETURN',
      '-s 172.18.0.3/32 -m comment --comment "from the node itself" -j RETURN',
    ]]])
  })

  it('default deny ingress: every pod of the namespace on this node with an IP is isolated, and dropped', () => {
    const chains = rules([np('deny', 'app', {podSelector: {}})])
    // pending has no IP, done has finished, hostnet has the node's address, client/other run on w2.
    assert.deepEqual(chains.get(NP_FORWARD)!.slice(3).map((l) => l.split(' -j ')[0]), ['-d 10.244.1.2/32', '-d 10.244.1.7/32'])
    assert.deepEqual(chainFor(chains, '-d', '10.244.1.2'), [
      '-j MARK --set-xmark 0x0/0x10000',
      '-m mark --mark 0x10000/0x10000 -j RETURN',
      '-m comment --comment "app/web ingress not allowed by network policy" -j DROP',
    ])
    assert.equal(chainFor(chains, '-s', '10.244.1.2'), undefined, 'an Ingress policy leaves egress alone')
    const w2 = rules([np('deny', 'app', {podSelector: {}})], 'w2')
    assert.ok(chainFor(w2, '-d', '10.244.2.3') && chainFor(w2, '-d', '10.244.2.5'))
    assert.equal(chainFor(w2, '-d', '10.244.2.4'), undefined, 'a policy selects pods of its own namespace only')
  })

  it('allows by pod label in the policy namespace, by namespace label, and by both together', () => {
    const policy = np('allow', 'app', {podSelector: {matchLabels: {app: 'web'}}, ingress: [
      {from: [{podSelector: {matchLabels: {role: 'client'}}}]},
      {from: [{namespaceSelector: {matchLabels: {team: 'ops'}}}]},
      {from: [{namespaceSelector: {matchLabels: {team: 'ops'}}, podSelector: {matchLabels: {role: 'client'}}}]},
      {from: [{namespaceSelector: {}, podSelector: {matchLabels: {role: 'monitor'}}}]},
    ]})
    const chains = rules([policy])
    assert.deepEqual(allows(chainFor(chains, '-d', '10.244.1.2')), ['-s 10.244.2.3/32', '-s 10.244.2.4/32'])
    assert.equal(chainFor(chains, '-d', '10.244.1.7'), undefined, 'db is not selected')
  })

  it('several policies add up; an empty from allows every source; the same line is written once', () => {
    const a = np('a', 'app', {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]})
    const b = np('b', 'app', {podSelector: {matchLabels: {app: 'web'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}, {}]})
    assert.deepEqual(allows(chainFor(rules([b, a]), '-d', '10.244.1.2')), ['-s 10.244.2.3/32', ''])
    assert.deepEqual(allows(chainFor(rules([b, a]), '-d', '10.244.1.7')), ['-s 10.244.2.3/32'])
  })

  it('an ipBlock with excepts goes through a chain that returns for the excepted ranges first; ports and ranges match', () => {
    const chains = rules([np('cidr', 'app', {podSelector: {matchLabels: {app: 'web'}}, ingress: [
      {from: [{ipBlock: {cidr: '10.244.0.0/16', except: ['10.244.2.0/24', '10.244.3.0/24']}}], ports: [{port: 80, endPort: 90}, {protocol: 'UDP'}]},
      {from: [{ipBlock: {cidr: '192.168.0.0/16'}}, {ipBlock: {cidr: 'fd00::/8'}}], ports: [{protocol: 'SCTP', port: 3868}]},
    ]})])
    const c = chainFor(chains, '-d', '10.244.1.2')!
    const subs = c.filter((l) => /^-j SKIFF-NP-B-/.test(l)).map((l) => chains.get(l.slice(3))!)
    assert.deepEqual(subs, [
      ['-s 10.244.2.0/24 -j RETURN', '-s 10.244.3.0/24 -j RETURN', '-s 10.244.0.0/16 -p tcp -m tcp --dport 80:90 -j MARK --set-xmark 0x10000/0x10000'],
      ['-s 10.244.2.0/24 -j RETURN', '-s 10.244.3.0/24 -j RETURN', '-s 10.244.0.0/16 -p udp -j MARK --set-xmark 0x10000/0x10000'],
    ])
    assert.deepEqual(allows(c), ['-s 192.168.0.0/16 -p sctp -m sctp --dport 3868'], 'the IPv6 block is left out of the IPv4 rules')
  })

  it('named ports: ingress resolves on the receiving pod, egress on each peer pod that has the name', () => {
    const ingress = rules([np('named', 'app', {podSelector: {}, ingress: [{ports: [{port: 'http'}, {port: 'metrics', protocol: 'UDP'}]}]})])
    assert.deepEqual(allows(chainFor(ingress, '-d', '10.244.1.2')), ['-p tcp -m tcp --dport 8080'])
    assert.deepEqual(allows(chainFor(ingress, '-d', '10.244.1.7')), ['-p udp -m udp --dport 9187'], 'a name is looked up with its protocol')
    const egress = rules([np('to-db', 'app', {podSelector: {matchLabels: {role: 'client'}}, policyTypes: ['Egress'], egress: [
      {to: [{podSelector: {matchLabels: {app: 'db'}}}], ports: [{port: 'pg'}]},
      {ports: [{port: 'http'}]},
    ]})], 'w2')
    assert.deepEqual(allows(chainFor(egress, '-s', '10.244.2.3')), ['-d 10.244.1.7/32 -p tcp -m tcp --dport 5432', '-d 10.244.1.2/32 -p tcp -m tcp --dport 8080'])
  })

  it('egress deny isolates by source and rejects; an ipBlock peer admits pods inside it for named ports', () => {
    const chains = rules([np('no-egress', 'app', {podSelector: {matchLabels: {role: 'client'}}, policyTypes: ['Egress']})], 'w2')
    const c = chainFor(chains, '-s', '10.244.2.3')!
    assert.equal(c.at(-1), '-m comment --comment "app/client egress not allowed by network policy" -j REJECT --reject-with icmp-admin-prohibited')
    assert.equal(chainFor(chains, '-d', '10.244.2.3'), undefined)
    assert.equal(chainFor(chains, '-s', '10.244.2.5'), undefined, 'other has no role=client')
    const dns = rules([np('dns', 'app', {podSelector: {}, policyTypes: ['Egress'], egress: [
      {to: [{ipBlock: {cidr: '10.244.1.0/24', except: ['10.244.1.7/32']}}], ports: [{port: 'http'}, {port: 'pg'}]},
      {to: [{ipBlock: {cidr: '0.0.0.0/0'}}], ports: [{protocol: 'UDP', port: 53}]},
    ]})], 'w2')
    assert.deepEqual(allows(chainFor(dns, '-s', '10.244.2.5')), ['-d 10.244.1.2/32 -p tcp -m tcp --dport 8080', '-d 0.0.0.0/0 -p udp -m udp --dport 53'])
  })

  it('is the same whatever order the informers list objects in', () => {
    const policies = [
      np('b', 'app', {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]}),
      np('a', 'app', {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'ops'}}}]}]}),
    ]
    const one = buildPolicyRules(policies, pods, namespaces, 'w1', HOST)
    const two = buildPolicyRules([...policies].reverse(), [...pods].reverse(), [...namespaces].reverse(), 'w1', [...HOST].reverse())
    assert.deepEqual([...two], [...one])
    assert.deepEqual(allows(chainFor(one, '-d', '10.244.1.2')), ['-s 10.244.2.4/32', '-s 10.244.2.3/32'], 'policies in name order')
  })
})

/** The list+watch API of the enforcer's three informers: lists from `items`, watch events pushed by the test. */
class FakeApi {
  items: Record<string, KubeObject[]> = {networkpolicies: [], pods: [], namespaces: []}
  private watchers = new Map<string, (ev: WatchEvent) => void>()
  private rv = 10

  async list<T extends KubeObject>(target: Target): Promise<KubeList<T>> {
    const resource = typeof target === 'string' ? target : target.resource
    return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: '1'}, items: (this.items[resource] ?? []) as T[]}
  }

  watch<T extends KubeObject>(target: Target, _opts: unknown, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    const resource = typeof target === 'string' ? target : target.resource
    this.watchers.set(resource, onEvent as (ev: WatchEvent) => void)
    let stop!: () => void
    const done = new Promise<void>((r) => (stop = r))
    return {stop, done}
  }

  emit(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    const object = {...obj, metadata: {...obj.metadata, resourceVersion: String(++this.rv)}}
    this.watchers.get(resource)!({type, object})
  }
}

describe('netpol: enforcer', () => {
  let api: FakeApi
  let clock: FakeClock
  let restores: string[]
  let execs: string[][]
  let saved: string
  let jumpPresent: boolean
  let abort: AbortController
  let enforcer: PolicyEnforcer
  let bridge: {value: string; writable: boolean}
  let logs: string[]

  const sysctl: Sysctl = {
    read: async (p) => {
      assert.equal(p, BRIDGE_NF_CALL_IPTABLES)
      return `${bridge.value}\n`
    },
    write: async (_p, v) => {
      if (!bridge.writable) throw Object.assign(new Error('read-only file system'), {code: 'EROFS'})
      bridge.value = v
    },
  }

  const start = async () => {
    enforcer = new PolicyEnforcer({
      client: api, nodeName: 'w1', nodeIP: '172.18.0.3', podCIDR: '10.244.1.0/24', clock, minSyncMs: 100, sysctl, log: (m) => logs.push(m),
      restore: async (input) => void restores.push(input),
      exec: async (cmd, args) => {
        execs.push([cmd, ...args])
        if (cmd === 'iptables-save') return args.includes('filter') ? saved : ''
        if (args.includes('-C') && !jumpPresent) throw new Error('iptables: Bad rule')
        return ''
      },
    })
    void enforcer.run(abort.signal)
    await flushMicrotasks()
  }

  beforeEach(() => {
    api = new FakeApi()
    api.items.pods = pods.slice(0, 2)
    api.items.namespaces = namespaces
    api.items.networkpolicies = [np('deny', 'app', {podSelector: {}})]
    clock = new FakeClock()
    restores = []
    execs = []
    saved = ''
    jumpPresent = false
    abort = new AbortController()
    bridge = {value: '0', writable: true}
    logs = []
  })
  afterEach(() => abort.abort())

  it('first sync writes every chain, then inserts the FORWARD jump at position 1; br_netfilter is switched on', async () => {
    await start()
    assert.equal(bridge.value, '1')
    assert.equal(restores.length, 1)
    const declared = [...restores[0].matchAll(/^:(\S+)/gm)].map((m) => m[1])
    assert.equal(declared.length, 3)
    assert.equal(declared[0], NP_FORWARD)
    assert.ok(declared.slice(1).every((c) => c.startsWith('SKIFF-NP-I-')))
    assert.match(restores[0], /^\*filter\n/)
    assert.match(restores[0], /^-A SKIFF-NP-FORWARD -s 10\.244\.1\.1\/32 -m comment --comment "from the node itself" -j RETURN$/m, 'the pod bridge gateway passes')
    const inserts = execs.filter((c) => c.includes('-I'))
    assert.deepEqual(inserts, [['iptables', '-w', '-t', 'filter', '-I', 'FORWARD', '1', '-m', 'comment', '--comment', 'skiff network policies', '-j', NP_FORWARD]])
    assert.equal(enforcer.stats.syncs, 1)
    assert.equal(enforcer.stats.lastChangedChains, 3)
  })

  it('a change rewrites only the chains it changes, batched after minSyncMs; deleting the policy removes the pod chains', async () => {
    await start()
    const allow = np('deny', 'app', {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]})
    api.emit('networkpolicies', 'MODIFIED', allow)
    api.emit('pods', 'ADDED', pods[5])
    await flushMicrotasks()
    assert.equal(restores.length, 1, 'not before minSyncMs')
    await clock.advance(100)
    assert.equal(restores.length, 2)
    // Both pod chains gain the client's line; FORWARD is unchanged (the client runs on w2), so it is not rewritten.
    const declared = [...restores[1].matchAll(/^:(\S+)/gm)].map((m) => m[1])
    assert.equal(declared.length, 2)
    assert.ok(declared.every((c) => c.startsWith('SKIFF-NP-I-')))
    assert.match(restores[1], /-s 10\.244\.2\.3\/32 -j MARK --set-xmark 0x10000\/0x10000/)
    assert.equal(execs.filter((c) => c.includes('-I')).length, 1, 'the jump is inserted once')

    api.emit('networkpolicies', 'DELETED', allow)
    await clock.advance(100)
    assert.equal(restores.length, 3)
    assert.match(restores[2], /^:SKIFF-NP-FORWARD - \[0:0\]$/m)
    assert.deepEqual([...restores[2].matchAll(/^-X (\S+)/gm)].map((m) => m[1]).sort(), declared.sort())
    assert.doesNotMatch(restores[2], /^-A SKIFF-NP-FORWARD -d /m)

    api.emit('namespaces', 'MODIFIED', {...namespaces[0], metadata: {...namespaces[0].metadata, labels: {x: 'y'}}})
    await clock.advance(100)
    assert.equal(restores.length, 3, 'nothing to write when the rules come out the same')
  })

  it('after a restart, chains of ours left in the kernel are rewritten or removed, and a jump already there is kept', async () => {
    saved = '*filter\n:FORWARD ACCEPT [0:0]\n:SKIFF-NP-FORWARD - [0:0]\n:SKIFF-NP-I-0123456789ABCDEF - [0:0]\n:KUBE-SERVICES - [0:0]\nCOMMIT\n'
    jumpPresent = true
    bridge.value = '1'
    await start()
    assert.match(restores[0], /^:SKIFF-NP-FORWARD - \[0:0\]$/m)
    assert.match(restores[0], /^-X SKIFF-NP-I-0123456789ABCDEF$/m)
    assert.doesNotMatch(restores[0], /KUBE-SERVICES/, "the service proxy's chains are not ours")
    assert.equal(execs.filter((c) => c.includes('-I')).length, 0)
  })

  it('says so when br_netfilter cannot be switched on, and enforces anyway', async () => {
    bridge.writable = false
    await start()
    assert.equal(enforcer.stats.bridgeFiltering, false)
    assert.ok(logs.some((l) => /cannot set \/proc\/sys\/net\/bridge\/bridge-nf-call-iptables to 1 \(EROFS/.test(l)), logs.join('\n'))
    assert.equal(restores.length, 1)
  })

  it('a failed apply is retried a second later from the kernel state', async () => {
    let fail = true
    enforcer = new PolicyEnforcer({
      client: api, nodeName: 'w1', clock, sysctl, log: (m) => logs.push(m),
      restore: async (input) => {
        if (fail) throw new Error('iptables-restore: line 3 failed')
        restores.push(input)
      },
      exec: async () => '',
    })
    void enforcer.run(abort.signal)
    await flushMicrotasks()
    assert.equal(restores.length, 0)
    assert.ok(logs.some((l) => l.includes('will retry')))
    fail = false
    await clock.advance(1000)
    assert.equal(restores.length, 1)
    assert.equal(enforcer.stats.syncs, 1)
  })
})
