// Ingress and IngressClass served over HTTP: the bootstrapped default class, 422 causes, kubectl's protobuf create body, the status subresource, Tables.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/protobuf')
const base = '/apis/networking.k8s.io/v1'

describe('apiserver: Ingress and IngressClass', () => {
  const store = new MemoryStore()
  let server: TestServer
  before(async () => {
    server = await startTestServer(store)
  })
  after(async () => server?.close())

  it('starts with the default IngressClass skiff, once, across restarts', async () => {
    const got = await server.request('GET', `${base}/ingressclasses/skiff`)
    assert.equal(got.status, 200)
    assert.equal(got.json.spec.controller, 'skiff.dev/ingress-controller')
    assert.equal(got.json.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true')
    const again = await startTestServer(store)
    await again.close()
    const list = await server.request('GET', `${base}/ingressclasses`)
    assert.deepEqual(list.json.items.map((c: {metadata: {name: string; resourceVersion: string}}) => [c.metadata.name, c.metadata.resourceVersion]), [['skiff', got.json.metadata.resourceVersion]])
  })

  it('rejects an invalid Ingress with 422 and Kubernetes field causes', async () => {
    const body = {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'bad'}, spec: {rules: [{host: 'a.test', http: {paths: [{path: '/', backend: {service: {name: 'web', port: {number: 80}}}}]}}]}}
    const r = await server.request('POST', `${base}/namespaces/default/ingresses`, {body})
    assert.equal(r.status, 422)
    assert.equal(r.json.message, 'Ingress.networking.k8s.io "bad" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified')
    assert.deepEqual(r.json.details.causes, [{reason: 'FieldValueRequired', field: 'spec.rules[0].http.paths[0].pathType', message: 'Required value: pathType must be specified'}])
  })

  it("creates from kubectl create ingress's protobuf body, and prints it as kubectl does", async () => {
    const raw = readFileSync(join(fixtures, 'ingress-tls.bin'))
    const created = await server.request('POST', `${base}/namespaces/default/ingresses`, {raw, headers: {'Content-Type': 'application/vnd.kubernetes.protobuf'}})
    assert.equal(created.status, 201, created.text)
    assert.equal(created.json.spec.rules[0].http.paths[0].backend.service.port.name, 'http')
    const table = await server.request('GET', `${base}/namespaces/default/ingresses/tls`, {headers: {Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io'}})
    assert.deepEqual(table.json.rows[0].cells.slice(0, 5), ['tls', 'default', 'foo.com,bar.com', '', '80, 443'])
  })

  it('takes the address through the status subresource only', async () => {
    const path = `${base}/namespaces/default/ingresses/tls`
    const current = (await server.request('GET', path)).json
    const lb = {ingress: [{ip: '127.0.0.1', ports: [{port: 8080, protocol: 'TCP'}]}]}
    assert.equal((await server.request('PUT', path, {body: {...current, status: {loadBalancer: lb}}})).status, 200)
    assert.deepEqual((await server.request('GET', path)).json.status, {loadBalancer: {}})
    const written = await server.request('PUT', `${path}/status`, {body: {...current, status: {loadBalancer: lb}}})
    assert.equal(written.status, 200, written.text)
    assert.deepEqual((await server.request('GET', path)).json.status.loadBalancer, lb)
  })
})
