// The behaviour every Store implementation must show, as one mocha suite run against MemoryStore (unit) and EtcdStore (integration).
import assert from 'node:assert/strict'
import type {Store, StoreError, StoreEvent} from '../../src/store/index.js'
import {waitFor} from './wait.js'

const obj = (name: string, extra: Record<string, unknown> = {}) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, resourceVersion: '999'}, ...extra})

function collect(store: Store, prefix: string, from: number): {events: StoreEvent[]; errors: StoreError[]; cancel: () => void; next(n: number): Promise<StoreEvent[]>} {
  const events: StoreEvent[] = []
  const errors: StoreError[] = []
  const cancel = store.watch(prefix, from, {onEvent: ev => events.push(ev), onError: err => errors.push(err)})
  return {
    events, errors, cancel,
    async next(n) {
      await waitFor(`${n} events`, async () => events.length >= n || errors.length > 0, 5000, 10)
      return events
    },
  }
}

/** Defines the behavioural suite of a Store implementation; `make` gives a fresh, empty store per test. */
export function storeContract(name: string, make: () => Promise<{store: Store; compact(rev: number): Promise<void> | void; done(): Promise<void>}>) {
  describe(`store: ${name}`, () => {
    let store: Store
    let compact: (rev: number) => Promise<void> | void
    let done: () => Promise<void>
    beforeEach(async () => ({store, compact, done} = await make()))
    afterEach(async () => done())

    it('creates once, gets with the mod revision and strips resourceVersion', async () => {
      const rev = await store.create('/registry/core/configmaps/default/a', obj('a'))
      await assert.rejects(store.create('/registry/core/configmaps/default/a', obj('a')), (e: StoreError) => e.code === 'AlreadyExists')
      const got = await store.get('/registry/core/configmaps/default/a')
      assert.equal(got?.modRevision, rev)
      assert.equal(got?.value.metadata.resourceVersion, undefined)
      assert.equal(await store.get('/registry/core/configmaps/default/zz'), undefined)
    })

    it('updates only at the expected revision', async () => {
      const key = '/registry/core/configmaps/default/b'
      const r1 = await store.create(key, obj('b'))
      const r2 = await store.update(key, obj('b', {data: {x: '1'}}), r1)
      assert.ok(r2 > r1)
      await assert.rejects(store.update(key, obj('b'), r1), (e: StoreError) => e.code === 'Conflict')
      await assert.rejects(store.update('/registry/x/nope', obj('b'), 1), (e: StoreError) => e.code === 'NotFound')
      assert.deepEqual((await store.get(key))?.value.data, {x: '1'})
    })

    it('deletes with an optional precondition and returns the last value', async () => {
      const key = '/registry/core/configmaps/default/c'
      const r1 = await store.create(key, obj('c', {data: {k: 'v'}}))
      await assert.rejects(store.delete(key, r1 - 1), (e: StoreError) => e.code === 'Conflict')
      const res = await store.delete(key, r1)
      assert.deepEqual(res.prev.value.data, {k: 'v'})
      assert.ok(res.revision > r1)
      await assert.rejects(store.delete(key), (e: StoreError) => e.code === 'NotFound')
    })

    it('lists a prefix in pages with continue tokens', async () => {
      for (const n of ['a', 'b', 'c', 'd', 'e']) await store.create(`/registry/core/configmaps/ns1/${n}`, obj(n))
      await store.create('/registry/core/configmaps/ns2/x', obj('x'))
      const all = await store.list('/registry/core/configmaps/ns1/')
      assert.deepEqual(all.items.map(i => i.value.metadata.name), ['a', 'b', 'c', 'd', 'e'])
      assert.equal(all.revision, await store.currentRevision())
      const p1 = await store.list('/registry/core/configmaps/ns1/', {limit: 2})
      assert.deepEqual(p1.items.map(i => i.value.metadata.name), ['a', 'b'])
      assert.equal(p1.remainingItemCount, 3)
      const p2 = await store.list('/registry/core/configmaps/ns1/', {limit: 2, continue: p1.continue})
      assert.deepEqual(p2.items.map(i => i.value.metadata.name), ['c', 'd'])
      const p3 = await store.list('/registry/core/configmaps/ns1/', {limit: 2, continue: p2.continue})
      assert.deepEqual(p3.items.map(i => i.value.metadata.name), ['e'])
      assert.equal(p3.continue, undefined)
    })

    it('watches from a revision: replay, live events, deletes carry the previous value', async () => {
      const key = '/registry/core/configmaps/w/a'
      const r1 = await store.create(key, obj('a'))
      const r2 = await store.update(key, obj('a', {data: {v: '2'}}), r1)
      const w = collect(store, '/registry/core/configmaps/w/', r1 - 1)
      await w.next(2)
      await store.delete(key)
      await store.create('/registry/core/other/w/a', obj('other'))
      const events = await w.next(3)
      w.cancel()
      assert.deepEqual(events.map(e => [e.type, e.revision > 0, e.created]), [['put', true, true], ['put', true, false], ['delete', true, false]])
      assert.equal(events[1].revision, r2)
      assert.deepEqual(events[2].value.data, {v: '2'})
    })

    it('reports a compacted start revision as Expired', async () => {
      const key = '/registry/core/configmaps/k/a'
      let rev = await store.create(key, obj('a'))
      for (let i = 0; i < 3; i++) rev = await store.update(key, obj('a', {data: {i: String(i)}}), rev)
      await compact(rev)
      const w = collect(store, '/registry/core/configmaps/k/', 1)
      await w.next(1)
      w.cancel()
      assert.equal(w.errors[0]?.code, 'Expired')
    })
  })
}
