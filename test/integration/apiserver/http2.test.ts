// The components' HTTP/2 client against the real apiserver (over etcd): one session carries requests and watches.
import assert from 'node:assert/strict'
import net from 'node:net'
import {ApiClient} from '../../../src/client/api-client.js'
import {ApiError} from '../../../src/client/errors.js'
import type {KubeObject, WatchEvent} from '../../../src/api/types.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

/** A TCP relay in front of the apiserver that counts the connections clients open and can cut them all. */
async function relay(port: number): Promise<{port: number; accepted: () => number; cut(): void; close(): Promise<void>}> {
  let accepted = 0
  const live = new Set<net.Socket>()
  const server = net.createServer((down) => {
    accepted++
    const up = net.connect(port, '127.0.0.1')
    for (const s of [down, up]) {
      live.add(s)
      s.on('close', () => live.delete(s))
      s.on('error', () => undefined)
    }
    down.pipe(up).pipe(down)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    cut: () => { for (const s of live) s.destroy() },
    close: () => new Promise((r) => { for (const s of live) s.destroy(); server.close(() => r()) }),
  }
}

describe('API client over HTTP/2 (etcd, apiserver)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let s: TestServer
  let r: Awaited<ReturnType<typeof relay>>
  let client: ApiClient

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    s = await startTestServer(store)
    r = await relay(s.port)
    const user = await s.issue('CN=h2-user,O=system:masters')
    client = new ApiClient({server: `https://127.0.0.1:${r.port}`, ca: s.ca, cert: user.cert, key: user.key, http2: true, timeoutMs: 5000})
  })
  after(async () => {
    client?.close()
    await r?.close()
    await s?.close()
    await store?.close()
    await etcd?.stop()
  })

  const cms = {version: 'v1', resource: 'configmaps', namespace: 'default'}

  it('authenticates with the client certificate and serves create, get, patch, list, delete and errors', async () => {
    const review = await client.create({group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews'}, {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {}} as KubeObject)
    assert.equal((review as KubeObject & {status: {userInfo: {username: string}}}).status.userInfo.username, 'h2-user')
    await client.create(cms, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a'}, data: {k: 'v'}} as KubeObject)
    const patched = await client.patch<KubeObject & {data: Record<string, string>}>({...cms, name: 'a'}, {data: {k: 'w'}})
    assert.equal(patched.data.k, 'w')
    assert.deepEqual((await client.list(cms)).items.map((o) => o.metadata.name), ['a'])
    await assert.rejects(client.get({...cms, name: 'missing'}), (err: unknown) => err instanceof ApiError && err.status.code === 404)
    await client.delete({...cms, name: 'a'})
  })

  it('carries many watches and requests at once over one connection', async () => {
    const before = r.accepted()
    const seen: string[][] = []
    const watches = Array.from({length: 20}, (_, i) => {
      seen[i] = []
      return client.watch(cms, {}, (ev: WatchEvent) => seen[i].push(`${ev.type} ${ev.object.metadata.name}`))
    })
    await Promise.all(Array.from({length: 10}, (_, i) => client.create(cms, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `m${i}`}} as KubeObject)))
    await waitFor('every watch saw every create', async () => seen.every((xs) => xs.filter((x) => x.startsWith('ADDED m')).length === 10), 10_000)
    assert.equal(r.accepted(), before, 'no connection beyond the session the first test opened')
    for (const w of watches) w.stop()
    await Promise.all(watches.map((w) => w.done))
  })

  it('a lost connection ends open watches (callers re-watch) and the next request opens a new session', async () => {
    const w = client.watch(cms, {}, () => undefined)
    await client.list(cms)
    const before = r.accepted()
    r.cut()
    await w.done
    assert.equal((await client.list(cms)).kind, 'ConfigMapList')
    assert.equal(r.accepted(), before + 1)
  })

  it('a request to a server that refuses connections fails with the network error, not a hang', async () => {
    const down = await relay(1)
    const port = down.port
    await down.close()
    const dead = new ApiClient({server: `https://127.0.0.1:${port}`, ca: s.ca, http2: true, timeoutMs: 2000})
    await assert.rejects(dead.list(cms), (err: Error & {code?: string}) => err.code === 'ECONNREFUSED')
    dead.close()
  })
})
