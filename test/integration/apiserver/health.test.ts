// Health endpoints over a real etcd: named checks, verbose output, single checks, and honest failure when etcd is gone.
import assert from 'node:assert/strict'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

describe('apiserver health (over etcd)', () => {
  let etcd: TestEtcd
  let store: EtcdStore
  let s: TestServer
  let etcdStopped = false

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    s = await startTestServer(store)
  })
  after(async () => {
    await s?.close()
    await store?.close()
    if (!etcdStopped) await etcd?.stop()
  })

  it('answers ok, lists every check with ?verbose, honours ?exclude and serves single checks, without credentials', async () => {
    for (const p of ['/livez', '/readyz', '/healthz']) {
      const r = await s.request('GET', p, {anonymous: true})
      assert.deepEqual([r.status, r.text], [200, 'ok'], p)
    }
    const v = await s.request('GET', '/readyz?verbose', {anonymous: true})
    assert.equal(v.status, 200)
    for (const line of ['[+]ping ok', '[+]etcd ok', '[+]etcd-readiness ok', '[+]informer-sync ok', '[+]poststarthook/rbac/bootstrap-roles ok', '[+]shutdown ok', 'readyz check passed']) {
      assert.ok(v.text.split('\n').includes(line), `${line} in:\n${v.text}`)
    }
    const ex = await s.request('GET', '/livez?verbose&exclude=etcd', {anonymous: true})
    assert.ok(ex.text.includes('[+]etcd excluded: ok'), ex.text)
    assert.deepEqual([(await s.request('GET', '/readyz/etcd', {anonymous: true})).text, (await s.request('GET', '/livez/ping', {anonymous: true})).status], ['ok', 200])
    assert.equal((await s.request('GET', '/readyz/no-such-check', {anonymous: true})).status, 404)
  })

  it('fails livez and readyz, naming the etcd check, once etcd is gone', async function () {
    this.timeout(20_000)
    await etcd.stop()
    etcdStopped = true
    const live = await s.request('GET', '/livez', {anonymous: true})
    assert.equal(live.status, 500)
    assert.ok(live.text.includes('[-]etcd failed: reason withheld'), live.text)
    assert.ok(live.text.includes('[+]ping ok'), live.text)
    assert.ok(live.text.trimEnd().endsWith('livez check failed'), live.text)
    const single = await s.request('GET', '/readyz/etcd', {anonymous: true})
    assert.equal(single.status, 500)
    assert.match(single.text, /^internal server error: /)
    const verbose = await s.request('GET', '/readyz?verbose', {anonymous: true})
    assert.match(verbose.text, /\[-\]etcd failed: (?!reason withheld)/)
  })
})
