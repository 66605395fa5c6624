// PodTopologySpread: DoNotSchedule skew, minDomains, node inclusion policies, matchLabelKeys, ScheduleAnyway scoring and the system defaults.
import {strict as assert} from 'node:assert'
import type {KubeObject} from '../../../src/api/types.js'
import {CycleState, NodeInfo, schedule} from '../../../src/scheduler/framework.js'
import {PodTopologySpread, type TopologySpreadConstraint} from '../../../src/scheduler/plugins/pod-topology-spread.js'
import {buildProfile} from '../../../src/scheduler/profile.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

const HOST = 'kubernetes.io/hostname'
const ZONE = 'topology.kubernetes.io/zone'
const SKEW = "node(s) didn't match pod topology spread constraints"
const app = (name: string, o: Parameters<typeof makePod>[1] = {}, labels: Record<string, string> = {app: 'web'}): KubeObject => {
  const pod = makePod(name, o)
  return {...pod, metadata: {...pod.metadata, labels}}
}
const spread = (c: Partial<TopologySpreadConstraint>[], labels: Record<string, string> = {app: 'web'}, o: Parameters<typeof makePod>[1] = {}) =>
  app('new', {...o, spec: {...o.spec, topologySpreadConstraints: c.map((x) => ({maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: {matchLabels: {app: 'web'}}, ...x}))}}, labels)

function filterAll(pod: KubeObject, infos: NodeInfo[]): Record<string, string> {
  const p = new PodTopologySpread()
  const state = new CycleState()
  p.preFilter(pod, infos, state)
  return Object.fromEntries(infos.map((ni) => [ni.name, p.filter(pod, ni, state)?.reasons[0] ?? 'ok']))
}

function scoreAll(pod: KubeObject, infos: NodeInfo[]): number[] {
  const p = new PodTopologySpread()
  const state = new CycleState()
  p.preScore(pod, infos, infos, state)
  const scores = infos.map((ni) => p.score(pod, ni, state))
  p.normalize(pod, scores, state)
  return scores
}

