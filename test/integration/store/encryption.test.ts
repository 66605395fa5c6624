// EtcdStore with the encryption-at-rest transformer on a real etcd: ciphertext in etcd, plain objects through the store and its watches.
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {Etcd3} from 'etcd3'
import yaml from 'js-yaml'
import type {KubeObject} from '../../../src/api/types.js'
import {defaultEncryptionConfig} from '../../../src/cluster/encryption-config.js'
import {EtcdStore, parseEncryptionConfig, type StoreEvent} from '../../../src/store/index.js'
import {startTestServer} from '../../helpers/apiserver.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'

const secret = (name: string, password: string): KubeObject => ({apiVersion: 'v1', kind: 'Secret', metadata: {name, namespace: 'default'}, data: {password}} as KubeObject)

describe('encryption at rest on a real etcd', function () {
  this.timeout(30_000)
  let etcd: TestEtcd
  let raw: Etcd3
  const stores: EtcdStore[] = []
  const key1 = randomBytes(32)
  const open = (config: string) => {
    const s = new EtcdStore({hosts: etcd.endpoint}, parseEncryptionConfig(config))
    stores.push(s)
    return s
  }
  before(async () => {
    etcd = await startEtcd()
    raw = new Etcd3({hosts: etcd.endpoint})
  })
  afterEach(async () => {
    await raw.delete().prefix('/registry/')
    for (const s of stores.splice(0)) await s.close()
  })
  after(async () => {
    raw?.close()
    await etcd?.stop()
  })

  it('stores Secrets encrypted and reads, lists and updates them in plain', async () => {
    const store = open(defaultEncryptionConfig(key1))
    const key = '/registry/core/secrets/default/x'
    const rev = await store.create(key, secret('x', 'aHVudGVyMg=='))
    const stored = await raw.get(key).buffer()
    assert.ok(stored)
    assert.equal(stored.subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key1:')
    assert.ok(!stored.includes(Buffer.from('aHVudGVyMg==')))
    assert.ok(!stored.includes(Buffer.from('"Secret"')))
    assert.equal((await store.get(key))?.value.data?.password, 'aHVudGVyMg==')
    await store.update(key, secret('x', 'c2Vjb25k'), rev)
    const page = await store.list('/registry/core/secrets/')
    assert.deepEqual(page.items.map((i) => i.value.data?.password), ['c2Vjb25k'])
    const gone = await store.delete(key)
    assert.equal(gone.prev.value.data?.password, 'c2Vjb25k')
  })

  it('leaves other resources in plain JSON', async () => {
    const store = open(defaultEncryptionConfig(key1))
    const key = '/registry/core/configmaps/default/c'
    await store.create(key, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'default'}, data: {a: 'b'}} as KubeObject)
    assert.equal(JSON.parse(String(await raw.get(key).string())).data.a, 'b')
  })

  it('delivers decrypted objects to watches (put, update, delete)', async () => {
    const store = open(defaultEncryptionConfig(key1))
    const key = '/registry/core/secrets/default/w'
    const from = await store.currentRevision()
    const events: StoreEvent[] = []
    const errors: unknown[] = []
    const cancel = store.watch('/registry/core/secrets/', from, {onEvent: (e) => events.push(e), onError: (e) => errors.push(e)})
    try {
      const rev = await store.create(key, secret('w', 'b25l'))
      await store.update(key, secret('w', 'dHdv'), rev)
      await store.delete(key)
      const deadline = Date.now() + 10_000
      while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    } finally {
      cancel()
    }
    assert.deepEqual(errors, [])
    assert.deepEqual(events.map((e) => [e.type, e.value.data?.password, e.prev?.data?.password]), [
      ['put', 'b25l', undefined], ['put', 'dHdv', 'b25l'], ['delete', 'dHdv', undefined],
    ])
  })

  it('reads data written before encryption and under the old key after a rotation', async () => {
    const key2 = randomBytes(32)
    const plainKey = '/registry/core/secrets/default/plain'
    await raw.put(plainKey).value(JSON.stringify(secret('plain', 'cGxhaW4=')))
    const before = open(defaultEncryptionConfig(key1, 'key1'))
    await before.create('/registry/core/secrets/default/old', secret('old', 'b2xk'))
    // The rotation's first step: the new key first (it writes), the old one second (it still reads).
    const rotated = parseEncryptionConfig(yaml.dump({apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{
      resources: ['secrets'],
      providers: [{aesgcm: {keys: [{name: 'key2', secret: key2.toString('base64')}, {name: 'key1', secret: key1.toString('base64')}]}}, {identity: {}}],
    }]}))
    const after = new EtcdStore({hosts: etcd.endpoint}, rotated)
    stores.push(after)
    const page = await after.list('/registry/core/secrets/')
    assert.deepEqual(page.items.map((i) => i.value.data?.password).sort(), ['b2xk', 'cGxhaW4='])
    await after.create('/registry/core/secrets/default/new', secret('new', 'bmV3'))
    assert.equal(String(await raw.get('/registry/core/secrets/default/new').string()).slice(0, 23), 'k8s:enc:aesgcm:v1:key2:')
  })

  it('fails a read loudly when the key is unknown', async () => {
    await open(defaultEncryptionConfig(key1)).create('/registry/core/secrets/default/x', secret('x', 'eA=='))
    const stranger = open(defaultEncryptionConfig(randomBytes(32), 'other'))
    await assert.rejects(stranger.get('/registry/core/secrets/default/x'), /cannot decrypt .*no provider for k8s:enc:aesgcm:v1:key1/)
  })

  it('ends a watch with an error instead of skipping an event it cannot decrypt', async () => {
    const writer = open(defaultEncryptionConfig(key1))
    const reader = open(defaultEncryptionConfig(randomBytes(32), 'other'))
    const errors: Error[] = []
    const events: StoreEvent[] = []
    const cancel = reader.watch('/registry/core/secrets/', await reader.currentRevision(), {onEvent: (e) => events.push(e), onError: (e) => errors.push(e)})
    try {
      await writer.create('/registry/core/secrets/default/x', secret('x', 'eA=='))
      const deadline = Date.now() + 10_000
      while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    } finally {
      cancel()
    }
    assert.deepEqual(events, [])
    assert.equal(errors.length, 1)
    assert.match(errors[0].message, /cannot decrypt \/registry\/core\/secrets\/default\/x/)
  })

  it('through the apiserver: a Secret created over the API is ciphertext in etcd and reads and watches back in plain', async () => {
    const store = open(defaultEncryptionConfig(key1))
    const server = await startTestServer(store)
    try {
      const watch = server.stream('/api/v1/namespaces/default/secrets?watch=true')
      const created = await server.request('POST', '/api/v1/namespaces/default/secrets', {body: {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'api'}, stringData: {password: 'hunter2'}}})
      assert.equal(created.status, 201, created.text)
      const stored = await raw.get('/registry/core/secrets/default/api').buffer()
      assert.ok(stored)
      assert.equal(stored.subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key1:')
      assert.ok(!stored.includes(Buffer.from(Buffer.from('hunter2').toString('base64'))))
      const got = await server.request('GET', '/api/v1/namespaces/default/secrets/api')
      assert.equal(Buffer.from(got.json.data.password, 'base64').toString(), 'hunter2')
      const [ev] = await watch.next(1)
      watch.close()
      assert.equal(ev.type, 'ADDED')
      assert.equal(Buffer.from(ev.object.data.password, 'base64').toString(), 'hunter2')
    } finally {
      await server.close()
    }
  })
})
