// Disruption controller: seed budgets, pods and their controllers in fake caches, run one sync, compare the status written.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {DisruptionController} from '../../../src/controllers/disruption/controller.js'
import {FakeLister, T0, iso, pod, recordingClient, recordingRecorder} from './fakes.js'

const owner = (kind: string, name: string, replicas: number, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: kind === 'ReplicationController' ? 'v1' : 'apps/v1',
  kind,
  metadata: {name, namespace: 'default', uid: `uid-${name}`, ...extra},
  spec: {replicas},
})

function budget(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'web', namespace: 'default', uid: 'uid-pdb', generation: 1, resourceVersion: '3'}, spec, ...(status ? {status} : {})}
}

function setup(pdb: KubeObject, pods: KubeObject[], owners: {rs?: KubeObject[]; deploy?: KubeObject[]; rc?: KubeObject[]} = {}, now = T0) {
  const clock = new FakeClock(now)
  const budgets = new FakeLister([pdb])
  const podl = new FakeLister(pods)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new DisruptionController({
    client, budgets, pods: podl, recorder, clock,
    replicaSets: new FakeLister(owners.rs ?? []), deployments: new FakeLister(owners.deploy ?? []),
    statefulSets: new FakeLister(), replicationControllers: new FakeLister(owners.rc ?? []),
  })
  return {ctl, actions, recorder, budgets, clock}
}

const condition = (status: string, reason: string, at = T0, message = '') => ({type: 'DisruptionAllowed', status, observedGeneration: 1, lastTransitionTime: iso(at), reason, message})
const ready = (name: string, o: KubeObject, kind = o.kind) => pod(name, {owner: o, ownerKind: kind, phase: 'Running', ready: true})

