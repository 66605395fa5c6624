// The in-flight bound on a real apiserver over etcd: a full mutating bucket answers 429 with Retry-After, reads and watches still pass.
import assert from 'node:assert/strict'
import https from 'node:https'
import type {AdmissionPlugin} from '../../../src/apiserver/admission/index.js'
import type {ServerContext} from '../../../src/apiserver/context.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'
import type {TestCert} from '../../helpers/pki.js'

const cms = '/api/v1/namespaces/default/configmaps'

describe('requests in flight (apiserver over etcd)', () => {
  let etcd: TestEtcd
  let store: EtcdStore
  let s: TestServer
  let user: TestCert
  // Creates of configmaps named hold-* wait here until the test lets them go: a slow request, held in flight.
  let release!: () => void
  let held = new Promise<void>((r) => (release = r))
  const hold: AdmissionPlugin<ServerContext> = {name: 'Hold', operations: ['CREATE'], async validate(attrs) {
    if (attrs.def.kind === 'ConfigMap' && attrs.name.startsWith('hold-')) await held
  }}

  function as(method: string, path: string, body?: unknown): Promise<{status: number; headers: Record<string, unknown>; json: any}> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
      const req = https.request({host: '127.0.0.1', port: s.port, method, path, ca: s.ca, cert: user.cert, key: user.key, agent: false,
        headers: data ? {'Content-Type': 'application/json', 'Content-Length': String(data.length)} : {}}, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode!, headers: res.headers, json: text.startsWith('{') ? JSON.parse(text) : undefined}))
      })
      req.on('error', reject)
      req.end(data)
    })
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    s = await startTestServer(store, {maxInflight: {readOnly: 2, mutating: 1}, admission: [hold]})
    user = await s.issue('CN=flood,O=developers')
  })
  after(async () => {
    release()
    await s?.close()
    await store?.close()
    await etcd?.stop()
  })

  const cm = (name: string) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}})

  it('a second write while one is in flight is 429 TooManyRequests with Retry-After: 1; reads, watches and system:masters pass', async () => {
    const first = as('POST', cms, cm('hold-1'))
    await new Promise((r) => setTimeout(r, 200))
    const second = await as('POST', cms, cm('other'))
    assert.equal(second.status, 429)
    assert.equal(second.headers['retry-after'], '1')
    assert.deepEqual([second.json.reason, second.json.message], ['TooManyRequests', 'Too many requests, please try again later.'])
    assert.equal((await as('GET', cms)).status, 200, 'the read-only bucket is apart')
    assert.equal((await s.request('POST', cms, {body: cm('by-admin')})).status, 201, 'system:masters is not limited')
    const w = s.stream(`${cms}?watch=true`)
    const w2 = s.stream(`${cms}?watch=true`)
    assert.equal((await as('GET', cms)).status, 200, 'watches take no read-only slot')
    w.close()
    w2.close()
    release()
    assert.equal((await first).status, 201)
    assert.equal((await as('POST', cms, cm('after'))).status, 201, 'the slot is given back when the response ends')
  })

  it('health endpoints answer while the buckets are full', async () => {
    held = new Promise<void>((r) => (release = r))
    const stuck = as('POST', cms, cm('hold-2'))
    await new Promise((r) => setTimeout(r, 200))
    assert.equal((await as('POST', cms, cm('x'))).status, 429)
    assert.equal((await s.request('GET', '/readyz', {anonymous: true})).status, 200)
    release()
    assert.equal((await stuck).status, 201)
  })
})
