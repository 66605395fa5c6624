// InterPodAffinity: required affinity/anti-affinity (the pod's and existing pods'), namespaces, matchLabelKeys, preferred scoring, and the messages.
import {strict as assert} from 'node:assert'
import type {KubeObject} from '../../../src/api/types.js'
import {CycleState, NodeInfo, schedule} from '../../../src/scheduler/framework.js'
import {InterPodAffinity} from '../../../src/scheduler/plugins/inter-pod-affinity.js'
import {buildProfile} from '../../../src/scheduler/profile.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

const HOST = 'kubernetes.io/hostname'
const ZONE = 'topology.kubernetes.io/zone'
const term = (labels: Record<string, string>, topologyKey = HOST, extra: Record<string, unknown> = {}) => ({labelSelector: {matchLabels: labels}, topologyKey, ...extra})
const labelled = (pod: KubeObject, labels: Record<string, string>): KubeObject => ({...pod, metadata: {...pod.metadata, labels}})
const withAffinity = (name: string, labels: Record<string, string>, affinity: Record<string, unknown>, o: Parameters<typeof makePod>[1] = {}) =>
  labelled(makePod(name, {...o, spec: {...o.spec, affinity}}), labels)

/** Runs the plugin's pre-filter and filter over the nodes; returns each node's first reason or 'ok'. */
function filterAll(plugin: InterPodAffinity, pod: KubeObject, infos: NodeInfo[]): Record<string, string> {
  const state = new CycleState()
  plugin.preFilter(pod, infos, state)
  return Object.fromEntries(infos.map((ni) => [ni.name, plugin.filter(pod, ni, state)?.reasons[0] ?? 'ok']))
}

/** Runs pre-score, score and normalize over the nodes. */
function scoreAll(plugin: InterPodAffinity, pod: KubeObject, infos: NodeInfo[]): number[] {
  const state = new CycleState()
  plugin.preScore(pod, infos, infos, state)
  const scores = infos.map((ni) => plugin.score(pod, ni, state))
  plugin.normalize(pod, scores, state)
  return scores
}

