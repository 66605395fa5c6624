// StatefulSet controller: seed a fake cache, run one sync, compare the API calls it made (and the plan it is built on).
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {StatefulSetController, completeRollingUpdate} from '../../../src/controllers/statefulset/controller.js'
import {wantedClaimRefs, podClaims} from '../../../src/controllers/statefulset/claims.js'
import {parseOrdinal} from '../../../src/controllers/statefulset/identity.js'
import {applyRevision, revisionOf, templatePatch} from '../../../src/controllers/statefulset/revisions.js'
import {hashRevision, revisionName} from '../../../src/controllers/util/history.js'
import {FakeLister, T0, pod, recordingClient, recordingRecorder} from './fakes.js'

const KEY = 'default/web'

function statefulSet(replicas: number, spec: Record<string, unknown> = {}, image = 'nginx'): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {name: 'web', namespace: 'default', uid: 'uid-sts', resourceVersion: '5', generation: 2},
    spec: {
      replicas,
      serviceName: 'web',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}},
      revisionHistoryLimit: 10,
      selector: {matchLabels: {app: 'web'}},
      template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image}]}},
      ...spec,
    },
  }
}

/** The stored revision of set's template, as the controller names it. */
function storedRevision(set: any, revision = 1): any {
  const r = revisionOf(set, revision)
  const hash = hashRevision(r.data, 0)
  return {...r, metadata: {...r.metadata, name: revisionName('web', hash), uid: `uid-rev-${hash}`, labels: {...r.metadata.labels, 'controller-revision-hash': hash}}}
}

/** A pod of set at ordinal, made from revision rev. */
function setPod(set: any, ordinal: number, rev: any, opts: Parameters<typeof pod>[1] = {}): any {
  const p = pod(`web-${ordinal}`, {owner: set, ownerKind: 'StatefulSet', node: 'n1', labels: {app: 'web', 'statefulset.kubernetes.io/pod-name': `web-${ordinal}`, 'controller-revision-hash': rev.metadata.name}, ...opts})
  return p
}
const readyPod = (set: any, ordinal: number, rev: any) => setPod(set, ordinal, rev, {phase: 'Running', ready: true})

function setup(set: any, pods: KubeObject[] = [], revisions: KubeObject[] = []) {
  const clock = new FakeClock(T0 + 3600_000)
  const sets = new FakeLister([set])
  const podl = new FakeLister(pods)
  const revl = new FakeLister(revisions)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new StatefulSetController({client, statefulSets: sets, pods: podl, revisions: revl, claims: new FakeLister(), recorder, clock})
  const calls = () => actions.map((a) => `${a.verb} ${a.path}`)
  return {ctl, actions, recorder, podl, revl, calls, clock}
}

const PODS = '/api/v1/namespaces/default/pods'
const STATUS = 'update /apis/apps/v1/namespaces/default/statefulsets/web/status'

