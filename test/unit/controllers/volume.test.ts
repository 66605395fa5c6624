// The storage controllers on a fake cache, one sync each, compared by the API calls they make: the PV binder, the local-path provisioner, and pvc/pv protection.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {PersistentVolumeBinder} from '../../../src/controllers/volume/binder.js'
import {EphemeralVolumeController} from '../../../src/controllers/volume/ephemeral.js'
import {findMatchingVolume} from '../../../src/controllers/volume/match.js'
import {PVCProtectionController, PVProtectionController} from '../../../src/controllers/volume/protection.js'
import {LocalPathProvisioner} from '../../../src/controllers/volume/provisioner.js'
import {FakeLister, pod, recordingClient, recordingRecorder} from './fakes.js'

const sc = (name: string, mode: string, provisioner = 'skiff.io/local-path', isDefault = false): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: {name, creationTimestamp: '2024-01-01T00:00:00Z', ...(isDefault ? {annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}} : {})},
  provisioner, reclaimPolicy: 'Delete', volumeBindingMode: mode,
})
const pvc = (name: string, spec: Record<string, unknown> = {}, extra: {annotations?: Record<string, string>; phase?: string; deleting?: boolean; finalizers?: string[]} = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: {name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '5', ...(extra.annotations ? {annotations: extra.annotations} : {}), ...(extra.deleting ? {deletionTimestamp: '2024-01-01T00:00:00Z'} : {}), finalizers: extra.finalizers ?? ['kubernetes.io/pvc-protection']},
  spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}, storageClassName: 'manual', volumeMode: 'Filesystem', ...spec},
  status: {phase: extra.phase ?? 'Pending'},
})
const pv = (name: string, size: string, opts: {cls?: string; phase?: string; claimRef?: Record<string, string>; modes?: string[]; labels?: Record<string, string>; policy?: string; annotations?: Record<string, string>; node?: string} = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: {name, uid: `uid-${name}`, resourceVersion: '3', ...(opts.labels ? {labels: opts.labels} : {}), ...(opts.annotations ? {annotations: opts.annotations} : {})},
  spec: {
    capacity: {storage: size}, accessModes: opts.modes ?? ['ReadWriteOnce'], storageClassName: opts.cls ?? 'manual', volumeMode: 'Filesystem',
    persistentVolumeReclaimPolicy: opts.policy ?? 'Retain', hostPath: {path: `/data/${name}`},
    ...(opts.claimRef ? {claimRef: opts.claimRef} : {}),
    ...(opts.node ? {nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [opts.node]}]}]}}} : {}),
  },
  status: {phase: opts.phase ?? 'Available'},
})
const node = (name: string): KubeObject => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels: {'kubernetes.io/hostname': name}}})

function binder(seed: {claims?: KubeObject[]; volumes?: KubeObject[]; classes?: KubeObject[]; nodes?: KubeObject[]}) {
  const {client, actions} = recordingClient()
  const recorder = recordingRecorder()
  const ctl = new PersistentVolumeBinder({
    client, recorder,
    claims: new FakeLister(seed.claims) as never, volumes: new FakeLister(seed.volumes) as never,
    classes: new FakeLister(seed.classes ?? []), nodes: new FakeLister(seed.nodes ?? []),
  })
  return {ctl, actions, events: recorder.events}
}
const calls = (actions: {verb: string; path: string}[]) => actions.map((a) => `${a.verb} ${a.path}`)

