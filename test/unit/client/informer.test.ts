// Tests of the informer: list then watch, resume from the last resourceVersion, relist on 410, backoff, frozen cache.
import assert from 'node:assert/strict'
import type {KubeList, KubeObject, WatchEvent} from '../../../src/api/types.js'
import type {WatchHandle, WatchOptions} from '../../../src/client/api-client.js'
import {FakeClock, flushMicrotasks} from '../../../src/api/clock.js'
import {ApiError, statusFromResponse} from '../../../src/client/errors.js'
import {Informer, type ListWatcher} from '../../../src/client/informer.js'

const cm = (name: string, rv: string, data = ''): KubeObject => ({metadata: {name, namespace: 'ns', resourceVersion: rv}, data: {v: data}})

/** A scripted list/watch source: each list() answers the next scripted list, each watch() is a stream the test drives. */
class FakeSource implements ListWatcher {
  lists: (KubeList | Error)[] = []
  listCalls = 0
  watches: {opts: WatchOptions; emit: (ev: WatchEvent) => void; end: (err?: Error) => void; stopped: boolean}[] = []

  async list<T extends KubeObject>(): Promise<KubeList<T>> {
    this.listCalls++
    const next = this.lists.shift()
    if (!next) throw new Error('no list scripted')
    if (next instanceof Error) throw next
    return next as KubeList<T>
  }

  watch<T extends KubeObject>(_t: unknown, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let settle!: (err?: Error) => void
    const done = new Promise<void>((res, rej) => (settle = (err) => (err ? rej(err) : res())))
    const w = {
      opts,
      stopped: false,
      emit: (ev: WatchEvent) => onEvent(ev as WatchEvent<T>),
      end: (err?: Error) => settle(err),
    }
    this.watches.push(w)
    return {
      stop: () => {
        w.stopped = true
        settle()
      },
      done,
    }
  }

  get last() {
    return this.watches.at(-1)!
  }
}

const list = (rv: string, items: KubeObject[]): KubeList => ({apiVersion: 'v1', kind: 'ConfigMapList', metadata: {resourceVersion: rv}, items})