describe('StatefulSetController', () => {
  it('first sync: stores revision 1, creates web-0 only (OrderedReady) with its identity, then writes status', async () => {
    const set = statefulSet(3)
    const {ctl, actions, calls, recorder} = setup(set)
    await ctl.sync(KEY)
    assert.deepEqual(calls(), ['create /apis/apps/v1/namespaces/default/controllerrevisions', `create ${PODS}`, STATUS])
    const rev = actions[0].body
    assert.equal(rev.revision, 1)
    assert.deepEqual(rev.data, {spec: {template: {...set.spec.template, $patch: 'replace'}}})
    assert.deepEqual(rev.metadata.ownerReferences, [{apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-sts', controller: true, blockOwnerDeletion: true}])
    assert.match(rev.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/)
    const p = actions[1].body
    assert.equal(p.metadata.name, 'web-0')
    assert.deepEqual(p.metadata.labels, {app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': rev.metadata.name})
    assert.equal(p.spec.hostname, 'web-0')
    assert.equal(p.spec.subdomain, 'web')
    assert.deepEqual(p.metadata.ownerReferences, [{apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-sts', controller: true, blockOwnerDeletion: true}])
    assert.deepEqual(actions[2].body.status, {observedGeneration: 2, replicas: 1, availableReplicas: 0, currentReplicas: 1, updatedReplicas: 1, currentRevision: rev.metadata.name, updateRevision: rev.metadata.name, collisionCount: 0})
    assert.deepEqual(recorder.events, ['Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful'])
  })

  it('OrderedReady waits for the previous pod to be Running and Ready before creating the next', async () => {
    const set = statefulSet(3)
    const rev = storedRevision(set)
    const waiting = setup({...set, status: {currentRevision: rev.metadata.name}}, [setPod(set, 0, rev, {phase: 'Running', ready: false})], [rev])
    await waiting.ctl.sync(KEY)
    assert.deepEqual(waiting.calls(), [STATUS])
    const next = setup({...set, status: {currentRevision: rev.metadata.name}}, [readyPod(set, 0, rev)], [rev])
    await next.ctl.sync(KEY)
    assert.deepEqual(next.calls(), [`create ${PODS}`, STATUS])
    assert.equal(next.actions[0].body.metadata.name, 'web-1')
  })

  it('OrderedReady waits minReadySeconds of availability and looks again then', async () => {
    const set = statefulSet(2, {minReadySeconds: 30})
    const rev = storedRevision(set)
    const fresh = setPod(set, 0, rev, {phase: 'Running', ready: true, readySince: T0 + 3600_000 - 10_000})
    const {ctl, calls, clock} = setup(set, [fresh], [rev])
    await ctl.sync(KEY)
    assert.deepEqual(calls(), [STATUS])
    assert.equal(ctl.queue.len(), 0)
    await clock.advance(30_001)
    assert.equal(ctl.queue.len(), 1, 'requeued when web-0 becomes available')
  })

  it('Parallel creates every missing ordinal at once, from spec.ordinals.start', async () => {
    const set = statefulSet(3, {podManagementPolicy: 'Parallel', ordinals: {start: 5}})
    const {ctl, actions} = setup(set)
    await ctl.sync(KEY)
    assert.deepEqual(actions.filter((a) => a.verb === 'create' && a.path === PODS).map((a) => a.body.metadata.name), ['web-5', 'web-6', 'web-7'])
    assert.deepEqual(actions.filter((a) => a.path === PODS).map((a) => a.body.metadata.labels['apps.kubernetes.io/pod-index']), ['5', '6', '7'])
  })

  it('does not create again until its creations are observed (expectations)', async () => {
    const set = statefulSet(1)
    const rev = storedRevision(set)
    const {ctl, calls, actions, podl} = setup(set, [], [rev])
    await ctl.sync(KEY)
    assert.equal(actions.filter((a) => a.path === PODS).length, 1)
    actions.length = 0
    await ctl.sync(KEY)
    assert.deepEqual(calls(), [])
    podl.set(setPod(set, 0, rev))
    assert.equal(ctl.creations.satisfied(KEY), true)
  })

  it('creates the claims of volumeClaimTemplates before the pod, mounted by claimName, with the selector labels', async () => {
    const set = statefulSet(1, {volumeClaimTemplates: [{metadata: {name: 'data', labels: {tier: 'db'}}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}}, status: {phase: 'Pending'}}]})
    set.spec.template.spec.volumes = [{name: 'data', emptyDir: {}}, {name: 'cfg', emptyDir: {}}]
    const rev = storedRevision(set)
    const {ctl, actions, calls, recorder} = setup(set, [], [rev])
    await ctl.sync(KEY)
    assert.deepEqual(calls(), ['get /api/v1/namespaces/default/persistentvolumeclaims/data-web-0', 'create /api/v1/namespaces/default/persistentvolumeclaims', `create ${PODS}`, STATUS])
    const claim = actions[1].body
    assert.equal(claim.metadata.name, 'data-web-0')
    assert.deepEqual(claim.metadata.labels, {tier: 'db', app: 'web'})
    assert.equal(claim.status, undefined)
    assert.equal(claim.metadata.ownerReferences, undefined, 'Retain: the claim outlives pod and set')
    assert.deepEqual(actions[2].body.spec.volumes, [{name: 'cfg', emptyDir: {}}, {name: 'data', persistentVolumeClaim: {claimName: 'data-web-0'}}])
    assert.deepEqual(recorder.events, ['Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success', 'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful'])
  })

  it('scales down from the highest ordinal, one at a time (OrderedReady), all at once (Parallel)', async () => {
    const set = statefulSet(1)
    const rev = storedRevision(set)
    const pods = [0, 1, 2].map((i) => readyPod(set, i, rev))
    const ordered = setup(set, pods, [rev])
    await ordered.ctl.sync(KEY)
    assert.deepEqual(ordered.calls(), [`delete ${PODS}/web-2`, STATUS])
    assert.deepEqual(ordered.recorder.events, ['Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful'])
    // While web-2 terminates, web-1 stays.
    const terminating = {...pods[2], metadata: {...pods[2].metadata, deletionTimestamp: '2024-01-01T00:00:00Z'}}
    const waiting = setup(set, [pods[0], pods[1], terminating], [rev])
    await waiting.ctl.sync(KEY)
    assert.deepEqual(waiting.calls(), [STATUS])
    const parallel = setup({...set, spec: {...set.spec, podManagementPolicy: 'Parallel'}}, pods, [rev])
    await parallel.ctl.sync(KEY)
    assert.deepEqual(parallel.calls().sort(), [`delete ${PODS}/web-1`, `delete ${PODS}/web-2`, STATUS].sort())
  })

  it('rolling update with a partition replaces only ordinals >= partition, highest first, waiting for each', async () => {
    const old = statefulSet(3)
    const oldRev = storedRevision(old, 1)
    const set = {...statefulSet(3, {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 1}}}, 'nginx:2'), status: {currentRevision: oldRev.metadata.name}}
    const newRev = storedRevision(set, 2)
    const pods = [0, 1, 2].map((i) => readyPod(set, i, oldRev))
    const first = setup(set, pods, [oldRev, newRev])
    await first.ctl.sync(KEY)
    assert.deepEqual(first.calls(), [`delete ${PODS}/web-2`, STATUS])
    const st = first.actions[1].body.status
    assert.equal(st.currentRevision, oldRev.metadata.name)
    assert.equal(st.updateRevision, newRev.metadata.name)
    // web-2 recreated from the update revision but not ready yet: web-1 waits.
    const starting = setup(set, [pods[0], pods[1], setPod(set, 2, newRev, {phase: 'Running', ready: false})], [oldRev, newRev])
    await starting.ctl.sync(KEY)
    assert.deepEqual(starting.calls(), [STATUS])
    // web-2 ready: web-1 goes next; web-0 is below the partition and never does.
    const second = setup(set, [pods[0], pods[1], readyPod(set, 2, newRev)], [oldRev, newRev])
    await second.ctl.sync(KEY)
    assert.deepEqual(second.calls(), [`delete ${PODS}/web-1`, STATUS])
    const done = setup(set, [pods[0], readyPod(set, 1, newRev), readyPod(set, 2, newRev)], [oldRev, newRev])
    await done.ctl.sync(KEY)
    assert.deepEqual(done.calls(), [STATUS])
    assert.equal(done.actions[0].body.status.updatedReplicas, 2)
    assert.equal(done.actions[0].body.status.currentReplicas, 1)
  })

  it('recreates a missing ordinal below the partition from the current revision', async () => {
    const old = statefulSet(2)
    const oldRev = storedRevision(old, 1)
    const set = {...statefulSet(2, {updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 1}}}, 'nginx:2'), status: {currentRevision: oldRev.metadata.name}}
    const newRev = storedRevision(set, 2)
    const {ctl, actions} = setup(set, [readyPod(set, 1, newRev)], [oldRev, newRev])
    await ctl.sync(KEY)
    const created = actions.find((a) => a.verb === 'create')!.body
    assert.equal(created.metadata.name, 'web-0')
    assert.equal(created.metadata.labels['controller-revision-hash'], oldRev.metadata.name)
    assert.equal(created.spec.containers[0].image, 'nginx')
  })

  it('OnDelete never deletes old pods; maxUnavailable deletes several at once', async () => {
    const old = statefulSet(3)
    const oldRev = storedRevision(old, 1)
    const onDelete = {...statefulSet(3, {updateStrategy: {type: 'OnDelete'}}, 'nginx:2'), status: {currentRevision: oldRev.metadata.name}}
    const newRev = storedRevision(onDelete, 2)
    const a = setup(onDelete, [0, 1, 2].map((i) => readyPod(onDelete, i, oldRev)), [oldRev, newRev])
    await a.ctl.sync(KEY)
    assert.deepEqual(a.calls(), [STATUS])
    const surge = {...statefulSet(3, {podManagementPolicy: 'Parallel', updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0, maxUnavailable: 2}}}, 'nginx:2'), status: {currentRevision: oldRev.metadata.name}}
    const b = setup(surge, [0, 1, 2].map((i) => readyPod(surge, i, oldRev)), [oldRev, newRev])
    await b.ctl.sync(KEY)
    assert.deepEqual(b.calls().sort(), [`delete ${PODS}/web-1`, `delete ${PODS}/web-2`, STATUS].sort())
  })

  it('deletes a failed pod (to be recreated with the same name once it is gone) and waits', async () => {
    const set = statefulSet(2)
    const rev = storedRevision(set)
    const {ctl, calls, recorder} = setup(set, [setPod(set, 0, rev, {phase: 'Failed'})], [rev])
    await ctl.sync(KEY)
    assert.deepEqual(calls(), [`delete ${PODS}/web-0`, STATUS])
    assert.deepEqual(recorder.events, ['Warning RecreatingFailedPod StatefulSet default/web is recreating failed Pod web-0', 'Normal SuccessfulDelete delete Pod web-0 in StatefulSet web successful'])
  })

  it('a template equal to an older revision renumbers that revision (rollout undo) instead of storing a new one', async () => {
    const v1 = statefulSet(1)
    const rev1 = storedRevision(v1, 1)
    const rev2 = storedRevision(statefulSet(1, {}, 'nginx:2'), 2)
    const {ctl, actions, calls} = setup({...v1, status: {currentRevision: rev2.metadata.name}}, [readyPod(v1, 0, rev2)], [rev1, rev2])
    await ctl.sync(KEY)
    assert.equal(calls()[0], `update /apis/apps/v1/namespaces/default/controllerrevisions/${rev1.metadata.name}`)
    assert.equal(actions[0].body.revision, 3)
    assert.deepEqual(calls().slice(1), [`delete ${PODS}/web-0`, STATUS])
  })

  it('adopts an orphaned revision of its template instead of storing a new one', async () => {
    const set = statefulSet(1)
    const stored = storedRevision(set)
    const orphan = {...stored, metadata: {...stored.metadata, ownerReferences: []}}
    const {ctl, actions, calls} = setup(set, [], [orphan])
    await ctl.sync(KEY)
    assert.deepEqual(calls(), [`patch:merge /apis/apps/v1/namespaces/default/controllerrevisions/${stored.metadata.name}`, `create ${PODS}`, STATUS])
    assert.equal(actions[0].body.metadata.ownerReferences[0].uid, 'uid-sts')
    assert.equal(actions[1].body.metadata.labels['controller-revision-hash'], stored.metadata.name)
  })

  it('trims revisions beyond revisionHistoryLimit that no pod uses', async () => {
    const revs = [1, 2, 3].map((i) => storedRevision(statefulSet(1, {}, `nginx:${i}`), i))
    const set = {...statefulSet(1, {revisionHistoryLimit: 0}, 'nginx:3'), status: {currentRevision: revs[2].metadata.name}}
    const {ctl, calls} = setup(set, [readyPod(set, 0, revs[2])], revs)
    await ctl.sync(KEY)
    assert.deepEqual(calls().filter((c) => c.startsWith('delete')).sort(), [revs[0], revs[1]].map((r) => `delete /apis/apps/v1/namespaces/default/controllerrevisions/${r.metadata.name}`).sort())
  })

  it('ignores pods whose names are not its ordinals, and leaves everything alone while being deleted', async () => {
    const set = statefulSet(1)
    const rev = storedRevision(set)
    const stranger = pod('web-abc', {labels: {app: 'web'}})
    const {ctl, calls} = setup({...set, metadata: {...set.metadata, deletionTimestamp: '2024-01-01T00:00:00Z'}}, [stranger, readyPod(set, 3, rev)], [rev])
    await ctl.sync(KEY)
    assert.deepEqual(calls(), [STATUS])
  })
})

