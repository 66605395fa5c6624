// The watch cache over a real etcd: many client watches share one store watch, resume from memory, and older ones fall back to etcd.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {WatchCache} from '../../../src/apiserver/watchcache.js'
import {EtcdStore, type StoreEvent} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {waitFor} from '../../helpers/wait.js'
import {startTestServer} from '../../helpers/apiserver.js'

const cm = (name: string, v: string): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'a'}, data: {v}})

describe('watch cache (over etcd)', () => {
  let etcd: TestEtcd
  let store: EtcdStore
  let cache: WatchCache

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    cache = new WatchCache(store, 5)
  })
  after(async () => {
    cache?.close()
    await store?.close()
    await etcd?.stop()
  })

  function collect(prefix: string, from: number) {
    const events: StoreEvent[] = []
    const errors: string[] = []
    const cancel = cache.watch(prefix, from, {onEvent: (ev) => events.push(ev), onError: (err) => errors.push(err.code)})
    return {events, errors, cancel}
  }

  it('fans one store watch out to every client, each filtered by its prefix and revision, in order', async () => {
    const start = await store.currentRevision()
    const watchers = Array.from({length: 20}, () => collect('/registry/core/configmaps/', start))
    const inA = collect('/registry/core/configmaps/a/', start)
    const inB = collect('/registry/core/configmaps/b/', start)
    assert.deepEqual(cache.stats(), {storeWatches: 1, clientWatches: 22})
    const r1 = await store.create('/registry/core/configmaps/a/x', cm('x', '1'))
    const r2 = await store.update('/registry/core/configmaps/a/x', cm('x', '2'), r1)
    await waitFor('every watcher saw both events', async () => watchers.every((w) => w.events.length === 2) && inA.events.length === 2, 5000, 20)
    for (const w of watchers) assert.deepEqual(w.events.map((e) => e.revision), [r1, r2])
    assert.equal(inB.events.length, 0)
    assert.equal(inA.events[1].prev?.data?.v, '1', 'the previous value travels with an update')
    // A client resuming after r1 gets r2 only, from memory.
    const resumed = collect('/registry/core/configmaps/', r1)
    await waitFor('the resumed watch replayed r2', async () => resumed.events.length === 1, 5000, 20)
    assert.equal(resumed.events[0].revision, r2)
    assert.equal(cache.stats().storeWatches, 1)
    for (const w of [...watchers, inA, inB, resumed]) w.cancel()
  })

  it('a watch older than the window is served by etcd itself, and 410 once etcd compacted it', async () => {
    const base = await store.currentRevision()
    for (let i = 0; i < 8; i++) await store.create(`/registry/core/configmaps/a/w${i}`, cm(`w${i}`, String(i)))
    // The window keeps 5 events: a watch from base needs 8 of them, so it goes to etcd and still sees every one.
    const old = collect('/registry/core/configmaps/', base)
    await waitFor('all 8 events from etcd', async () => old.events.length === 8, 5000, 20)
    old.cancel()
    await store.compact(await store.currentRevision())
    const gone = collect('/registry/core/configmaps/', base)
    await waitFor('410 Expired', async () => gone.errors.length === 1, 5000, 20)
    assert.deepEqual(gone.errors, ['Expired'])
  })

  it('serves lists from memory after one store list: current objects in key order, filtered by prefix, at the revision reached', async () => {
    const lists: string[] = []
    const counting = Object.assign(Object.create(store) as EtcdStore, {list: (prefix: string, opts?: object) => (lists.push(prefix), store.list(prefix, opts))})
    const c = new WatchCache(counting, 100)
    try {
      const root = '/registry/core/secrets/'
      const r1 = await store.create(`${root}a/s2`, cm('s2', '1'))
      await store.create(`${root}b/s1`, cm('s1', '1'))
      const first = await c.list(root, 0)
      assert.deepEqual(first?.items.map((i) => i.key), [`${root}a/s2`, `${root}b/s1`])
      // Changes after the first list reach the cached objects through the store watch.
      const r2 = await store.update(`${root}a/s2`, cm('s2', '2'), r1)
      await store.delete(`${root}b/s1`)
      const r3 = await store.create(`${root}a/s0`, cm('s0', '1'))
      await waitFor('the cache reached r3', async () => ((await c.list(root, 0))?.revision ?? 0) >= r3, 5000, 20)
      const later = await c.list(`${root}a/`, r3)
      assert.deepEqual(later?.items.map((i) => [i.key, i.value.data?.v, i.modRevision]), [[`${root}a/s0`, '1', r3], [`${root}a/s2`, '2', r2]])
      assert.equal(lists.length, 1, 'one store list, then memory')
      // A revision the cache has not reached is not answered from memory.
      assert.equal(await c.list(root, r3 + 1000), undefined)
    } finally {
      c.close()
    }
  })

  it('the apiserver answers resourceVersion=0 lists from the cache, with selectors, and follows deletes', async () => {
    const server = await startTestServer(store)
    try {
      const cms = '/api/v1/namespaces/default/configmaps'
      for (const [name, tier] of [['l1', 'web'], ['l2', 'db']]) {
        assert.equal((await server.request('POST', cms, {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, labels: {tier}}}})).status, 201)
      }
      const all = await server.request('GET', `${cms}?resourceVersion=0`)
      assert.equal(all.status, 200)
      assert.deepEqual(all.json.items.map((i: KubeObject) => i.metadata.name), ['l1', 'l2'])
      assert.equal(all.json.items[0].kind, 'ConfigMap')
      const web = await server.request('GET', `${cms}?resourceVersion=0&labelSelector=tier%3Dweb`)
      assert.deepEqual(web.json.items.map((i: KubeObject) => i.metadata.name), ['l1'])
      await server.request('DELETE', `${cms}/l1`)
      await waitFor('the cached list lost l1', async () => (await server.request('GET', `${cms}?resourceVersion=0`)).json.items.length === 1, 5000, 20)
    } finally {
      await server.close()
    }
  })
})
