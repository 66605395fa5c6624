// The apiserver over HTTPS with client certificates, run against both a MemoryStore and a real etcd.
import assert from 'node:assert/strict'
import {EtcdStore, MemoryStore, type Store} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const aggAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, labels}, data})
const deploy = (name: string) => ({apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name}, spec: {replicas: 1, selector: {matchLabels: {app: name}},
  template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'c', image: 'nginx'}]}}}})

function suite(label: string, makeStore: () => Store, compact: (s: Store, rev: number) => Promise<void> | void) {
  describe(`apiserver (${label})`, () => {
    let s: TestServer
    let store: Store
    before(async () => {
      store = makeStore()
      s = await startTestServer(store)
    })
    after(async () => {
      await s.close()
      await store.close()
    })

    it('rejects requests without a client certificate, but serves /version and /healthz', async () => {
      const r = await s.request('GET', '/api/v1/namespaces', {anonymous: true})
      assert.equal(r.status, 401)
      assert.equal(r.json.kind, 'Status')
      assert.equal((await s.request('GET', '/healthz', {anonymous: true})).status, 200)
      const v = await s.request('GET', '/version', {anonymous: true})
      assert.equal(v.json.minor, '32')
    })

    it('serves aggregated and legacy discovery', async () => {
      const agg = await s.request('GET', '/apis', {headers: {Accept: aggAccept}})
      assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
      const apps = agg.json.items.find((i: any) => i.metadata.name === 'apps')
      const dep = apps.versions[0].resources.find((r: any) => r.resource === 'deployments')
      assert.deepEqual(dep.subresources.map((x: any) => x.subresource), ['scale', 'status'])
      const core = await s.request('GET', '/api', {headers: {Accept: aggAccept}})
      assert.equal(core.json.items[0].metadata.name, '')
      assert.deepEqual((await s.request('GET', '/api')).json.versions, ['v1'])
      const list = await s.request('GET', '/api/v1')
      assert.ok(list.json.resources.some((r: any) => r.name === 'pods/status'))
      assert.ok((await s.request('GET', '/apis')).json.groups.some((g: any) => g.name === 'apps'))
      const oa = await s.request('GET', '/openapi/v3')
      assert.ok(oa.json.paths['apis/apps/v1'].serverRelativeURL)
      const v2 = await s.request('GET', '/openapi/v2')
      assert.equal(v2.json.swagger, '2.0')
      assert.deepEqual(v2.json.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{group: 'apps', version: 'v1', kind: 'Deployment'}])
    })

    it('creates, gets, lists, updates with conflicts and deletes', async () => {
      const c = await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: cm('a', {k: 'v'})})
      assert.equal(c.status, 201)
      assert.equal(typeof c.json.metadata.resourceVersion, 'string')
      assert.ok(c.json.metadata.uid)
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: cm('a')})).json.reason, 'AlreadyExists')
      assert.equal((await s.request('POST', '/api/v1/namespaces/nope/configmaps', {body: cm('a')})).json.message, 'namespaces "nope" not found')
      const g = await s.request('GET', '/api/v1/namespaces/default/configmaps/a')
      assert.deepEqual(g.json.data, {k: 'v'})
      const u = await s.request('PUT', '/api/v1/namespaces/default/configmaps/a', {body: {...g.json, data: {k: 'w'}}})
      assert.equal(u.status, 200)
      const stale = await s.request('PUT', '/api/v1/namespaces/default/configmaps/a', {body: {...g.json, data: {k: 'x'}}})
      assert.equal(stale.status, 409)
      assert.match(stale.json.message, /^Operation cannot be fulfilled on configmaps "a": the object has been modified/)
      const gen = await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: {...cm(''), metadata: {generateName: 'gen-'}}})
      assert.match(gen.json.metadata.name, /^gen-[a-z0-9]{5}$/)
      const dry = await s.request('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', {body: cm('dry')})
      assert.equal(dry.status, 201)
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404)
      const all = await s.request('GET', '/api/v1/configmaps')
      assert.equal(all.json.kind, 'ConfigMapList')
      assert.ok(all.json.items.length >= 2)
      const d = await s.request('DELETE', '/api/v1/namespaces/default/configmaps/a')
      assert.equal(d.status, 200)
      const nf = await s.request('GET', '/api/v1/namespaces/default/configmaps/a')
      assert.equal(nf.json.message, 'configmaps "a" not found')
      const strict = await s.request('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', {body: {...cm('s'), bogus: 1}})
      assert.equal(strict.status, 400)
      const warn = await s.request('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', {body: {...cm('w2'), bogus: 1}})
      assert.match(String(warn.headers.warning), /unknown field \\"bogus\\"/)
    })

    it('filters lists by label and field selectors and pages with limit/continue', async () => {
      await s.request('POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'sel'}}})
      for (const [n, l] of [['p1', {app: 'a', tier: 'fe'}], ['p2', {app: 'b'}], ['p3', {app: 'a'}]] as const) {
        await s.request('POST', '/api/v1/namespaces/sel/configmaps', {body: cm(n, {}, l)})
      }
      const names = async (q: string) => (await s.request('GET', `/api/v1/namespaces/sel/configmaps?${q}`)).json.items.map((i: any) => i.metadata.name)
      assert.deepEqual(await names('labelSelector=app%3Da'), ['p1', 'p3'])
      assert.deepEqual(await names('labelSelector=app!%3Da'), ['p2'])
      assert.deepEqual(await names('labelSelector=app%20in%20(b)'), ['p2'])
      assert.deepEqual(await names('labelSelector=tier'), ['p1'])
      assert.deepEqual(await names('labelSelector=!tier,app%20notin%20(b)'), ['p3'])
      assert.deepEqual(await names('fieldSelector=metadata.name%3Dp2'), ['p2'])
      const p1 = await s.request('GET', '/api/v1/namespaces/sel/configmaps?limit=2')
      assert.equal(p1.json.items.length, 2)
      const p2 = await s.request('GET', `/api/v1/namespaces/sel/configmaps?limit=2&continue=${p1.json.metadata.continue}`)
      assert.deepEqual(p2.json.items.map((i: any) => i.metadata.name), ['p3'])
    })

    it('watches: synthetic ADDED, replay from a resourceVersion, live events, 410 when compacted', async () => {
      await s.request('POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'w'}}})
      const first = await s.request('POST', '/api/v1/namespaces/w/configmaps', {body: cm('one')})
      const rv = Number(first.json.metadata.resourceVersion)
      const w0 = s.stream('/api/v1/namespaces/w/configmaps?watch=true')
      await w0.next(1)
      assert.equal(w0.events[0].type, 'ADDED')
      const replay = s.stream(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${rv - 1}&labelSelector=x%3Dy`)
      await s.request('POST', '/api/v1/namespaces/w/configmaps', {body: cm('two', {}, {x: 'y'})})
      await s.request('DELETE', '/api/v1/namespaces/w/configmaps/two')
      const events = await replay.next(2)
      assert.deepEqual(events.map(e => [e.type, e.object.metadata.name]), [['ADDED', 'two'], ['DELETED', 'two']])
      await w0.next(3)
      assert.deepEqual(w0.events.map(e => e.type), ['ADDED', 'ADDED', 'DELETED'])
      w0.close()
      replay.close()
      const tw = s.stream('/api/v1/namespaces/w/configmaps?watch=true&timeoutSeconds=1')
      await tw.ended
      await compact(store, Number((await s.request('GET', '/api/v1/namespaces/w/configmaps')).json.metadata.resourceVersion))
      const old = s.stream(`/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${rv - 1}`)
      await old.ended
      assert.equal(old.events[0]?.type, 'ERROR')
      assert.equal(old.events[0].object.code, 410)
    })

    it('answers Tables for pods, including in watches', async () => {
      const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web'}, spec: {containers: [{name: 'c', image: 'nginx'}]}}
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/pods', {body: pod})).status, 201)
      const t = await s.request('GET', '/api/v1/namespaces/default/pods', {headers: {Accept: tableAccept}})
      assert.equal(t.json.kind, 'Table')
      assert.ok(t.json.metadata.resourceVersion)
      assert.equal(t.json.columnDefinitions[0].name, 'Name')
      assert.equal(t.json.rows[0].cells[0], 'web')
      assert.equal(t.json.rows[0].object.kind, 'PartialObjectMetadata')
      const full = await s.request('GET', '/api/v1/namespaces/default/pods/web?includeObject=Object', {headers: {Accept: tableAccept}})
      assert.equal(full.json.rows[0].object.kind, 'Pod')
      const w = s.stream(`/api/v1/namespaces/default/pods?watch=true&resourceVersion=${t.json.metadata.resourceVersion}`, {Accept: tableAccept})
      await s.request('PATCH', '/api/v1/namespaces/default/pods/web', {body: {metadata: {labels: {a: 'b'}}}, headers: {'Content-Type': 'application/merge-patch+json'}})
      await w.next(1)
      w.close()
      assert.equal(w.events[0].object.kind, 'Table')
      assert.equal(w.events[0].object.rows.length, 1)
    })

    it('bumps generation only on spec changes; status and scale subresources; binding', async () => {
      const d = (await s.request('POST', '/apis/apps/v1/namespaces/default/deployments', {body: deploy('g')})).json
      assert.equal(d.metadata.generation, 1)
      const merge = {'Content-Type': 'application/merge-patch+json'}
      const l = await s.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/g', {body: {metadata: {labels: {x: '1'}}, status: {replicas: 9}}, headers: merge})
      assert.equal(l.json.metadata.generation, 1)
      assert.equal(l.json.status, undefined)
      const sp = await s.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/g', {body: {spec: {replicas: 2}}, headers: merge})
      assert.equal(sp.json.metadata.generation, 2)
      const st = await s.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/g/status', {body: {spec: {replicas: 7}, status: {replicas: 2, observedGeneration: 2}}, headers: merge})
      assert.equal(st.json.status.replicas, 2)
      assert.equal(st.json.spec.replicas, 2)
      const sc = await s.request('GET', '/apis/apps/v1/namespaces/default/deployments/g/scale')
      assert.deepEqual([sc.json.kind, sc.json.spec.replicas, sc.json.status.selector], ['Scale', 2, 'app=g'])
      const put = await s.request('PUT', '/apis/apps/v1/namespaces/default/deployments/g/scale', {raw: Buffer.from(JSON.stringify({...sc.json, spec: {replicas: 5}}))})
      assert.equal(put.json.spec.replicas, 5)
      const stalePut = await s.request('PUT', '/apis/apps/v1/namespaces/default/deployments/g/scale', {raw: Buffer.from(JSON.stringify({...sc.json, spec: {replicas: 6}}))})
      assert.equal(stalePut.status, 409)
      const ps = await s.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/g/scale', {body: {spec: {replicas: 4}}, headers: merge})
      assert.equal(ps.json.spec.replicas, 4)
      assert.equal((await s.request('GET', '/apis/apps/v1/namespaces/default/deployments/g')).json.metadata.generation, 4)

      await s.request('POST', '/api/v1/namespaces/default/pods', {body: {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'b'}, spec: {containers: [{name: 'c', image: 'x'}]}}})
      const bind = {apiVersion: 'v1', kind: 'Binding', metadata: {name: 'b'}, target: {apiVersion: 'v1', kind: 'Node', name: 'n1'}}
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/pods/b/binding', {body: bind})).status, 201)
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/b')).json.spec.nodeName, 'n1')
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/pods/b/binding', {body: bind})).status, 409)
      const onNode = (await s.request('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).json.items
      assert.deepEqual(onNode.map((p: any) => p.metadata.name), ['b'])
      // A bound pod is deleted gracefully: marked, then removed by gracePeriodSeconds=0.
      const del = await s.request('DELETE', '/api/v1/namespaces/default/pods/b')
      assert.ok(del.json.metadata.deletionTimestamp)
      const del0 = await s.request('DELETE', '/api/v1/namespaces/default/pods/b', {body: {gracePeriodSeconds: 0}})
      assert.equal(del0.status, 200, del0.text)
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/b')).status, 404)
    })

    it('gives a bound pod with finalizers its grace period; it goes once its finalizers are gone and its node deleted it', async () => {
      const body = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'gf', finalizers: ['x/y']}, spec: {nodeName: 'n1', terminationGracePeriodSeconds: 20, containers: [{name: 'c', image: 'x'}]}}
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/pods', {body})).status, 201)
      const d = await s.request('DELETE', '/api/v1/namespaces/default/pods/gf')
      assert.equal(d.json.metadata.deletionGracePeriodSeconds, 20)
      assert.ok(Date.parse(d.json.metadata.deletionTimestamp) > Date.now() + 10_000)
      // Removing the finalizer within the grace period leaves the pod to its node.
      const json = {'Content-Type': 'application/json-patch+json'}
      await s.request('PATCH', '/api/v1/namespaces/default/pods/gf', {body: [{op: 'remove', path: '/metadata/finalizers'}], headers: json})
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/gf')).status, 200)
      assert.equal((await s.request('DELETE', '/api/v1/namespaces/default/pods/gf', {body: {gracePeriodSeconds: 0}})).status, 200)
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/gf')).status, 404)
      // With the finalizer kept, the node's final delete shortens the period to 0 and the finalizer still holds the pod.
      assert.equal((await s.request('POST', '/api/v1/namespaces/default/pods', {body: {...body, metadata: {name: 'gf2', finalizers: ['x/y']}}})).status, 201)
      await s.request('DELETE', '/api/v1/namespaces/default/pods/gf2')
      const d0 = await s.request('DELETE', '/api/v1/namespaces/default/pods/gf2', {body: {gracePeriodSeconds: 0}})
      assert.equal(d0.json.metadata.deletionGracePeriodSeconds, 0)
      await s.request('PATCH', '/api/v1/namespaces/default/pods/gf2', {body: [{op: 'remove', path: '/metadata/finalizers'}], headers: json})
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/gf2')).status, 404)
    })

    it('holds objects with finalizers until they are removed', async () => {
      await s.request('POST', '/api/v1/namespaces/default/configmaps', {body: {...cm('fin'), metadata: {name: 'fin', finalizers: ['x/y']}}})
      const d = await s.request('DELETE', '/api/v1/namespaces/default/configmaps/fin')
      assert.equal(d.status, 200)
      const held = await s.request('GET', '/api/v1/namespaces/default/configmaps/fin')
      assert.ok(held.json.metadata.deletionTimestamp)
      await s.request('PATCH', '/api/v1/namespaces/default/configmaps/fin', {body: [{op: 'remove', path: '/metadata/finalizers'}], headers: {'Content-Type': 'application/json-patch+json'}})
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps/fin')).status, 404)
    })

    it('applies merge, JSON and strategic patches and rejects unknown patch types', async () => {
      await s.request('POST', '/apis/apps/v1/namespaces/default/deployments', {body: deploy('p')})
      const path = '/apis/apps/v1/namespaces/default/deployments/p'
      const sm = await s.request('PATCH', path, {body: {spec: {template: {spec: {containers: [{name: 'side', image: 'busybox'}]}}}}, headers: {'Content-Type': 'application/strategic-merge-patch+json'}})
      assert.deepEqual(sm.json.spec.template.spec.containers.map((c: any) => c.name).sort(), ['c', 'side'])
      const jp = await s.request('PATCH', path, {body: [{op: 'replace', path: '/spec/replicas', value: 3}], headers: {'Content-Type': 'application/json-patch+json'}})
      assert.equal(jp.json.spec.replicas, 3)
      assert.equal((await s.request('PATCH', path, {body: {}, headers: {'Content-Type': 'text/plain'}})).status, 415)
      const ssa = await s.request('PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=me', {body: JSON.stringify(cm('ssa', {a: '1'})), headers: {'Content-Type': 'application/apply-patch+yaml'}})
      assert.equal(ssa.status, 201)
    })
  })
}

suite('memory', () => new MemoryStore(), (st, rev) => (st as MemoryStore).compact(rev))

describe('with a real etcd', function () {
  this.timeout(30_000)
  let etcd: TestEtcd
  before(async () => { etcd = await startEtcd() })
  after(async () => etcd?.stop())
  suite('etcd', () => new EtcdStore({hosts: etcd.endpoint}), (st, rev) => (st as EtcdStore).compact(rev))
})
