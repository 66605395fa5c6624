// Endpoints and EndpointSlice controllers: seed fake caches, run one sync, compare the objects they write.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {EndpointsController, endpointSubsets} from '../../../src/controllers/endpoints/controller.js'
import {EndpointSliceController, desiredSlices} from '../../../src/controllers/endpointslice/controller.js'
import {FakeLister, pod, recordingClient} from './fakes.js'

const svc = (spec: Record<string, unknown> = {}, name = 'web'): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default', uid: `uid-${name}`, labels: {tier: 'fe'}},
  spec: {type: 'ClusterIP', clusterIP: '10.96.0.20', selector: {app: 'web'}, ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'}], ...spec},
})

/** A running pod on a node with an address and a named container port. */
function running(name: string, ip: string, opts: {ready?: boolean; terminating?: boolean; node?: string; port?: number; labels?: Record<string, string>} = {}): KubeObject {
  const p = pod(name, {node: opts.node ?? 'n1', phase: 'Running', ready: opts.ready ?? true, labels: opts.labels})
  p.spec!.containers[0].ports = [{name: 'http', containerPort: opts.port ?? 8080, protocol: 'TCP'}]
  p.status!.podIP = ip
  if (opts.terminating) p.metadata.deletionTimestamp = '2024-01-01T00:01:00Z'
  return p
}