describe('PodTopologySpread', () => {
  // Zone z1 (a, b) holds two matching pods, z2 (c) none: with maxSkew 1 only z2 fits.
  const zones = () => [
    new NodeInfo(makeNode('a', {labels: {[ZONE]: 'z1'}}), [app('p1', {node: 'a'}), app('p2', {node: 'a'})]),
    new NodeInfo(makeNode('b', {labels: {[ZONE]: 'z1'}})),
    new NodeInfo(makeNode('c', {labels: {[ZONE]: 'z2'}})),
    new NodeInfo(makeNode('nolabel')),
  ]

  it('rejects nodes whose domain would exceed maxSkew, and nodes without the key as unresolvable', () => {
    assert.deepEqual(filterAll(spread([{}]), zones()), {a: SKEW, b: SKEW, c: 'ok', nolabel: `${SKEW} (missing required label)`})
    assert.deepEqual(filterAll(spread([{maxSkew: 3}]), zones()), {a: 'ok', b: 'ok', c: 'ok', nolabel: `${SKEW} (missing required label)`})
    // A pod that does not match the selector does not count itself: skew 2 - 0 = 2 still exceeds 1 in z1.
    assert.deepEqual(filterAll(spread([{}], {app: 'other'}), zones()).b, SKEW)
  })

  it('counts only pods of the namespace, not being deleted', () => {
    const infos = zones()
    infos[0] = new NodeInfo(infos[0].node, [app('p1', {node: 'a', ns: 'elsewhere'}), {...app('p2', {node: 'a'}), metadata: {...app('p2').metadata, deletionTimestamp: '2026-01-01T00:00:00Z'}}])
    assert.equal(filterAll(spread([{}]), infos).a, 'ok')
  })

  it('takes the global minimum as 0 while there are fewer domains than minDomains', () => {
    const infos = [new NodeInfo(makeNode('a', {labels: {[ZONE]: 'z1'}}), [app('p1', {node: 'a'})]), new NodeInfo(makeNode('b', {labels: {[ZONE]: 'z2'}}), [app('p2', {node: 'b'})])]
    assert.deepEqual(filterAll(spread([{}]), infos), {a: 'ok', b: 'ok'})
    assert.deepEqual(filterAll(spread([{minDomains: 3}]), infos), {a: SKEW, b: SKEW})
  })

  it('honours node affinity by default and taints only with nodeTaintsPolicy Honor', () => {
    // The tainted control plane is an empty hostname domain unless its taint is honoured.
    const infos = [new NodeInfo(controlPlane('cp')), new NodeInfo(makeNode('w1'), [app('p1', {node: 'w1'})]), new NodeInfo(makeNode('w2'), [app('p2', {node: 'w2'})])]
    assert.deepEqual(filterAll(spread([{topologyKey: HOST}]), infos), {cp: 'ok', w1: SKEW, w2: SKEW})
    assert.deepEqual(filterAll(spread([{topologyKey: HOST, nodeTaintsPolicy: 'Honor'}]), infos), {cp: 'ok', w1: 'ok', w2: 'ok'})
    const ssd = [
      new NodeInfo(makeNode('x', {labels: {disk: 'hdd'}})),
      new NodeInfo(makeNode('y', {labels: {disk: 'ssd'}}), [app('p1', {node: 'y'})]),
      new NodeInfo(makeNode('z', {labels: {disk: 'ssd'}}), [app('p2', {node: 'z'})]),
    ]
    const onSsd = (policy?: 'Ignore') => spread([{topologyKey: HOST, ...(policy ? {nodeAffinityPolicy: policy} : {})}], {app: 'web'}, {spec: {nodeSelector: {disk: 'ssd'}}})
    // Honor: x is no domain (the pod's nodeSelector excludes it), the minimum is 1 and y takes a second pod.
    assert.equal(filterAll(onSsd(), ssd).y, 'ok')
    // Ignore: x's empty domain makes the minimum 0.
    assert.equal(filterAll(onSsd('Ignore'), ssd).y, SKEW)
  })

  it('matchLabelKeys counts only pods with the same values (one revision at a time)', () => {
    const infos = [new NodeInfo(makeNode('a'), [app('old1', {node: 'a'}, {app: 'web', rev: '1'}), app('old2', {node: 'a'}, {app: 'web', rev: '1'})]), new NodeInfo(makeNode('b'))]
    assert.equal(filterAll(spread([{topologyKey: HOST}], {app: 'web', rev: '2'}), infos).a, SKEW)
    assert.equal(filterAll(spread([{topologyKey: HOST, matchLabelKeys: ['rev']}], {app: 'web', rev: '2'}), infos).a, 'ok')
  })

  it('scores ScheduleAnyway constraints: fewer matching pods is better, nodes without the key get 0', () => {
    const pod = spread([{topologyKey: HOST, whenUnsatisfiable: 'ScheduleAnyway'}])
    const infos = [new NodeInfo(makeNode('a'), [app('p1', {node: 'a'}), app('p2', {node: 'a'})]), new NodeInfo(makeNode('b'), [app('p3', {node: 'b'})]), new NodeInfo(makeNode('c'))]
    // log(3+2) weight: a 2*1.609 → 3, b → 2, c → 0; MAX*(3+0-s)/3.
    assert.deepEqual(scoreAll(pod, infos), [0, 33, 100])
  })

  it('spreads a controller\'s pods by the system defaults, and 4 replicas with maxSkew 1 land 2/2 through the default profile', () => {
    const profile = buildProfile()
    const infos = new Map([controlPlane('cp'), makeNode('w1'), makeNode('w2')].map((n) => [String(n.metadata.name), new NodeInfo(n)]))
    const constraint = {maxSkew: 1, topologyKey: HOST, whenUnsatisfiable: 'DoNotSchedule', labelSelector: {matchLabels: {app: 'web'}}, nodeTaintsPolicy: 'Honor'}
    const counts: Record<string, number> = {}
    for (let i = 0; i < 4; i++) {
      const pod = app(`web-${i}`, {spec: {topologySpreadConstraints: [constraint]}})
      // random 0: ties go to the first node, so only the constraint can make the split even.
      const r = schedule(pod, [...infos.values()], profile, {random: () => 0})
      assert.ok('node' in r, 'message' in r ? r.message : '')
      counts[r.node] = (counts[r.node] ?? 0) + 1
      infos.set(r.node, infos.get(r.node)!.withPod({...pod, spec: {...pod.spec, nodeName: r.node}}))
    }
    assert.deepEqual(counts, {w1: 2, w2: 2})
    // Owner-based system defaults: a node with more of the controller's pods scores lower.
    const owned = [new NodeInfo(makeNode('a'), [makePod('r1', {node: 'a', owner: 'rs'})]), new NodeInfo(makeNode('b'))]
    const [a, b] = scoreAll(makePod('r2', {owner: 'rs'}), owned)
    assert.ok(b > a, `${a} ${b}`)
  })
})