describe('DisruptionController', () => {
  it('allows healthy minus minAvailable disruptions, counting the selected pods as expected', async () => {
    const rs = owner('ReplicaSet', 'web-1', 3)
    const {ctl, actions} = setup(budget({minAvailable: 2, selector: {matchLabels: {app: 'web'}}}), [ready('a', rs), ready('b', rs), ready('c', rs), pod('other', {labels: {app: 'db'}, phase: 'Running', ready: true})])
    await ctl.sync('default/web')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['update /apis/policy/v1/namespaces/default/poddisruptionbudgets/web/status'])
    assert.deepEqual(actions[0].body.status, {observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, conditions: [condition('True', 'SufficientPods')]})
  })

  it('takes maxUnavailable against the Deployment scale behind the ReplicaSets, and allows none when short', async () => {
    const d = owner('Deployment', 'web', 4)
    const rs = owner('ReplicaSet', 'web-1', 4, {ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true}]})
    const pods = [ready('a', rs), ready('b', rs), ready('c', rs), pod('d', {owner: rs, phase: 'Pending'})]
    const {ctl, actions} = setup(budget({maxUnavailable: 1, selector: {matchLabels: {app: 'web'}}}), pods, {rs: [rs], deploy: [d]})
    await ctl.sync('default/web')
    assert.deepEqual(actions[0].body.status, {observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, conditions: [condition('False', 'InsufficientPods')]})
  })

  it('rounds a percentage minAvailable up against a ReplicationController scale', async () => {
    const rc = owner('ReplicationController', 'legacy', 3)
    const pods = [ready('a', rc), ready('b', rc), ready('c', rc)].map((p) => ({...p, metadata: {...p.metadata, ownerReferences: [{...p.metadata.ownerReferences![0], apiVersion: 'v1'}]}}))
    const {ctl, actions} = setup(budget({minAvailable: '50%', selector: {matchLabels: {app: 'web'}}}), pods, {rc: [rc]})
    await ctl.sync('default/web')
    assert.deepEqual([actions[0].body.status.expectedPods, actions[0].body.status.desiredHealthy, actions[0].body.status.disruptionsAllowed], [3, 2, 1])
  })

  it('does not count recently evicted pods as healthy, and forgets evictions older than two minutes', async () => {
    const rs = owner('ReplicaSet', 'web-1', 3)
    const now = T0 + 10 * 60_000
    const recorded = {a: iso(now - 30_000), b: iso(now - 3 * 60_000), gone: iso(now - 10_000)}
    const pdb = budget({minAvailable: 1, selector: {matchLabels: {app: 'web'}}}, {disruptedPods: recorded})
    const {ctl, actions, recorder, clock} = setup(pdb, [ready('a', rs), ready('b', rs), ready('c', rs)], {}, now)
    await ctl.sync('default/web')
    const status = actions[0].body.status
    assert.deepEqual(status.disruptedPods, {a: recorded.a})
    assert.deepEqual([status.currentHealthy, status.disruptionsAllowed], [2, 1])
    assert.deepEqual(recorder.events, ["Warning NotDeleted Pod was expected by PDB default/web to be deleted but it wasn't"])
    // The pending entry is looked at again once it expires (90 s from now), not before.
    await clock.advance(89_000)
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(3_000)
    assert.equal(ctl.queue.len(), 1)
  })

  it('writes nothing when the status is already right', async () => {
    const rs = owner('ReplicaSet', 'web-1', 1)
    const status = {observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, conditions: [condition('False', 'InsufficientPods', T0 - 1000)]}
    const {ctl, actions} = setup(budget({minAvailable: 1, selector: {matchLabels: {app: 'web'}}}, status), [ready('a', rs)])
    await ctl.sync('default/web')
    assert.deepEqual(actions, [])
  })

  it('fails safe with SyncFailed when a pod has a controller it cannot scale', async () => {
    const job = {apiVersion: 'batch/v1', kind: 'Job', metadata: {name: 'j', namespace: 'default', uid: 'uid-j'}}
    const pdb = budget({maxUnavailable: '10%', selector: {matchLabels: {app: 'web'}}}, {observedGeneration: 1, disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3})
    const {ctl, actions, recorder} = setup(pdb, [pod('a', {owner: job, ownerKind: 'Job', phase: 'Running', ready: true})])
    await assert.rejects(ctl.sync('default/web'), /found no controllers for pod "a"/)
    assert.equal(actions.length, 1)
    assert.deepEqual(actions[0].body.status, {observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, conditions: [condition('False', 'SyncFailed', T0, 'found no controllers for pod "a"')]})
    assert.deepEqual(recorder.events, ['Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "a"'])
  })

  it('selects every pod of its namespace with an empty selector and none without one', async () => {
    const rs = owner('ReplicaSet', 'web-1', 2)
    const pods = [ready('a', rs), {...ready('b', rs), metadata: {...ready('b', rs).metadata, labels: {other: 'x'}}}]
    const all = setup(budget({minAvailable: 1, selector: {}}), pods)
    await all.ctl.sync('default/web')
    assert.equal(all.actions[0].body.status.currentHealthy, 2)
    const none = setup(budget({minAvailable: 1}), pods)
    await none.ctl.sync('default/web')
    assert.deepEqual([none.actions[0].body.status.expectedPods, none.actions[0].body.status.disruptionsAllowed], [0, 0])
    assert.deepEqual(none.recorder.events, ['Normal NoPods No matching pods found'])
  })

  it('enqueues the budget of a pod that changes', () => {
    const rs = owner('ReplicaSet', 'web-1', 1)
    const {ctl, budgets} = setup(budget({minAvailable: 1, selector: {matchLabels: {app: 'web'}}}), [])
    assert.ok(budgets)
    const podl = (ctl as unknown as {opts: {pods: FakeLister}}).opts.pods
    podl.set(pod('x', {labels: {app: 'db'}}))
    assert.equal(ctl.queue.len(), 0)
    podl.set(ready('a', rs))
    assert.equal(ctl.queue.len(), 1)
  })

  it('resets a DisruptionTarget condition that outlived its eviction by two minutes, and only then', async () => {
    const rs = owner('ReplicaSet', 'web-1', 1)
    const {ctl, actions, clock} = setup(budget({minAvailable: 1, selector: {matchLabels: {app: 'db'}}}), [])
    const podl = (ctl as unknown as {opts: {pods: FakeLister}}).opts.pods
    const marked = (name: string, reason: string) => {
      const p = ready(name, rs)
      return {...p, status: {...p.status, conditions: [...p.status!.conditions, {type: 'DisruptionTarget', status: 'True', reason, lastTransitionTime: iso(T0 - 30_000)}]}}
    }
    podl.set(marked('a', 'EvictionByEvictionAPI'))
    podl.set(marked('k', 'TerminationByKubelet'))
    await clock.advance(89_000)
    assert.equal(ctl.staleQueue.len(), 0)
    await clock.advance(2_000)
    assert.equal(ctl.staleQueue.len(), 1)
    await ctl.syncStalePod('default/a')
    await ctl.syncStalePod('default/k')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['patch:strategic /api/v1/namespaces/default/pods/a/status'])
    assert.deepEqual(actions[0].body, {status: {conditions: [{type: 'DisruptionTarget', status: 'False', lastTransitionTime: iso(T0 + 91_000)}]}})
  })
})