describe('StatefulSetController claim retention', () => {
  it('whenScaled Delete: a scaled-away pod becomes its claim\'s owner before the pod is deleted', async () => {
    const set = statefulSet(1, {persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Retain', whenScaled: 'Delete'}, volumeClaimTemplates: [{metadata: {name: 'data'}, spec: {}}]})
    const rev = storedRevision(set)
    const claim = (n: number) => ({apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: `data-web-${n}`, namespace: 'default', resourceVersion: '7', uid: `uid-c${n}`}})
    const pods = [0, 1].map((i) => readyPod(set, i, rev))
    const {client, actions} = recordingClient()
    const ctl = new StatefulSetController({client, statefulSets: new FakeLister([set]), pods: new FakeLister(pods), revisions: new FakeLister([rev]), claims: new FakeLister([claim(0), claim(1)]), recorder: recordingRecorder(), clock: new FakeClock(T0)})
    await ctl.sync(KEY)
    const writes = actions.filter((a) => a.verb !== 'get')
    assert.deepEqual(writes.map((a) => `${a.verb} ${a.path}`), ['patch:merge /api/v1/namespaces/default/persistentvolumeclaims/data-web-1', `delete ${PODS}/web-1`, STATUS])
    assert.deepEqual(writes[0].body.metadata.ownerReferences, [{apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'uid-web-1', controller: true, blockOwnerDeletion: true}])
  })
})

describe('StatefulSetController stale claims', () => {
  it('does not create a pod whose claim still belongs to the previous pod of its ordinal', async () => {
    const set = statefulSet(1, {persistentVolumeClaimRetentionPolicy: {whenDeleted: 'Retain', whenScaled: 'Delete'}, volumeClaimTemplates: [{metadata: {name: 'data'}, spec: {}}]})
    const rev = storedRevision(set)
    const stale = {apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'data-web-0', namespace: 'default', ownerReferences: [{apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'uid-old', controller: true}]}}
    const {client, actions} = recordingClient({get: (path) => (path.endsWith('/data-web-0') ? stale : undefined)})
    const recorder = recordingRecorder()
    const ctl = new StatefulSetController({client, statefulSets: new FakeLister([set]), pods: new FakeLister(), revisions: new FakeLister([rev]), claims: new FakeLister(), recorder, clock: new FakeClock(T0)})
    await assert.rejects(ctl.sync(KEY), /still belongs to a deleted pod/)
    assert.equal(actions.filter((a) => a.verb === 'create').length, 0)
    assert.equal(ctl.creations.satisfied(KEY), true, 'a failed creation is not waited for')
    assert.match(recorder.events.at(-1)!, /^Warning FailedCreate create Pod web-0 in StatefulSet web failed error: /)
  })
})