describe('Informer', () => {
  let clock: FakeClock
  let src: FakeSource
  let ctl: AbortController
  let log: string[]
  let inf: Informer
  let seen: string[]
  let run: Promise<void>

  beforeEach(async () => {
    clock = new FakeClock()
    src = new FakeSource()
    ctl = new AbortController()
    log = []
    seen = []
    inf = new Informer(src, '/api/v1/configmaps', {clock, log: (m) => log.push(m), watchTimeoutSeconds: 60})
    inf.addHandlers({
      onAdd: (o) => seen.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
      onUpdate: (a, b) => seen.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    })
  })

  afterEach(async () => {
    ctl.abort()
    await run
  })

  it('lists, syncs, then watches from the list resourceVersion and applies events', async () => {
    src.lists.push(list('10', [cm('a', '5'), cm('b', '6')]))
    run = inf.run(ctl.signal)
    assert.equal(await inf.waitForSync(), true)
    await flushMicrotasks()
    assert.equal(inf.hasSynced(), true)
    assert.equal(src.last.opts.resourceVersion, '10')
    assert.equal(src.last.opts.allowWatchBookmarks, true)
    src.last.emit({type: 'MODIFIED', object: cm('a', '11', 'x')})
    src.last.emit({type: 'DELETED', object: cm('b', '12')})
    src.last.emit({type: 'ADDED', object: cm('c', '13')})
    src.last.emit({type: 'BOOKMARK', object: {metadata: {resourceVersion: '20'}}})
    assert.deepEqual(seen, ['add a@5', 'add b@6', 'update a@5->11', 'delete b', 'add c@13'])
    assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['a', 'c'])
    assert.equal(inf.resourceVersion, '20')
    assert.ok(Object.isFrozen(inf.get('ns/a')!.data), 'cached objects are deeply frozen')
  })

  it('is shared: a second run() joins the running loop (one list, one watch), and a late user gets the cache replayed', async () => {
    src.lists.push(list('10', [cm('a', '5')]))
    run = inf.run(ctl.signal)
    const again = inf.run(new AbortController().signal)
    assert.equal(again, run, 'the same loop')
    await inf.waitForSync()
    await flushMicrotasks()
    const late: string[] = []
    inf.addHandlers({onAdd: (o) => late.push(`add ${o.metadata.name}`), onUpdate: (_a, b) => late.push(`update ${b.metadata.name}`)})
    src.last.emit({type: 'MODIFIED', object: cm('a', '11', 'x')})
    assert.equal(src.listCalls, 1)
    assert.equal(src.watches.length, 1)
    assert.deepEqual(late, ['add a', 'update a'])
    assert.deepEqual(seen, ['add a@5', 'update a@5->11'])
  })

  it('re-watches from the last resourceVersion when the stream ends, without relisting', async () => {
    src.lists.push(list('10', [cm('a', '5')]))
    run = inf.run(ctl.signal)
    await inf.waitForSync()
    await flushMicrotasks()
    src.last.emit({type: 'MODIFIED', object: cm('a', '15')})
    src.last.end()
    await flushMicrotasks()
    assert.equal(src.watches.length, 2)
    assert.equal(src.last.opts.resourceVersion, '15')
    assert.equal(src.listCalls, 1)
  })

  it('relists on a 410 ERROR event, emitting the differences as add/update/delete', async () => {
    src.lists.push(list('10', [cm('a', '5'), cm('b', '6')]))
    src.lists.push(list('30', [cm('a', '25'), cm('c', '26')]))
    run = inf.run(ctl.signal)
    await inf.waitForSync()
    await flushMicrotasks()
    const first = src.last
    first.emit({type: 'ERROR', object: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 10 (20)'} as any})
    await flushMicrotasks()
    assert.equal(first.stopped, true, 'the informer stops a stream after ERROR even if the server does not close it')
    assert.equal(src.listCalls, 2)
    assert.deepEqual(seen.slice(2), ['update a@5->25', 'add c@26', 'delete b'])
    assert.equal(src.last.opts.resourceVersion, '30')
  })

  it('relists on an HTTP 410 answer to the watch', async () => {
    src.lists.push(list('10', []))
    src.lists.push(list('40', [cm('z', '39')]))
    run = inf.run(ctl.signal)
    await inf.waitForSync()
    await flushMicrotasks()
    src.last.end(new ApiError(statusFromResponse(410, '{"kind":"Status","code":410,"reason":"Expired","message":"gone"}')))
    await flushMicrotasks()
    assert.equal(src.listCalls, 2)
    assert.deepEqual(seen, ['add z@39'])
  })

  it('backs off exponentially while the server fails, and resets after progress', async () => {
    src.lists.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'), list('1', []))
    run = inf.run(ctl.signal)
    await flushMicrotasks()
    assert.equal(src.listCalls, 1)
    await clock.advance(99)
    assert.equal(src.listCalls, 1, 'first retry after 100 ms')
    await clock.advance(1)
    assert.equal(src.listCalls, 2)
    await clock.advance(199)
    assert.equal(src.listCalls, 2, 'second retry after 200 ms more')
    await clock.advance(1)
    assert.equal(src.listCalls, 3)
    await clock.advance(400)
    assert.equal(src.listCalls, 4)
    assert.equal(inf.hasSynced(), true)
    assert.ok(log.some((l) => l.includes('ECONNREFUSED')))
  })

  it('replays cached objects to handlers added after sync', async () => {
    src.lists.push(list('10', [cm('a', '5')]))
    run = inf.run(ctl.signal)
    await inf.waitForSync()
    const late: string[] = []
    inf.addHandlers({onAdd: (o) => late.push(o.metadata.name!)})
    assert.deepEqual(late, ['a'])
  })
})