describe('PV binder: matching', () => {
  it('takes the smallest Available volume of the class that offers the modes and size, honouring the selector', () => {
    const vols = [pv('big', '10Gi'), pv('small', '2Gi'), pv('tiny', '500Mi'), pv('other-class', '1Gi', {cls: 'fast'}), pv('rwx-only', '1Gi', {modes: ['ReadWriteMany']}), pv('taken', '1Gi', {claimRef: {namespace: 'default', name: 'x', uid: 'u'}})] as never[]
    assert.equal(findMatchingVolume(pvc('c') as never, vols, {delayBinding: false})?.metadata.name, 'small')
    const labelled = [...vols, pv('labelled', '5Gi', {labels: {tier: 'gold'}})] as never[]
    assert.equal(findMatchingVolume(pvc('c', {selector: {matchLabels: {tier: 'gold'}}}) as never, labelled, {delayBinding: false})?.metadata.name, 'labelled')
    assert.equal(findMatchingVolume(pvc('c', {resources: {requests: {storage: '20Gi'}}}) as never, vols, {delayBinding: false}), undefined)
  })
  it('prefers a volume pre-bound to the claim; a delayed claim takes only volumes that fit its selected node', () => {
    const vols = [pv('small', '2Gi'), pv('mine', '5Gi', {claimRef: {namespace: 'default', name: 'c'}})] as never[]
    assert.equal(findMatchingVolume(pvc('c') as never, vols, {delayBinding: false})?.metadata.name, 'mine')
    const pinned = [pv('on-a', '1Gi', {node: 'a'}), pv('on-b', '2Gi', {node: 'b'})] as never[]
    assert.equal(findMatchingVolume(pvc('c') as never, pinned, {delayBinding: true}), undefined, 'no node chosen yet')
    assert.equal(findMatchingVolume(pvc('c') as never, pinned, {delayBinding: true, node: node('b')})?.metadata.name, 'on-b')
  })
})

