// DaemonSet controller: seed a fake cache (DaemonSet, nodes, pods, revisions), run one sync, compare the API calls it made.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {FakeClock} from '../../../src/api/clock.js'
import {DaemonSetController} from '../../../src/controllers/daemonset/controller.js'
import {DAEMON_TOLERATIONS, HOST_NETWORK_TOLERATION, daemonTolerations, replaceNodeNameAffinity, targetNodeName} from '../../../src/controllers/daemonset/placement.js'
import {revisionData} from '../../../src/controllers/daemonset/revisions.js'
import {hashRevision} from '../../../src/controllers/util/history.js'
import {FakeLister, T0, iso, pod, recordingClient, recordingRecorder} from './fakes.js'

const CP_TAINT = {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}
const KEY = 'default/agent'

function daemonSet(extra: Record<string, unknown> = {}, templateSpec: Record<string, unknown> = {}, image = 'busybox:1'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'agent', namespace: 'default', uid: 'uid-ds', resourceVersion: '5', generation: 2, annotations: {'deprecated.daemonset.template.generation': '2'}},
    spec: {
      selector: {matchLabels: {app: 'agent'}},
      template: {metadata: {labels: {app: 'agent'}}, spec: {containers: [{name: 'app', image}], ...templateSpec}},
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}},
      revisionHistoryLimit: 10,
      ...extra,
    },
  }
}

function node(name: string, opts: {taints?: {key: string; effect: string; value?: string}[]; labels?: Record<string, string>; unschedulable?: boolean} = {}): KubeObject {
  return {apiVersion: 'v1', kind: 'Node', metadata: {name, uid: `uid-${name}`, labels: {'kubernetes.io/hostname': name, ...opts.labels}}, spec: {taints: opts.taints, unschedulable: opts.unschedulable}}
}

const NODES = () => [node('cp', {taints: [CP_TAINT]}), node('w1'), node('w2')]

/** The revision the controller would store for ds (the current one), so tests can seed it. */
function revisionOf(ds: KubeObject, revision: number, owner = ds): KubeObject {
  const hash = hashRevision(revisionData(ds), 0)
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {name: `agent-${hash}`, namespace: 'default', uid: `uid-rev-${revision}`, labels: {app: 'agent', 'controller-revision-hash': hash}, ownerReferences: [{apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: owner.metadata.uid!, controller: true}]},
    data: revisionData(ds),
    revision,
  } as KubeObject
}

const hashOf = (ds: KubeObject) => hashRevision(revisionData(ds), 0)

/** A daemon pod of ds on node with the given revision hash. */
function daemonPod(name: string, ds: KubeObject, nodeName: string, hash: string, opts: {ready?: boolean; phase?: string; readySince?: number; created?: number} = {}): KubeObject {
  const p = pod(name, {owner: ds, ownerKind: 'DaemonSet', labels: {app: 'agent', 'controller-revision-hash': hash}, node: nodeName, phase: opts.phase ?? 'Running', ready: opts.ready ?? true, readySince: opts.readySince, created: opts.created})
  return p
}

function setup(ds: KubeObject, opts: {nodes?: KubeObject[]; pods?: KubeObject[]; revisions?: KubeObject[]} = {}) {
  const clock = new FakeClock(T0 + 3600_000)
  const dsl = new FakeLister([ds])
  const podl = new FakeLister(opts.pods ?? [])
  const nodel = new FakeLister(opts.nodes ?? NODES())
  const revl = new FakeLister(opts.revisions ?? [revisionOf(ds, 1)])
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new DaemonSetController({client, daemonSets: dsl, pods: podl, nodes: nodel, revisions: revl, recorder, clock})
  const calls = () => actions.map((a) => `${a.verb} ${a.path}`)
  const created = () => actions.filter((a) => a.verb === 'create' && a.path.endsWith('/pods')).map((a) => targetNodeName(a.body)).sort()
  const deleted = () => actions.filter((a) => a.verb === 'delete' && a.path.includes('/pods/')).map((a) => a.path.split('/').pop()).sort()
  const status = () => actions.find((a) => a.path.endsWith('/daemonsets/agent/status'))?.body.status
  return {ctl, actions, recorder, podl, nodel, revl, clock, calls, created, deleted, status}
}

