// Tests of the pure Node and Lease builders.
import assert from 'node:assert/strict'
import {buildLease, buildNode, buildNodeStatus, mergeNodeOnRegister, microTime, needsReadyRestore, type NodeFacts} from '../../../src/agent/node-object.js'

const facts = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  name: 'dev-control-plane',
  role: 'control-plane',
  internalIP: '172.30.0.2',
  podCIDR: '10.244.0.0/24',
  taintControlPlane: true,
  capacity: {cpu: '2', memory: '4Gi', pods: '110'},
  arch: 'amd64',
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  containerRuntimeVersion: 'containerd://1.6.20',
  machineID: 'm',
  systemUUID: 'u',
  bootID: 'b',
  ...over,
})

describe('node object', () => {
  it('labels and taints a control-plane node', () => {
    const node = buildNode(facts())
    assert.deepEqual(node.metadata.labels, {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'dev-control-plane',
      'kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/control-plane': '',
      'node.kubernetes.io/exclude-from-external-load-balancers': '',
    })
    assert.deepEqual(node.spec, {podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], taints: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}]})
  })

  it('leaves workers and untainted control planes without taints or role labels', () => {
    assert.equal(buildNode(facts({taintControlPlane: false})).spec.taints, undefined)
    const worker = buildNode(facts({role: 'worker', name: 'dev-worker'}))
    assert.equal(worker.metadata.labels!['node-role.kubernetes.io/control-plane'], undefined)
    assert.equal(worker.spec.taints, undefined)
  })

  it('builds a Ready status keeping transition times of unchanged conditions', () => {
    const t0 = Date.parse('2024-01-01T00:00:00Z')
    const first = buildNodeStatus(facts(), t0) as any
    assert.deepEqual(
      first.conditions.map((c: any) => [c.type, c.status, c.reason]),
      [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ],
    )
    assert.equal(first.conditions[3].message, 'kubelet is posting ready status')
    assert.deepEqual(first.addresses, [
      {type: 'InternalIP', address: '172.30.0.2'},
      {type: 'Hostname', address: 'dev-control-plane'},
    ])
    assert.equal(first.nodeInfo.kubeletVersion, 'v1.32.4-skiff')
    assert.equal(first.daemonEndpoints.kubeletEndpoint.Port, 10250)
    assert.deepEqual(first.allocatable, first.capacity)

    const later = buildNodeStatus(facts(), t0 + 60_000, {
      conditions: [...first.conditions.slice(0, 3), {...first.conditions[3], status: 'Unknown', reason: 'NodeStatusUnknown'}],
    }) as any
    assert.equal(later.conditions[0].lastTransitionTime, '2024-01-01T00:00:00Z', 'unchanged condition keeps its transition time')
    assert.equal(later.conditions[0].lastHeartbeatTime, '2024-01-01T00:01:00Z')
    assert.equal(later.conditions[3].lastTransitionTime, '2024-01-01T00:01:00Z', 'Unknown -> True is a transition')
  })

  it('detects a node that is not Ready', () => {
    assert.equal(needsReadyRestore({metadata: {}, status: {conditions: [{type: 'Ready', status: 'True'}]}}), false)
    assert.equal(needsReadyRestore({metadata: {}, status: {conditions: [{type: 'Ready', status: 'Unknown'}]}}), true)
    assert.equal(needsReadyRestore({metadata: {}}), true)
  })

  it('merges our labels into an existing node and reports no change when there is none', () => {
    const existing = {...buildNode(facts()), metadata: {...buildNode(facts()).metadata, uid: 'x', resourceVersion: '5', labels: {...buildNode(facts()).metadata.labels, team: 'a'}}}
    assert.equal(mergeNodeOnRegister(existing, facts()), undefined)
    const stale = {...existing, metadata: {...existing.metadata, labels: {team: 'a', 'kubernetes.io/os': 'windows'}}, spec: {taints: [{key: 'x', effect: 'NoSchedule'}]}}
    const merged = mergeNodeOnRegister(stale, facts())!
    assert.equal(merged.metadata.labels!.team, 'a')
    assert.equal(merged.metadata.labels!['kubernetes.io/os'], 'linux')
    assert.deepEqual(merged.spec.taints, [{key: 'x', effect: 'NoSchedule'}], 'taints set by others stay')
    assert.equal(merged.spec.podCIDR, '10.244.0.0/24')
    assert.equal(merged.metadata.resourceVersion, '5', 'the update is conditional on what we read')
  })

  it('formats MicroTime and builds a lease owned by the node', () => {
    assert.equal(microTime(Date.parse('2024-01-01T00:00:00.123Z')), '2024-01-01T00:00:00.123000Z')
    const lease = buildLease('n1', 'uid-1', Date.parse('2024-01-01T00:00:00Z'))
    assert.deepEqual(lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {name: 'n1', namespace: 'kube-node-lease', ownerReferences: [{apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'uid-1'}]},
      spec: {holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z'},
    })
    const renewed = buildLease('n1', 'uid-1', Date.parse('2024-01-01T00:00:10Z'), {...lease, metadata: {...lease.metadata, resourceVersion: '9'}})
    assert.equal(renewed.metadata.resourceVersion, '9')
    assert.equal(renewed.spec.renewTime, '2024-01-01T00:00:10.000000Z')
  })

  it('posts pressure conditions with the kubelet reasons, NetworkUnavailable first when it manages the network, and keeps other writers\' conditions', () => {
    const t0 = Date.parse('2024-01-01T00:00:00Z')
    const first = buildNodeStatus(facts(), t0, undefined, {pressure: new Set(['DiskPressure', 'MemoryPressure', 'PIDPressure'] as const), network: {podCIDR: '10.244.0.0/24', configured: '10.244.0.0/24'}}) as any
    assert.deepEqual(
      first.conditions.map((c: any) => [c.type, c.status, c.reason, c.message]),
      [
        ['NetworkUnavailable', 'False', 'CNIConfigured', 'the pod network is configured for pod CIDR 10.244.0.0/24'],
        ['MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
        ['DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'],
        ['PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
        ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
      ],
    )
    const foreign = {type: 'KernelDeadlock', status: 'False', reason: 'KernelHasNoDeadlock', message: 'fine', lastHeartbeatTime: 'x', lastTransitionTime: 'y'}
    const later = buildNodeStatus(facts(), t0 + 10_000, {conditions: [...first.conditions, foreign]}, {pressure: new Set(['MemoryPressure'] as const)}) as any
    const byType = Object.fromEntries(later.conditions.map((c: any) => [c.type, c]))
    assert.equal(byType.DiskPressure.status, 'False')
    assert.equal(byType.DiskPressure.lastTransitionTime, '2024-01-01T00:00:10Z', 'True -> False is a transition')
    assert.equal(byType.MemoryPressure.lastTransitionTime, '2024-01-01T00:00:00Z', 'still True: same transition time')
    assert.deepEqual(byType.KernelDeadlock, foreign, 'a condition the agent does not own is kept as it was')
    assert.deepEqual(byType.NetworkUnavailable, first.conditions[0], 'an agent without a pod network leaves NetworkUnavailable alone')
  })
})