describe('PV binder: sync', () => {
  it('binds a claim to a matching volume: claimRef, volume phase, claim volumeName and annotations, claim status', async () => {
    const {ctl, actions} = binder({claims: [pvc('c')], volumes: [pv('v', '2Gi')]})
    await ctl.sync('claim:default/c')
    assert.deepEqual(calls(actions), [
      'update /api/v1/persistentvolumes/v',
      'update /api/v1/persistentvolumes/v/status',
      'update /api/v1/namespaces/default/persistentvolumeclaims/c',
      'update /api/v1/namespaces/default/persistentvolumeclaims/c/status',
    ])
    assert.deepEqual(actions[0].body.spec.claimRef, {kind: 'PersistentVolumeClaim', namespace: 'default', name: 'c', uid: 'uid-c', apiVersion: 'v1', resourceVersion: '5'})
    assert.equal(actions[0].body.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes')
    assert.equal(actions[1].body.status.phase, 'Bound')
    assert.equal(actions[2].body.spec.volumeName, 'v')
    assert.deepEqual(actions[2].body.metadata.annotations, {'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes'})
    assert.deepEqual(actions[3].body.status, {phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: {storage: '2Gi'}})
  })
  it('leaves a WaitForFirstConsumer claim Pending with an event until a node is selected, then hands it to the provisioner', async () => {
    const classes = [sc('standard', 'WaitForFirstConsumer')]
    const waiting = binder({claims: [pvc('c', {storageClassName: 'standard'})], classes})
    await waiting.ctl.sync('claim:default/c')
    assert.deepEqual(calls(waiting.actions), [])
    assert.deepEqual(waiting.events, ['Normal WaitForFirstConsumer waiting for first consumer to be created before binding'])
    const chosen = binder({claims: [pvc('c', {storageClassName: 'standard'}, {annotations: {'volume.kubernetes.io/selected-node': 'a'}})], classes, nodes: [node('a')]})
    await chosen.ctl.sync('claim:default/c')
    assert.deepEqual(chosen.actions.map((a) => [a.verb, a.path, a.body]), [
      ['patch:merge', '/api/v1/namespaces/default/persistentvolumeclaims/c', {metadata: {annotations: {'volume.kubernetes.io/storage-provisioner': 'skiff.io/local-path', 'volume.beta.kubernetes.io/storage-provisioner': 'skiff.io/local-path'}}}],
    ])
  })
  it('says so when nothing can satisfy a claim without a class', async () => {
    const {ctl, actions, events} = binder({claims: [pvc('c', {storageClassName: ''})]})
    await ctl.sync('claim:default/c')
    assert.deepEqual(calls(actions), [])
    assert.deepEqual(events, ['Normal FailedBinding no persistent volumes available for this claim and no storage class is set'])
  })
  it('gives a claim without storageClassName the default class retroactively', async () => {
    const {ctl, actions} = binder({claims: [pvc('c', {storageClassName: undefined})], classes: [sc('standard', 'WaitForFirstConsumer', 'skiff.io/local-path', true)]})
    await ctl.sync('claim:default/c')
    assert.deepEqual(calls(actions), ['update /api/v1/namespaces/default/persistentvolumeclaims/c'])
    assert.equal(actions[0].body.spec.storageClassName, 'standard')
  })
  it('marks a bound claim whose volume vanished Lost', async () => {
    const {ctl, actions, events} = binder({claims: [pvc('c', {volumeName: 'gone'}, {annotations: {'pv.kubernetes.io/bind-completed': 'yes'}, phase: 'Bound'})]})
    await ctl.sync('claim:default/c')
    assert.deepEqual(calls(actions), ['update /api/v1/namespaces/default/persistentvolumeclaims/c/status'])
    assert.equal(actions[0].body.status.phase, 'Lost')
    assert.deepEqual(events, ['Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!'])
  })
  it('releases a Retain volume whose claim is gone and keeps it; deletes a provisioned Delete volume', async () => {
    const ref = {namespace: 'default', name: 'c', uid: 'uid-c'}
    const retain = binder({volumes: [pv('v', '1Gi', {claimRef: ref, phase: 'Bound'})]})
    await retain.ctl.sync('volume:v')
    assert.deepEqual(calls(retain.actions), ['update /api/v1/persistentvolumes/v/status'])
    assert.equal(retain.actions[0].body.status.phase, 'Released')
    const del = binder({volumes: [pv('v', '1Gi', {claimRef: ref, phase: 'Released', policy: 'Delete', annotations: {'pv.kubernetes.io/provisioned-by': 'skiff.io/local-path'}})]})
    await del.ctl.sync('volume:v')
    assert.deepEqual(del.actions.map((a) => [a.verb, a.path, a.body]), [['delete', '/api/v1/persistentvolumes/v', {preconditions: {uid: 'uid-v'}}]])
    const foreign = binder({volumes: [pv('v', '1Gi', {claimRef: ref, phase: 'Released', policy: 'Delete'})]})
    await foreign.ctl.sync('volume:v')
    assert.equal(foreign.actions[0].body.status.phase, 'Failed')
    assert.match(foreign.events[0], /^Warning VolumeFailedDelete /)
  })
  it('makes an unbound volume Available and leaves a bound pair alone', async () => {
    const free = binder({volumes: [pv('v', '1Gi', {phase: 'Pending'})]})
    await free.ctl.sync('volume:v')
    assert.equal(free.actions[0].body.status.phase, 'Available')
    const bound = binder({
      claims: [pvc('c', {volumeName: 'v'}, {annotations: {'pv.kubernetes.io/bind-completed': 'yes'}, phase: 'Bound'})],
      volumes: [pv('v', '1Gi', {claimRef: {namespace: 'default', name: 'c', uid: 'uid-c'}, phase: 'Bound'})],
    })
    bound.ctl.queue.shutDown()
    await bound.ctl.sync('volume:v')
    assert.deepEqual(calls(bound.actions), [])
  })
})

describe('local-path provisioner', () => {
  const provisioner = (claims: KubeObject[], volumes: KubeObject[] = []) => {
    const {client, actions} = recordingClient()
    const recorder = recordingRecorder()
    const ctl = new LocalPathProvisioner({client, recorder, claims: new FakeLister(claims) as never, volumes: new FakeLister(volumes) as never, classes: new FakeLister([sc('standard', 'WaitForFirstConsumer')])})
    return {ctl, actions, events: recorder.events}
  }
  it('creates pvc-<uid> on the selected node with the request, the class policy and its events', async () => {
    const {ctl, actions, events} = provisioner([pvc('c', {storageClassName: 'standard'}, {annotations: {'volume.kubernetes.io/selected-node': 'w1'}})])
    await ctl.sync('default/c')
    assert.deepEqual(calls(actions), ['create /api/v1/persistentvolumes'])
    const body = actions[0].body
    assert.equal(body.metadata.name, 'pvc-uid-c')
    assert.equal(body.metadata.annotations['pv.kubernetes.io/provisioned-by'], 'skiff.io/local-path')
    assert.deepEqual(body.metadata.finalizers, ['skiff.io/local-path-cleanup'])
    assert.deepEqual(body.spec.hostPath, {path: '/var/lib/skiff/storage/pvc-uid-c', type: 'DirectoryOrCreate'})
    assert.deepEqual(body.spec.capacity, {storage: '1Gi'})
    assert.equal(body.spec.persistentVolumeReclaimPolicy, 'Delete')
    assert.deepEqual(body.spec.claimRef, {kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'c', uid: 'uid-c', resourceVersion: '5'})
    assert.deepEqual(body.spec.nodeAffinity.required.nodeSelectorTerms, [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: ['w1']}]}])
    assert.deepEqual(events, ['Normal Provisioning External provisioner is provisioning volume for claim "default/c"', 'Normal ProvisioningSucceeded Successfully provisioned volume pvc-uid-c'])
  })
  it('waits for the node, skips claims of other classes, bound claims and volumes it already made', async () => {
    const cases = [
      provisioner([pvc('c', {storageClassName: 'standard'})]),
      provisioner([pvc('c', {storageClassName: 'manual'}, {annotations: {'volume.kubernetes.io/selected-node': 'w1'}})]),
      provisioner([pvc('c', {storageClassName: 'standard', volumeName: 'x'}, {annotations: {'volume.kubernetes.io/selected-node': 'w1'}})]),
      provisioner([pvc('c', {storageClassName: 'standard'}, {annotations: {'volume.kubernetes.io/selected-node': 'w1'}})], [pv('pvc-uid-c', '1Gi')]),
    ]
    for (const c of cases) {
      await c.ctl.sync('default/c')
      assert.deepEqual(calls(c.actions), [])
    }
  })
})