describe('StatefulSet helpers', () => {
  it('parseOrdinal reads the trailing number only', () => {
    assert.deepEqual(parseOrdinal('web-12'), {parent: 'web', ordinal: 12})
    assert.deepEqual(parseOrdinal('my-db-0'), {parent: 'my-db', ordinal: 0})
    assert.equal(parseOrdinal('web').ordinal, -1)
  })

  it('revision data is the template with $patch replace, and applying it swaps the template back', () => {
    const v1 = statefulSet(1)
    const v2 = statefulSet(1, {}, 'nginx:2')
    const patch = templatePatch(v1)
    assert.equal(patch.spec.template.$patch, 'replace')
    const restored = applyRevision(v2, {...revisionOf(v1, 1), data: patch})
    assert.deepEqual(restored.spec?.template, v1.spec.template)
  })

  it('completeRollingUpdate moves currentRevision once all replicas are updated and ready', () => {
    const set = statefulSet(2)
    const s = {replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentReplicas: 0, currentRevision: 'web-a', updateRevision: 'web-b'}
    assert.deepEqual(completeRollingUpdate(set, s), {...s, currentReplicas: 2, currentRevision: 'web-b'})
    assert.deepEqual(completeRollingUpdate(set, {...s, readyReplicas: 1}), {...s, readyReplicas: 1})
  })

  it('claim owners follow the retention policy', () => {
    const policy = (whenDeleted: string, whenScaled: string, replicas = 3) => statefulSet(replicas, {persistentVolumeClaimRetentionPolicy: {whenDeleted, whenScaled}, volumeClaimTemplates: [{metadata: {name: 'data'}}]})
    const claim = {apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'data-web-2', namespace: 'default'}}
    const p2 = pod('web-2')
    const kinds = (set: any) => wantedClaimRefs(claim, set, p2).map((r) => r.kind)
    assert.deepEqual(kinds(policy('Retain', 'Retain')), [])
    assert.deepEqual(kinds(policy('Delete', 'Retain')), ['StatefulSet'])
    assert.deepEqual(kinds(policy('Retain', 'Delete')), [])
    assert.deepEqual(kinds(policy('Retain', 'Delete', 2)), ['Pod'])
    assert.deepEqual(kinds(policy('Delete', 'Delete', 2)), ['Pod'])
    assert.deepEqual(kinds(policy('Delete', 'Delete')), ['StatefulSet'])
    assert.equal(podClaims(policy('Retain', 'Retain'), 2)[0].metadata.name, 'data-web-2')
  })
})