describe('endpoints computation', () => {
  it('lists ready pods under addresses, unready ones under notReadyAddresses, resolves named ports, leaves out terminating and finished pods', () => {
    const pods = [running('a', '10.244.1.5'), running('b', '10.244.2.7', {ready: false, node: 'n2'}), running('c', '10.244.1.9', {terminating: true}), {...running('d', '10.244.1.11'), status: {phase: 'Succeeded', podIP: '10.244.1.11'}}]
    const subsets = endpointSubsets(svc() as never, pods as never)
    assert.deepEqual(subsets, [{
      addresses: [{ip: '10.244.1.5', nodeName: 'n1', targetRef: {kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a'}}],
      notReadyAddresses: [{ip: '10.244.2.7', nodeName: 'n2', targetRef: {kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b'}}],
      ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
    }])
    // publishNotReadyAddresses: every pod with an address is listed as ready, terminating ones too.
    const all = endpointSubsets(svc({publishNotReadyAddresses: true}) as never, pods as never)
    assert.deepEqual(all[0].addresses!.map((a) => a.ip), ['10.244.1.5', '10.244.1.9', '10.244.2.7'])
  })

  it('groups pods by the ports they resolve to; a pod without the named port serves nothing; headless without ports still lists pods', () => {
    const pods = [running('a', '10.244.1.5', {port: 8080}), running('b', '10.244.1.6', {port: 9090})]
    const noPort = running('c', '10.244.1.7')
    noPort.spec!.containers[0].ports = []
    const subsets = endpointSubsets(svc() as never, [...pods, noPort] as never)
    assert.deepEqual(subsets.map((s) => [s.ports![0].port, s.addresses!.map((a) => a.ip)]), [[8080, ['10.244.1.5']], [9090, ['10.244.1.6']]])
    const headless = endpointSubsets(svc({clusterIP: 'None', ports: []}) as never, [noPort] as never)
    assert.deepEqual(headless, [{addresses: [{ip: '10.244.1.7', nodeName: 'n1', targetRef: {kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c'}}]}])
  })

  it('slices carry ready, serving and terminating conditions (terminating pods included) and hold at most max endpoints', () => {
    const pods = [running('a', '10.244.1.5'), running('b', '10.244.1.6', {terminating: true}), running('c', '10.244.1.7', {ready: false})]
    const [slice] = desiredSlices(svc() as never, pods as never)
    assert.deepEqual(slice.ports, [{name: 'http', port: 8080, protocol: 'TCP'}])
    assert.deepEqual(slice.endpoints.map((e) => [e.targetRef.name, e.conditions]), [
      ['a', {ready: true, serving: true, terminating: false}],
      ['b', {ready: false, serving: true, terminating: true}],
      ['c', {ready: false, serving: false, terminating: false}],
    ])
    const many = Array.from({length: 5}, (_, i) => running(`p${i}`, `10.244.1.${10 + i}`))
    assert.deepEqual(desiredSlices(svc() as never, many as never, 2).map((s) => s.endpoints.length), [2, 2, 1])
  })
})

describe('EndpointsController', () => {
  const setup = (services: KubeObject[], pods: KubeObject[], endpoints: KubeObject[] = []) => {
    const {client, actions} = recordingClient()
    const ctl = new EndpointsController({client, services: new FakeLister(services) as never, pods: new FakeLister(pods) as never, endpoints: new FakeLister(endpoints)})
    return {ctl, actions}
  }

  it('creates the Endpoints named after the service, with its labels', async () => {
    const {ctl, actions} = setup([svc()], [running('a', '10.244.1.5'), running('x', '10.244.1.6', {labels: {app: 'other'}})])
    await ctl.sync('default/web')
    assert.deepEqual(actions.map((a) => `${a.verb} ${a.path}`), ['create /api/v1/namespaces/default/endpoints'])
    assert.equal(actions[0].body.metadata.name, 'web')
    assert.deepEqual(actions[0].body.metadata.labels, {tier: 'fe'})
    assert.deepEqual(actions[0].body.subsets[0].addresses.map((a: {ip: string}) => a.ip), ['10.244.1.5'])
  })

  it('writes nothing when nothing changed, updates when a pod turns unready, deletes with the service, leaves selector-less services alone', async () => {
    const first = setup([svc()], [running('a', '10.244.1.5')])
    await first.ctl.sync('default/web')
    const written = {...first.actions[0].body, metadata: {...first.actions[0].body.metadata, resourceVersion: '3'}}
    const same = setup([svc()], [running('a', '10.244.1.5')], [written])
    await same.ctl.sync('default/web')
    assert.deepEqual(same.actions, [])
    const unready = setup([svc()], [running('a', '10.244.1.5', {ready: false})], [written])
    await unready.ctl.sync('default/web')
    assert.deepEqual(unready.actions.map((a) => `${a.verb} ${a.path}`), ['update /api/v1/namespaces/default/endpoints/web'])
    assert.equal(unready.actions[0].body.subsets[0].notReadyAddresses[0].ip, '10.244.1.5')
    const gone = setup([], [], [written])
    await gone.ctl.sync('default/web')
    assert.deepEqual(gone.actions.map((a) => `${a.verb} ${a.path}`), ['delete /api/v1/namespaces/default/endpoints/web'])
    const manual = setup([svc({selector: undefined})], [running('a', '10.244.1.5')])
    await manual.ctl.sync('default/web')
    assert.deepEqual(manual.actions, [])
  })
})

describe('EndpointSliceController', () => {
  const setup = (services: KubeObject[], pods: KubeObject[], slices: KubeObject[] = []) => {
    const {client, actions} = recordingClient()
    const ctl = new EndpointSliceController({client, services: new FakeLister(services) as never, pods: new FakeLister(pods) as never, slices: new FakeLister(slices)})
    return {ctl, actions}
  }

  it('creates an owned, labelled slice; reuses it when endpoints change; an empty service keeps one empty slice', async () => {
    const first = setup([svc()], [running('a', '10.244.1.5')])
    await first.ctl.sync('default/web')
    assert.deepEqual(first.actions.map((a) => `${a.verb} ${a.path}`), ['create /apis/discovery.k8s.io/v1/namespaces/default/endpointslices'])
    const body = first.actions[0].body
    assert.equal(body.metadata.generateName, 'web-')
    assert.deepEqual(body.metadata.labels, {'tier': 'fe', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io'})
    assert.deepEqual(body.metadata.ownerReferences, [{apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true}])
    assert.equal(body.addressType, 'IPv4')
    const stored = {...body, metadata: {...body.metadata, name: 'web-abcde', resourceVersion: '4'}}
    const more = setup([svc()], [running('a', '10.244.1.5'), running('b', '10.244.2.5')], [stored])
    await more.ctl.sync('default/web')
    assert.deepEqual(more.actions.map((a) => `${a.verb} ${a.path}`), ['update /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-abcde'])
    assert.equal(more.actions[0].body.endpoints.length, 2)
    const empty = setup([svc()], [], [stored])
    await empty.ctl.sync('default/web')
    assert.deepEqual(empty.actions[0].body.endpoints, [])
    assert.deepEqual(empty.actions[0].body.ports, [])
  })
})