describe('pvc and pv protection', () => {
  it('removes pvc-protection only once no running pod mounts the claim', async () => {
    const user = pod('app', {phase: 'Running'})
    const withVolume = {...user, spec: {...user.spec, volumes: [{name: 'd', persistentVolumeClaim: {claimName: 'c'}}]}}
    const run = async (pods: KubeObject[]) => {
      const {client, actions} = recordingClient()
      const ctl = new PVCProtectionController({client, objects: new FakeLister([pvc('c', {}, {deleting: true, finalizers: ['kubernetes.io/pvc-protection', 'other']})]) as never, pods: new FakeLister(pods)})
      await ctl.sync('default/c')
      return actions.map((a) => [a.verb, a.path, a.body])
    }
    assert.deepEqual(await run([withVolume]), [], 'in use')
    const done = {...withVolume, status: {phase: 'Succeeded'}}
    const expected = [['patch:merge', '/api/v1/namespaces/default/persistentvolumeclaims/c', {metadata: {finalizers: ['other'], resourceVersion: '5'}}]]
    assert.deepEqual(await run([done]), expected, 'a finished pod does not hold it')
    assert.deepEqual(await run([]), expected)
  })
  it('adds the finalizer to a live claim that lacks it, and frees a deleting volume once it is not Bound', async () => {
    const {client, actions} = recordingClient()
    const ctl = new PVCProtectionController({client, objects: new FakeLister([pvc('c', {}, {finalizers: []})]) as never, pods: new FakeLister([])})
    await ctl.sync('default/c')
    assert.deepEqual(actions.map((a) => a.body), [{metadata: {finalizers: ['kubernetes.io/pvc-protection'], resourceVersion: '5'}}])
    const deleting = (phase: string) => ({...pv('v', '1Gi', {phase}), metadata: {...pv('v', '1Gi').metadata, deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['kubernetes.io/pv-protection']}})
    for (const [phase, want] of [['Bound', 0], ['Released', 1]] as const) {
      const rec = recordingClient()
      const pvCtl = new PVProtectionController({client: rec.client, objects: new FakeLister([deleting(phase)]) as never})
      await pvCtl.sync('v')
      assert.equal(rec.actions.length, want, phase)
    }
  })
})