describe('InterPodAffinity', () => {
  const p = new InterPodAffinity()
  const zoned = () => [makeNode('a', {labels: {[ZONE]: 'z1'}}), makeNode('b', {labels: {[ZONE]: 'z1'}}), makeNode('c', {labels: {[ZONE]: 'z2'}}), makeNode('nozone')]

  it('required anti-affinity keeps a pod out of the topology of pods it selects', () => {
    const [a, b, c, nz] = zoned()
    const infos = [new NodeInfo(a, [labelled(makePod('web-1', {node: 'a'}), {app: 'web'})]), new NodeInfo(b), new NodeInfo(c), new NodeInfo(nz)]
    const pod = withAffinity('web-2', {app: 'web'}, {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'web'}, ZONE)]}})
    // A node without the topology key cannot be in the selected pod's domain.
    assert.deepEqual(filterAll(p, pod, infos), {a: "node(s) didn't match pod anti-affinity rules", b: "node(s) didn't match pod anti-affinity rules", c: 'ok', nozone: 'ok'})
  })

  it("existing pods' required anti-affinity repels the incoming pod, even without terms of its own", () => {
    const [a, b, c] = zoned()
    const db = withAffinity('db', {app: 'db'}, {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'web'})]}}, {node: 'a'})
    const infos = [new NodeInfo(a, [db]), new NodeInfo(b), new NodeInfo(c)]
    assert.deepEqual(filterAll(p, labelled(makePod('web'), {app: 'web'}), infos), {a: "node(s) didn't satisfy existing pods anti-affinity rules", b: 'ok', c: 'ok'})
    assert.deepEqual(filterAll(p, labelled(makePod('other'), {app: 'other'}), infos), {a: 'ok', b: 'ok', c: 'ok'})
  })

  it('required affinity needs a matching pod in the domain; the first pod of a self-attracting group may go anywhere with the key', () => {
    const [a, b, c, nz] = zoned()
    const aff = {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'cache'}, ZONE)]}}
    const first = withAffinity('cache-1', {app: 'cache'}, aff)
    assert.deepEqual(filterAll(p, first, [a, b, c, nz].map((n) => new NodeInfo(n))), {a: 'ok', b: 'ok', c: 'ok', nozone: "node(s) didn't match pod affinity rules"})
    // A pod that does not match its own terms waits for a matching pod.
    const follower = withAffinity('app', {app: 'app'}, aff)
    assert.equal(filterAll(p, follower, [new NodeInfo(a)]).a, "node(s) didn't match pod affinity rules")
    const infos = [new NodeInfo(a, [labelled(makePod('cache-1', {node: 'a'}), {app: 'cache'})]), new NodeInfo(b), new NodeInfo(c)]
    assert.deepEqual(filterAll(p, follower, infos), {a: 'ok', b: 'ok', c: "node(s) didn't match pod affinity rules"})
    const s = new CycleState()
    p.preFilter(follower, infos, s)
    assert.equal(p.filter(follower, infos[2], s)?.code, 'UnschedulableAndUnresolvable')
  })

  it('terms look in the pod\'s own namespace unless namespaces or a namespaceSelector say otherwise', () => {
    const other = {...labelled(makePod('web-1', {node: 'a', ns: 'other'}), {app: 'web'})}
    const infos = [new NodeInfo(makeNode('a'), [other]), new NodeInfo(makeNode('b'))]
    const anti = (extra: Record<string, unknown>) => withAffinity('web-2', {app: 'web'}, {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'web'}, HOST, extra)]}})
    assert.equal(filterAll(p, anti({}), infos).a, 'ok')
    assert.equal(filterAll(p, anti({namespaces: ['other']}), infos).a, "node(s) didn't match pod anti-affinity rules")
    assert.equal(filterAll(p, anti({namespaceSelector: {}}), infos).a, "node(s) didn't match pod anti-affinity rules")
    const byLabel = new InterPodAffinity((ns): Record<string, string> => (ns === 'other' ? {team: 'x'} : {}))
    assert.equal(filterAll(byLabel, anti({namespaceSelector: {matchLabels: {team: 'x'}}}), infos).a, "node(s) didn't match pod anti-affinity rules")
    assert.equal(filterAll(byLabel, anti({namespaceSelector: {matchLabels: {team: 'y'}}}), infos).a, 'ok')
  })

  it('matchLabelKeys narrows a term to pods sharing the pod\'s value; mismatchLabelKeys to the others', () => {
    const v1 = labelled(makePod('v1', {node: 'a'}), {app: 'web', rev: '1'})
    const infos = [new NodeInfo(makeNode('a'), [v1]), new NodeInfo(makeNode('b'))]
    const pod = (extra: Record<string, unknown>) => withAffinity('v2', {app: 'web', rev: '2'}, {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'web'}, HOST, extra)]}})
    assert.equal(filterAll(p, pod({matchLabelKeys: ['rev']}), infos).a, 'ok')
    assert.equal(filterAll(p, pod({mismatchLabelKeys: ['rev']}), infos).a, "node(s) didn't match pod anti-affinity rules")
  })

  it('scores preferred affinity up and preferred anti-affinity down, normalized from 0 to 100', () => {
    const [a, b, c] = zoned()
    const infos = [new NodeInfo(a, [labelled(makePod('x', {node: 'a'}), {app: 'x'})]), new NodeInfo(b), new NodeInfo(c, [labelled(makePod('y', {node: 'c'}), {app: 'y'})])]
    const pod = withAffinity('p', {}, {
      podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 10, podAffinityTerm: term({app: 'x'}, ZONE)}]},
      podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 5, podAffinityTerm: term({app: 'y'})}]},
    })
    // a, b: +10 (zone z1 holds x); c: -5 (y on c itself).
    assert.deepEqual(scoreAll(p, pod, infos), [100, 100, 0])
    // Nothing preferred anywhere: every node 0.
    assert.deepEqual(scoreAll(p, makePod('plain'), infos), [0, 0, 0])
  })

  it("counts existing pods' required affinity toward the incoming pod (hard weight 1) and their preferred terms", () => {
    const fan = withAffinity('fan', {}, {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'star'})]}}, {node: 'a'})
    const hater = withAffinity('hater', {}, {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 3, podAffinityTerm: term({app: 'star'})}]}}, {node: 'c'})
    const infos = [new NodeInfo(makeNode('a'), [fan]), new NodeInfo(makeNode('b')), new NodeInfo(makeNode('c'), [hater])]
    assert.deepEqual(scoreAll(p, labelled(makePod('star'), {app: 'star'}), infos), [100, 75, 0])
  })

  it('is in the default profile: anti-affine replicas go to different workers, then the FailedScheduling message says why', () => {
    const profile = buildProfile()
    const infos = new Map([controlPlane('cp'), makeNode('w1'), makeNode('w2')].map((n) => [String(n.metadata.name), new NodeInfo(n)]))
    const anti = {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [term({app: 'web'})]}}
    const placed: string[] = []
    for (const name of ['web-1', 'web-2']) {
      const pod = withAffinity(name, {app: 'web'}, anti)
      const r = schedule(pod, [...infos.values()], profile)
      assert.ok('node' in r)
      placed.push(r.node)
      infos.set(r.node, infos.get(r.node)!.withPod({...pod, spec: {...pod.spec, nodeName: r.node}}))
    }
    assert.deepEqual(placed.sort(), ['w1', 'w2'])
    const r = schedule(withAffinity('web-3', {app: 'web'}, anti), [...infos.values()], profile)
    assert.ok('unschedulable' in r)
    assert.equal(
      r.message,
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match pod anti-affinity rules. " +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    )
  })
})
