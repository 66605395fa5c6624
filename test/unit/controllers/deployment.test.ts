// Deployment controller: template hashing and rollout math, then one sync over a fake cache with the API calls compared.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {DeploymentController} from '../../../src/controllers/deployment/controller.js'
import {computeHash, equalIgnoreHash, maxUnavailable, resolveFenceposts, safeEncodeString} from '../../../src/controllers/deployment/util.js'
import {FakeLister, T0, iso, recordingClient, recordingRecorder} from './fakes.js'

const template = (image: string) => ({metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image}]}})

function deployment(spec: Record<string, any> = {}, extra: {annotations?: Record<string, string>; status?: any; generation?: number} = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'web', namespace: 'default', uid: 'uid-d', resourceVersion: '7', generation: extra.generation ?? 1, annotations: extra.annotations ?? {}},
    spec: {replicas: 3, selector: {matchLabels: {app: 'web'}}, template: template('nginx:2'), strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}}, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec},
    status: extra.status ?? {},
  }
}

function replicaSet(name: string, image: string, replicas: number, opts: {revision: number; available?: number; desired?: number; maxReplicas?: number; created?: number}): KubeObject {
  const hash = name.split('-').pop()!
  const tpl = template(image)
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '3',
      generation: 1,
      creationTimestamp: iso(opts.created ?? T0),
      labels: {app: 'web', 'pod-template-hash': hash},
      annotations: {
        'deployment.kubernetes.io/revision': String(opts.revision),
        'deployment.kubernetes.io/desired-replicas': String(opts.desired ?? 3),
        'deployment.kubernetes.io/max-replicas': String(opts.maxReplicas ?? 4),
      },
      ownerReferences: [{apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-d', controller: true, blockOwnerDeletion: true}],
    },
    spec: {replicas, selector: {matchLabels: {app: 'web', 'pod-template-hash': hash}}, template: {...tpl, metadata: {labels: {...tpl.metadata.labels, 'pod-template-hash': hash}}}},
    status: {replicas, availableReplicas: opts.available ?? replicas, readyReplicas: opts.available ?? replicas, observedGeneration: 1},
  }
}

function setup(d: KubeObject, rss: KubeObject[]) {
  const clock = new FakeClock(T0 + 60_000)
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new DeploymentController({client, deployments: new FakeLister([d]), replicaSets: new FakeLister(rss), pods: new FakeLister(), recorder, clock})
  const calls = () => actions.map((a) => `${a.verb} ${a.path.replace('/apis/apps/v1/namespaces/default/', '')}`)
  return {ctl, actions, recorder, calls, clock}
}

describe('deployment helpers', () => {
  it('rounds maxSurge up and maxUnavailable down; both zero becomes maxUnavailable 1', () => {
    assert.deepEqual(resolveFenceposts(deployment()), {surge: 1, unavailable: 0})
    assert.deepEqual(resolveFenceposts(deployment({replicas: 10})), {surge: 3, unavailable: 2})
    assert.deepEqual(resolveFenceposts(deployment({strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}})), {surge: 0, unavailable: 1})
    assert.equal(maxUnavailable(deployment({replicas: 2, strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: 1, maxUnavailable: 5}}})), 2)
    assert.equal(maxUnavailable(deployment({strategy: {type: 'Recreate'}})), 0)
  })

  it('hashes templates into the safe alphabet, ignoring pod-template-hash, nulls and empty maps; collisionCount changes it', () => {
    const h = computeHash(template('nginx'))
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/)
    assert.equal(computeHash({...template('nginx'), metadata: {labels: {app: 'web', 'pod-template-hash': h}, creationTimestamp: null}}), h)
    assert.notEqual(computeHash(template('nginx'), 1), h)
    assert.notEqual(computeHash(template('nginx:2')), h)
    assert.equal(safeEncodeString('0123'), '4567')
  })

  it('compares templates semantically, as rollout undo needs', () => {
    const fromRS = {metadata: {labels: {app: 'web', 'pod-template-hash': 'abc'}}, spec: {containers: [{name: 'app', image: 'nginx'}]}}
    const fromUndo = {metadata: {labels: {app: 'web'}, creationTimestamp: null}, spec: {containers: [{name: 'app', image: 'nginx', resources: {}}]}}
    assert.equal(equalIgnoreHash(fromRS, fromUndo), true)
    assert.equal(equalIgnoreHash(fromRS, template('nginx:2')), false)
  })
})