describe('ephemeral volume controller', () => {
  const ephemeralPod = () => {
    const p = pod('app')
    return {...p, spec: {...p.spec, volumes: [{name: 'scratch', ephemeral: {volumeClaimTemplate: {metadata: {labels: {type: 'scratch'}}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}}}}}]}}
  }
  it('creates <pod>-<volume> from the template, owned by the pod', async () => {
    const {client, actions} = recordingClient()
    const ctl = new EphemeralVolumeController({client, pods: new FakeLister([ephemeralPod()]), claims: new FakeLister([]) as never, recorder: recordingRecorder()})
    await ctl.sync('default/app')
    assert.deepEqual(actions.map((a) => [a.verb, a.path, a.body]), [[
      'create', '/api/v1/namespaces/default/persistentvolumeclaims',
      {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: {name: 'app-scratch', namespace: 'default', labels: {type: 'scratch'}, ownerReferences: [{apiVersion: 'v1', kind: 'Pod', name: 'app', uid: 'uid-app', controller: true, blockOwnerDeletion: true}]},
        spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage: '1Gi'}}},
      },
    ]])
  })
  it('leaves an existing claim alone, and warns when the pod does not own it', async () => {
    const owned = {...pvc('app-scratch'), metadata: {...pvc('app-scratch').metadata, ownerReferences: [{apiVersion: 'v1', kind: 'Pod', name: 'app', uid: 'uid-app', controller: true}]}}
    for (const [claim, events] of [[owned, []], [pvc('app-scratch'), ['Warning FailedBinding PVC default/app-scratch was not created for the pod']]] as const) {
      const {client, actions} = recordingClient()
      const recorder = recordingRecorder()
      const ctl = new EphemeralVolumeController({client, pods: new FakeLister([ephemeralPod()]), claims: new FakeLister([claim]) as never, recorder})
      await ctl.sync('default/app')
      assert.deepEqual(actions, [])
      assert.deepEqual(recorder.events, events)
    }
  })
})

describe('local-path provisioner: volumes of vanished nodes', () => {
  const deleting = (node: string, finalizers: string[]) => ({
    ...pv('pvc-1', '1Gi'),
    metadata: {name: 'pvc-1', resourceVersion: '7', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers, annotations: {'pv.kubernetes.io/provisioned-by': 'skiff.io/local-path', 'volume.kubernetes.io/selected-node': node}},
  })
  const run = async (vol: KubeObject) => {
    const {client, actions} = recordingClient()
    const ctl = new LocalPathProvisioner({client, recorder: recordingRecorder(), claims: new FakeLister([]) as never, volumes: new FakeLister([vol]) as never, classes: new FakeLister([]), nodes: new FakeLister([node('w1')])})
    await ctl.sync('volume:pvc-1')
    return actions.map((a) => [a.verb, a.path, a.body])
  }
  it('drops the cleanup finalizer only when the node is gone and nothing protects the volume', async () => {
    assert.deepEqual(await run(deleting('w9', ['skiff.io/local-path-cleanup'])), [['patch:merge', '/api/v1/persistentvolumes/pvc-1', {metadata: {finalizers: [], resourceVersion: '7'}}]])
    assert.deepEqual(await run(deleting('w1', ['skiff.io/local-path-cleanup'])), [], 'its agent cleans up')
    assert.deepEqual(await run(deleting('w9', ['skiff.io/local-path-cleanup', 'kubernetes.io/pv-protection'])), [])
  })
})