describe('DaemonSetController', () => {
  describe('placement', () => {
    it('creates a pod for each untainted node, pinned by a matchFields affinity, with daemon tolerations and revision labels', async () => {
      const ds = daemonSet()
      const t = setup(ds)
      await t.ctl.sync(KEY)
      assert.deepEqual(t.calls(), ['create /api/v1/namespaces/default/pods', 'create /api/v1/namespaces/default/pods', 'update /apis/apps/v1/namespaces/default/daemonsets/agent/status'])
      assert.deepEqual(t.created(), ['w1', 'w2'])
      const p = t.actions[0].body
      assert.equal(p.metadata.generateName, 'agent-')
      assert.deepEqual(p.metadata.labels, {app: 'agent', 'pod-template-generation': '2', 'controller-revision-hash': hashOf(ds)})
      assert.deepEqual(p.metadata.ownerReferences, [{apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'uid-ds', controller: true, blockOwnerDeletion: true}])
      assert.equal(p.spec.nodeName, undefined, 'binding is left to the scheduler')
      assert.deepEqual(p.spec.tolerations, DAEMON_TOLERATIONS)
      assert.deepEqual(t.status(), {currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 0, observedGeneration: 2, numberUnavailable: 2})
      assert.deepEqual(t.recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: agent-')).length, 2)
    })

    it('also runs on the tainted control plane when the template tolerates it, and on cordoned nodes', async () => {
      const ds = daemonSet({}, {tolerations: [{key: CP_TAINT.key, operator: 'Exists', effect: 'NoSchedule'}]})
      const t = setup(ds, {nodes: [...NODES(), node('cordoned', {unschedulable: true, taints: [{key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule'}]})]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.created(), ['cordoned', 'cp', 'w1', 'w2'])
    })

    it('honours nodeSelector and required node affinity, replacing the affinity terms by the node name', async () => {
      const affinity = {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'zone', operator: 'In', values: ['a', 'b']}]}]}}}
      const ds = daemonSet({}, {nodeSelector: {disk: 'ssd'}, affinity})
      const nodes = [node('a1', {labels: {disk: 'ssd', zone: 'a'}}), node('a2', {labels: {disk: 'hdd', zone: 'a'}}), node('c1', {labels: {disk: 'ssd', zone: 'c'}})]
      const t = setup(ds, {nodes})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.created(), ['a1'])
      assert.deepEqual(t.actions[0].body.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, {nodeSelectorTerms: [{matchFields: [{key: 'metadata.name', operator: 'In', values: ['a1']}]}]})
    })

    it('deletes a pod on a node whose NoExecute taint it does not tolerate, but keeps one under an untolerated NoSchedule taint', async () => {
      const ds = daemonSet()
      const h = hashOf(ds)
      const nodes = [node('w1', {taints: [{key: 'evict', effect: 'NoExecute'}]}), node('w2', {taints: [{key: 'nonew', effect: 'NoSchedule'}]})]
      const t = setup(ds, {nodes, pods: [daemonPod('p1', ds, 'w1', h), daemonPod('p2', ds, 'w2', h)]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), ['p1'])
      assert.deepEqual(t.created(), [])
      assert.ok(t.recorder.events.includes('Normal SuccessfulDelete Deleted pod: p1'))
      // Both nodes should not get a new pod: the two that are there are misscheduled.
      assert.deepEqual(t.status(), {currentNumberScheduled: 0, numberMisscheduled: 2, desiredNumberScheduled: 0, numberReady: 0, observedGeneration: 2})
    })

    it('keeps only the oldest of two pods on one node, and removes unscheduled pods whose node is gone', async () => {
      const ds = daemonSet()
      const h = hashOf(ds)
      const orphanOfGoneNode = {...daemonPod('lost', ds, 'gone', h, {ready: false, phase: 'Pending'})}
      orphanOfGoneNode.spec = {...orphanOfGoneNode.spec, nodeName: undefined, affinity: replaceNodeNameAffinity(undefined, 'gone')}
      const pods = [daemonPod('old', ds, 'w1', h, {created: T0}), daemonPod('young', ds, 'w1', h, {created: T0 + 1000}), daemonPod('p2', ds, 'w2', h), orphanOfGoneNode]
      const t = setup(ds, {pods})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), ['lost', 'young'])
      assert.deepEqual(t.created(), [])
    })

    it('adds the network-unavailable toleration for host-network pods and replaces a matching user toleration', () => {
      const own = {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30}
      const tol = daemonTolerations({containers: [], hostNetwork: true, tolerations: [own]})
      assert.equal(tol.filter((x) => x.key === 'node.kubernetes.io/not-ready').length, 1)
      assert.equal(tol.find((x) => x.key === 'node.kubernetes.io/not-ready')!.tolerationSeconds, undefined)
      assert.deepEqual(tol.at(-1), HOST_NETWORK_TOLERATION)
    })
  })

  describe('failures and expectations', () => {
    it('replaces a failed pod with back-off and does not create twice before its creations are observed', async () => {
      const ds = daemonSet()
      const h = hashOf(ds)
      const t = setup(ds, {pods: [daemonPod('bad', ds, 'w1', h, {phase: 'Failed', ready: false}), daemonPod('p2', ds, 'w2', h)]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), ['bad'])
      assert.ok(t.recorder.events.includes('Warning FailedDaemonPod Found failed daemon pod default/bad on node w1, will try to kill it'))
      // The deletion is not yet observed: the next sync only writes status.
      t.actions.length = 0
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), [])
      // A replacement that fails again within a second is left alone for now (back-off), then replaced.
      t.podl.remove(t.podl.get('default/bad')!)
      t.podl.set(daemonPod('bad2', ds, 'w1', h, {phase: 'Failed', ready: false}))
      t.actions.length = 0
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), [])
      await t.clock.advance(1500)
      t.actions.length = 0
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), ['bad2'])
    })

    it('waits for its creations before acting again', async () => {
      const ds = daemonSet()
      const t = setup(ds)
      await t.ctl.sync(KEY)
      t.actions.length = 0
      await t.ctl.sync(KEY)
      assert.deepEqual(t.created(), [])
    })
  })

  describe('updates', () => {
    const oldDs = daemonSet({}, {}, 'busybox:0')

    it('rolling update deletes at most maxUnavailable available old pods, then counts updated pods in status', async () => {
      const ds = daemonSet({}, {tolerations: [{operator: 'Exists'}]})
      const old = hashOf(oldDs)
      const pods = ['cp', 'w1', 'w2'].map((n) => daemonPod(`old-${n}`, ds, n, old))
      const t = setup(ds, {pods, revisions: [revisionOf(oldDs, 1, ds), revisionOf(ds, 2)]})
      await t.ctl.sync(KEY)
      assert.equal(t.deleted().length, 1)
      assert.deepEqual(t.created(), [])
      assert.equal(t.status().updatedNumberScheduled, undefined)
    })

    it('spends no budget while a new pod is not yet available, and a larger maxUnavailable deletes more', async () => {
      const base = {tolerations: [{operator: 'Exists'}]}
      const ds = daemonSet({}, base)
      const old = hashOf(oldDs)
      const h = hashOf(ds)
      const notReadyNew = [daemonPod('new-cp', ds, 'cp', h, {ready: false}), daemonPod('old-w1', ds, 'w1', old), daemonPod('old-w2', ds, 'w2', old)]
      const t = setup(ds, {pods: notReadyNew})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), [])
      assert.equal(t.status().updatedNumberScheduled, 1)

      const wide = daemonSet({updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '100%', maxSurge: 0}}}, base)
      const t2 = setup(wide, {pods: ['cp', 'w1', 'w2'].map((n) => daemonPod(`old-${n}`, wide, n, old))})
      await t2.ctl.sync(KEY)
      assert.deepEqual(t2.deleted(), ['old-cp', 'old-w1', 'old-w2'])
    })

    it('an old pod that is down is replaced without using the budget', async () => {
      const ds = daemonSet()
      const old = hashOf(oldDs)
      const t = setup(ds, {pods: [daemonPod('down', ds, 'w1', old, {ready: false}), daemonPod('up', ds, 'w2', old)]})
      await t.ctl.sync(KEY)
      // The down pod costs no availability, and is already the one unavailable node: nothing else goes.
      assert.deepEqual(t.deleted(), ['down'])
    })

    it('with maxSurge starts the new pod next to the old one, and removes the old one once the new is available', async () => {
      const ds = daemonSet({updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}})
      const old = hashOf(oldDs)
      const h = hashOf(ds)
      const t = setup(ds, {pods: [daemonPod('old-w1', ds, 'w1', old), daemonPod('old-w2', ds, 'w2', old)]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), [])
      assert.deepEqual(t.created(), ['w1'])

      const t2 = setup(ds, {pods: [daemonPod('old-w1', ds, 'w1', old), daemonPod('new-w1', ds, 'w1', h, {created: T0 + 5000}), daemonPod('old-w2', ds, 'w2', old)]})
      await t2.ctl.sync(KEY)
      assert.deepEqual(t2.deleted(), ['old-w1'])
    })

    it('OnDelete leaves old pods alone and replaces only deleted ones', async () => {
      const ds = daemonSet({updateStrategy: {type: 'OnDelete'}})
      const old = hashOf(oldDs)
      const t = setup(ds, {pods: [daemonPod('old-w1', ds, 'w1', old)]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.deleted(), [])
      assert.deepEqual(t.created(), ['w2'])
      assert.equal(t.actions.find((a) => a.verb === 'create')!.body.metadata.labels['controller-revision-hash'], hashOf(ds))
    })
  })

  describe('status', () => {
    it('counts available pods only after minReadySeconds, and ready, updated and misscheduled ones', async () => {
      const ds = daemonSet({minReadySeconds: 30})
      const h = hashOf(ds)
      const now = T0 + 3600_000
      const pods = [daemonPod('fresh', ds, 'w1', h, {readySince: now - 10_000}), daemonPod('settled', ds, 'w2', h, {readySince: now - 60_000}), daemonPod('stray', ds, 'cp', h)]
      const t = setup(ds, {pods})
      await t.ctl.sync(KEY)
      // An untolerated NoSchedule taint keeps new pods away but lets a running one stay, counted as misscheduled.
      assert.deepEqual(t.deleted(), [])
      assert.deepEqual(t.status(), {currentNumberScheduled: 2, numberMisscheduled: 1, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 1})
    })

    it('writes nothing when the status is already current', async () => {
      const base = daemonSet()
      const h = hashOf(base)
      const ds = {...base, status: {currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 2}}
      const t = setup(ds, {pods: [daemonPod('a', ds, 'w1', h), daemonPod('b', ds, 'w2', h)]})
      await t.ctl.sync(KEY)
      assert.deepEqual(t.calls(), [])
    })
  })

  describe('history', () => {
    it('stores the first revision with the template patch, the template labels and the hash label', async () => {
      const ds = daemonSet()
      const t = setup(ds, {revisions: []})
      await t.ctl.sync(KEY)
      const rev = t.actions[0]
      assert.equal(rev.verb, 'create')
      assert.equal(rev.path, '/apis/apps/v1/namespaces/default/controllerrevisions')
      assert.equal(rev.body.revision, 1)
      assert.equal(rev.body.metadata.name, `agent-${hashOf(ds)}`)
      assert.deepEqual(rev.body.metadata.labels, {app: 'agent', 'controller-revision-hash': hashOf(ds)})
      assert.equal(rev.body.data.spec.template.$patch, 'replace')
      assert.deepEqual(rev.body.data.spec.template.spec.containers, [{name: 'app', image: 'busybox:1'}])
      assert.equal(rev.body.metadata.annotations['deprecated.daemonset.template.generation'], '2')
    })

    it('a template rolled back to an old revision renumbers that revision instead of creating one', async () => {
      const ds = daemonSet()
      const t = setup(ds, {revisions: [revisionOf(ds, 1), revisionOf(daemonSet({}, {}, 'busybox:2'), 2, ds)]})
      await t.ctl.sync(KEY)
      const bump = t.actions[0]
      assert.equal(`${bump.verb} ${bump.path}`, `update /apis/apps/v1/namespaces/default/controllerrevisions/agent-${hashOf(ds)}`)
      assert.equal(bump.body.revision, 3)
      assert.equal(t.actions.filter((a) => a.path.endsWith('/controllerrevisions') && a.verb === 'create').length, 0)
    })

    it('labels a revision lacking the hash with its name, and keeps the newest of duplicates, relabelling their pods', async () => {
      const ds = daemonSet()
      const unlabelled = {...revisionOf(daemonSet({}, {}, 'busybox:0'), 1, ds)}
      unlabelled.metadata = {...unlabelled.metadata, name: 'agent-legacy', labels: {app: 'agent'}}
      const dup = {...revisionOf(ds, 2)}
      dup.metadata = {...dup.metadata, name: 'agent-dup', uid: 'uid-dup', labels: {app: 'agent', 'controller-revision-hash': 'dup'}}
      const t = setup(ds, {revisions: [unlabelled, dup, revisionOf(ds, 3)], pods: [daemonPod('p1', ds, 'w1', 'dup')]})
      await t.ctl.sync(KEY)
      const [relabel, podPatch, del] = t.actions
      assert.equal(`${relabel.verb} ${relabel.path}`, 'update /apis/apps/v1/namespaces/default/controllerrevisions/agent-legacy')
      assert.equal(relabel.body.metadata.labels['controller-revision-hash'], 'agent-legacy')
      assert.equal(`${podPatch.verb} ${podPatch.path}`, 'patch:merge /api/v1/namespaces/default/pods/p1')
      assert.deepEqual(podPatch.body, {metadata: {labels: {'controller-revision-hash': hashOf(ds)}}})
      assert.equal(`${del.verb} ${del.path}`, 'delete /apis/apps/v1/namespaces/default/controllerrevisions/agent-dup')
    })

    it('truncates old revisions beyond revisionHistoryLimit, oldest first, sparing those live pods still use', async () => {
      const ds = daemonSet({revisionHistoryLimit: 1})
      const olds = [1, 2, 3].map((i) => revisionOf(daemonSet({}, {}, `busybox:old${i}`), i, ds))
      const liveHash = olds[0].metadata.labels!['controller-revision-hash']
      const h = hashOf(ds)
      const pods = [daemonPod('a', ds, 'w1', liveHash), daemonPod('b', ds, 'w2', h, {ready: false})]
      const t = setup(ds, {pods, revisions: [...olds, revisionOf(ds, 4)]})
      await t.ctl.sync(KEY)
      // Three old revisions, limit one: two go, but revision 1 is live, so 2 and 3 go.
      const gone = t.actions.filter((a) => a.verb === 'delete' && a.path.includes('/controllerrevisions/')).map((a) => a.path.split('/').pop())
      assert.deepEqual(gone, [olds[1].metadata.name, olds[2].metadata.name])
      assert.equal(iso(T0), '2024-01-01T00:00:00Z')
    })
  })
})
