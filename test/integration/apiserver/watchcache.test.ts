// The watch cache over a real etcd: many client watches share one store watch, resume from memory, and older ones fall back to etcd.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import {WatchCache} from '../../../src/apiserver/watchcache.js'
import {EtcdStore, type StoreEvent} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {waitFor} from '../../helpers/wait.js'

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
})