describe('DeploymentController', () => {
  it('creates the first ReplicaSet at full size, stamps revision 1 and reports NewReplicaSetCreated', async () => {
    const {ctl, actions, recorder, calls} = setup(deployment(), [])
    await ctl.sync('default/web')
    const hash = computeHash(template('nginx:2'))
    assert.deepEqual(calls().slice(0, 3), ['create replicasets', 'update deployments/web', 'update deployments/web/status'])
    const rs = actions[0].body
    assert.equal(rs.metadata.name, `web-${hash}`)
    assert.equal(rs.spec.replicas, 3)
    assert.equal(rs.spec.template.metadata.labels['pod-template-hash'], hash)
    assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash)
    assert.deepEqual(rs.metadata.annotations, {'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4'})
    assert.equal(actions[1].body.metadata.annotations['deployment.kubernetes.io/revision'], '1')
    const progressing = actions[2].body.status.conditions.find((c: any) => c.type === 'Progressing')
    assert.equal(progressing.reason, 'NewReplicaSetCreated')
    assert.deepEqual(recorder.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`])
  })

  it('starts a rolling update with a surge of one new pod', async () => {
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const {ctl, actions, calls} = setup(deployment({}, {annotations: {'deployment.kubernetes.io/revision': '1'}}), [old])
    await ctl.sync('default/web')
    assert.equal(calls()[0], 'create replicasets')
    assert.equal(actions[0].body.spec.replicas, 1)
    assert.equal(actions[0].body.metadata.annotations['deployment.kubernetes.io/revision'], '2')
    // The old ReplicaSet is not touched in the same sync.
    assert.ok(!calls().includes('update replicasets/web-old'))
  })

  it('scales the old ReplicaSet down only as far as availability allows', async () => {
    const hash = computeHash(template('nginx:2'))
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const fresh = replicaSet(`web-${hash}`, 'nginx:2', 1, {revision: 2, created: T0 + 1000})
    const progressing = {type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: iso(T0 + 50_000), lastTransitionTime: iso(T0)}
    const d = deployment({}, {annotations: {'deployment.kubernetes.io/revision': '2'}, status: {observedGeneration: 1, replicas: 4, updatedReplicas: 1, availableReplicas: 4, conditions: [progressing]}})
    const {ctl, actions, recorder, calls} = setup(d, [old, fresh])
    await ctl.sync('default/web')
    assert.deepEqual(calls(), ['update replicasets/web-old', 'update deployments/web/status'])
    assert.equal(actions[0].body.spec.replicas, 2)
    assert.deepEqual(recorder.events, ['Normal ScalingReplicaSet Scaled down replica set web-old from 3 to 2'])
  })

  it('waits while the new pod is not yet available (maxUnavailable 0)', async () => {
    const hash = computeHash(template('nginx:2'))
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const fresh = replicaSet(`web-${hash}`, 'nginx:2', 1, {revision: 2, available: 0, created: T0 + 1000})
    const {ctl, calls} = setup(deployment({}, {annotations: {'deployment.kubernetes.io/revision': '2'}}), [old, fresh])
    await ctl.sync('default/web')
    assert.ok(!calls().some((c) => c.startsWith('update replicasets')), calls().join(', '))
  })

  it('revives an old ReplicaSet on undo: re-stamped with max+1 and the old number kept in revision-history', async () => {
    // The deployment's template (nginx:2) matches the older ReplicaSet again; the current one has revision 2.
    const hash = computeHash(template('nginx:2'))
    const revived = replicaSet(`web-${hash}`, 'nginx:2', 0, {revision: 1})
    const current = replicaSet('web-cur', 'nginx:3', 3, {revision: 2, created: T0 + 1000})
    const {ctl, actions, calls} = setup(deployment({}, {annotations: {'deployment.kubernetes.io/revision': '2'}, generation: 3}), [revived, current])
    await ctl.sync('default/web')
    assert.ok(!calls().includes('create replicasets'))
    assert.equal(calls()[0], `update replicasets/web-${hash}`)
    assert.equal(actions[0].body.metadata.annotations['deployment.kubernetes.io/revision'], '3')
    assert.equal(actions[0].body.metadata.annotations['deployment.kubernetes.io/revision-history'], '1')
    assert.equal(actions[1].body.metadata.annotations['deployment.kubernetes.io/revision'], '3')
  })

  it('scales proportionally in the middle of a rollout', async () => {
    const hash = computeHash(template('nginx:2'))
    const old = replicaSet('web-old', 'nginx:1', 8, {revision: 1, desired: 10, maxReplicas: 13})
    const fresh = replicaSet(`web-${hash}`, 'nginx:2', 5, {revision: 2, desired: 10, maxReplicas: 13, available: 0, created: T0 + 1000})
    const {ctl, actions} = setup(deployment({replicas: 15}, {annotations: {'deployment.kubernetes.io/revision': '2'}}), [old, fresh])
    await ctl.sync('default/web')
    const sizes = Object.fromEntries(actions.filter((a) => a.path.includes('/replicasets/')).map((a) => [a.body.metadata.name, a.body.spec.replicas]))
    // 15 + 4 surge = 19 allowed, 13 running: 6 more split 8:5 → +4 and +2.
    assert.deepEqual(sizes, {'web-old': 12, [`web-${hash}`]: 7})
  })

  it('Recreate scales every old ReplicaSet to zero before creating the new one', async () => {
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const {ctl, actions, calls} = setup(deployment({strategy: {type: 'Recreate'}}), [old])
    await ctl.sync('default/web')
    assert.equal(calls()[0], 'update replicasets/web-old')
    assert.equal(actions[0].body.spec.replicas, 0)
    assert.ok(!calls().includes('create replicasets'))
  })

  it('a paused deployment does not roll out and reports DeploymentPaused', async () => {
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const {ctl, actions, calls} = setup(deployment({paused: true}), [old])
    await ctl.sync('default/web')
    assert.ok(!calls().includes('create replicasets'))
    const status = actions.find((a) => a.path.endsWith('/status'))!.body.status
    assert.equal(status.conditions.find((c: any) => c.type === 'Progressing').reason, 'DeploymentPaused')
  })

  it('reports ProgressDeadlineExceeded when the rollout stops moving', async () => {
    const hash = computeHash(template('nginx:2'))
    const old = replicaSet('web-old', 'nginx:1', 3, {revision: 1})
    const fresh = replicaSet(`web-${hash}`, 'nginx:2', 1, {revision: 2, available: 0, created: T0 + 1000})
    const stuck = {type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: iso(T0), lastTransitionTime: iso(T0)}
    const status = {observedGeneration: 1, replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, conditions: [stuck]}
    const {ctl, actions} = setup(deployment({progressDeadlineSeconds: 30}, {annotations: {'deployment.kubernetes.io/revision': '2'}, status}), [old, fresh])
    await ctl.sync('default/web')
    const written = actions.find((a) => a.path.endsWith('/status'))!.body.status
    const cond = written.conditions.find((c: any) => c.type === 'Progressing')
    assert.equal(cond.status, 'False')
    assert.equal(cond.reason, 'ProgressDeadlineExceeded')
  })

  it('deletes the oldest empty ReplicaSets beyond revisionHistoryLimit once complete', async () => {
    const hash = computeHash(template('nginx:2'))
    const olds = [1, 2, 3].map((r) => replicaSet(`web-r${r}`, `nginx:0.${r}`, 0, {revision: r, created: T0 + r}))
    const fresh = replicaSet(`web-${hash}`, 'nginx:2', 3, {revision: 4, created: T0 + 10})
    const done = {observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3}
    const {ctl, calls} = setup(deployment({revisionHistoryLimit: 1}, {annotations: {'deployment.kubernetes.io/revision': '4'}, status: done}), [...olds, fresh])
    await ctl.sync('default/web')
    assert.deepEqual(calls().filter((c) => c.startsWith('delete')), ['delete replicasets/web-r1', 'delete replicasets/web-r2'])
  })
})
