// Hostile and malformed requests against a real apiserver over etcd: each is a 4xx naming the problem, and the store stays usable.
import assert from 'node:assert/strict'
import https from 'node:https'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const cms = '/api/v1/namespaces/default/configmaps'

/** `depth` levels of {"a": ...} as JSON text, built as text so the client's own JSON.stringify cannot overflow. */
function nestedJson(depth: number): string {
  return '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth)
}

const pods = '/api/v1/namespaces/default/pods'
const secrets = '/api/v1/namespaces/default/secrets'
const deployments = '/apis/apps/v1/namespaces/default/deployments'

function pod(name: string, spec: string): string {
  return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{${spec}}}`
}

/** A valid Deployment with `extra` spec fields. */
function deployment(name: string, extra: string): string {
  const template = '"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}'
  return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{${template},${extra}}}`
}

function configMap(name: string, extra: string): string {
  return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"${extra}}}`
}

describe('hostile requests (apiserver over etcd)', () => {
  let etcd: TestEtcd
  let store: EtcdStore
  let s: TestServer

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    s = await startTestServer(store)
  })
  after(async () => {
    await s?.close()
    await store?.close()
    await etcd?.stop()
  })

  const json = {'Content-Type': 'application/json'}
  const cases: Array<{what: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number; message: RegExp}> = [
    {what: 'annotations nested 2,000 deep', method: 'POST', path: cms, body: configMap('deep', `,"annotations":${nestedJson(2000)}`), status: 400, message: /error decoding JSON: exceeded max depth of 512/},
    {what: 'data nested 100,000 deep', method: 'POST', path: cms, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deeper"},"data":{"x":${nestedJson(100_000)}}}`, status: 400, message: /exceeded max depth/},
    {what: 'YAML nested 5,000 deep', method: 'POST', path: cms, body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, annotations: ${'{a: '.repeat(5000)}x${'}'.repeat(5000)}}\n`, headers: {'Content-Type': 'application/yaml'}, status: 400, message: /error decoding YAML: exceeded max depth/},
    {what: 'metadata.name a number', method: 'POST', path: cms, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":123}}', status: 400, message: /ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string/},
    {what: 'annotations holding an object', method: 'POST', path: cms, body: configMap('ann', ',"annotations":{"a":{"b":"c"}}'), status: 400, message: /cannot unmarshal object into Go struct field ObjectMeta.metadata.annotations of type string/},
    {what: 'finalizers a string', method: 'POST', path: cms, body: configMap('fin', ',"finalizers":"x"'), status: 400, message: /ObjectMeta.metadata.finalizers of type \[\]string/},
    {what: 'ownerReferences a string', method: 'POST', path: cms, body: configMap('own', ',"ownerReferences":"x"'), status: 400, message: /ObjectMeta.metadata.ownerReferences of type \[\]v1.OwnerReference/},
    {what: 'generation a fraction', method: 'POST', path: cms, body: configMap('gen', ',"generation":1.5'), status: 400, message: /cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64/},
    {what: 'a label value that is a number', method: 'POST', path: cms, body: configMap('lab', ',"labels":{"a":1}'), status: 400, message: /cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string/},
    {what: 'tolerations a string', method: 'POST', path: pods, body: pod('tol', '"tolerations":"abc","containers":[{"name":"a","image":"x"}]'), status: 400, message: /Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.tolerations of type \[\]v1.Toleration/},
    {what: 'containers a string', method: 'POST', path: pods, body: pod('ctr', '"containers":"x"'), status: 400, message: /PodSpec.spec.containers of type \[\]v1.Container/},
    {what: 'a container port of the wrong type', method: 'POST', path: pods, body: pod('port', '"containers":[{"name":"a","image":"x","ports":[{"containerPort":"80"}]}]'), status: 400, message: /Go struct field ContainerPort.spec.containers.ports.containerPort of type int32/},
    {what: 'a CPU limit that is not a quantity', method: 'POST', path: pods, body: pod('cpu', '"containers":[{"name":"a","image":"x","resources":{"limits":{"cpu":"lots"}}}]'), status: 400, message: /quantities must match the regular expression/},
    {what: 'replicas a word', method: 'POST', path: deployments, body: deployment('three', '"replicas":"three"'), status: 400, message: /Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32/},
    {what: 'replicas beyond int32', method: 'POST', path: deployments, body: deployment('huge', '"replicas":1e12'), status: 400, message: /cannot unmarshal number 1000000000000 into Go struct field DeploymentSpec.spec.replicas of type int32/},
    {what: 'maxSurge a fraction', method: 'POST', path: deployments, body: deployment('surge', '"strategy":{"rollingUpdate":{"maxSurge":2.5}}'), status: 400, message: /cannot unmarshal number 2.5 into Go value of type int32/},
    {what: 'ConfigMap data holding an object', method: 'POST', path: cms, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nested"},"data":{"a":{"b":1}}}', status: 400, message: /cannot unmarshal object into Go struct field ConfigMap.data of type string/},
    {what: 'Secret data that is not base64', method: 'POST', path: secrets, body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b64"},"data":{"a":"not base64!"}}', status: 400, message: /Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3/},
    {what: 'unknown nested fields under fieldValidation=Strict', method: 'POST', path: `${deployments}?fieldValidation=Strict`, body: deployment('typo', '"replica":2'), status: 400, message: /^Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"$/},
    {what: 'metadata an array', method: 'POST', path: cms, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":[]}', status: 400, message: /metadata must be an object/},
    {what: 'a body that is an array', method: 'POST', path: cms, body: '[1,2]', status: 400, message: /must be an object/},
    {what: 'a truncated JSON body', method: 'POST', path: cms, body: '{"apiVersion":', status: 400, message: /error decoding JSON/},
    {what: 'a name of 100,000 characters', method: 'POST', path: cms, body: configMap('a'.repeat(100_000), ''), status: 422, message: /must be no more than 253 characters/},
    {what: 'a kind that does not match the URL', method: 'POST', path: cms, body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"k"}}', status: 400, message: /expected "ConfigMap"/},
    {what: 'an unsupported content type', method: 'POST', path: cms, body: 'x', headers: {'Content-Type': 'text/html'}, status: 415, message: /text\/html/},
    {what: 'a key given twice under fieldValidation=Strict', method: 'POST', path: `${cms}?fieldValidation=Strict`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup2"},"data":{"a":"1","a":"2"}}', status: 400, message: /^ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", duplicate field "data.a"$/},
    {what: 'a bad label selector', method: 'GET', path: `${cms}?labelSelector=${encodeURIComponent('a in (')}`, status: 400, message: /unable to parse requirement/},
    {what: 'a bad field selector', method: 'GET', path: `${cms}?fieldSelector=foo`, status: 400, message: /invalid field selector/},
    {what: 'a watch from a resourceVersion that is not a number', method: 'GET', path: `${cms}?watch=true&resourceVersion=abc`, status: 400, message: /invalid resource version/},
    {what: 'a forged continue token', method: 'GET', path: `${cms}?limit=1&continue=zzz`, status: 400, message: /continue/},
    {what: 'a merge patch that is not an object', method: 'PATCH', path: `${cms}/target`, body: '"x"', headers: {'Content-Type': 'application/merge-patch+json'}, status: 400, message: /./},
  ]

  before(async () => {
    const r = await s.request('POST', cms, {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'target'}, data: {a: 'b'}}})
    assert.equal(r.status, 201, r.text)
  })

  for (const c of cases) {
    it(`${c.what} → ${c.status}`, async () => {
      const r = await s.request(c.method, c.path, {raw: c.body === undefined ? undefined : Buffer.from(c.body), headers: {...(c.body === undefined ? {} : json), ...c.headers}})
      assert.equal(r.status, c.status, r.text.slice(0, 300))
      assert.equal(r.json?.kind, 'Status', r.text.slice(0, 300))
      assert.match(r.json.message, c.message)
    })
  }

  it('a key given twice under fieldValidation=Warn is stored (the last wins) with a Warning naming it', async () => {
    const r = await s.request('POST', `${cms}?fieldValidation=Warn`, {raw: Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"},"data":{"a":"1","a":"2"}}'), headers: json})
    assert.equal(r.status, 201, r.text)
    assert.equal(r.json.data.a, '2')
    assert.match(String(r.headers.warning), /duplicate field \\"data.a\\"/)
    assert.equal((await s.request('DELETE', `${cms}/twice`)).status, 200)
  })

  it('a merge patch cannot deepen an object past the limit one step at a time', async () => {
    const step = JSON.parse(nestedJson(300)) as Record<string, unknown>
    const first = await s.request('PATCH', `${cms}/target`, {body: {data: null, metadata: {annotations: null}, binaryData: null, immutable: null, a: step}, headers: {'Content-Type': 'application/merge-patch+json'}})
    assert.equal(first.status, 200, first.text.slice(0, 300))
    // Replacing the innermost leaf with 300 more levels would make 600: refused before it is stored.
    let deeper: Record<string, unknown> = {a: 'x'}
    for (let i = 0; i < 300; i++) deeper = {a: deeper}
    let patchBody: Record<string, unknown> = deeper
    for (let i = 0; i < 300; i++) patchBody = {a: patchBody}
    const second = await s.request('PATCH', `${cms}/target`, {raw: Buffer.from(JSON.stringify({a: patchBody})), headers: {'Content-Type': 'application/merge-patch+json'}})
    assert.equal(second.status, 400, second.text.slice(0, 300))
  })

  it('resourceVersion on lists and watches: Exact reads the past, compacted is 410, the future is 504 Too large resource version', async () => {
    const made = await s.request('POST', cms, {body: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'then'}, data: {v: '1'}}})
    const then = Number(made.json.metadata.resourceVersion)
    const changed = await s.request('PUT', `${cms}/then`, {body: {...made.json, data: {v: '2'}}})
    assert.equal(changed.status, 200, changed.text)
    const past = await s.request('GET', `${cms}?resourceVersion=${then}&resourceVersionMatch=Exact`)
    assert.equal(past.status, 200, past.text)
    assert.equal(past.json.metadata.resourceVersion, String(then))
    assert.equal(past.json.items.find((i: {metadata: {name: string}}) => i.metadata.name === 'then').data.v, '1')
    const now = Number(changed.json.metadata.resourceVersion)
    const future = now + 1000
    for (const path of [`${cms}?resourceVersion=${future}`, `${cms}?resourceVersion=${future}&resourceVersionMatch=Exact`, `${cms}?watch=true&resourceVersion=${future}`]) {
      const r = await s.request('GET', path)
      assert.equal(r.status, 504, `${path}: ${r.text}`)
      assert.match(r.json.message, new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`))
      assert.equal(r.json.details.causes[0].reason, 'ResourceVersionTooLarge')
    }
    const forbidden = await s.request('GET', `${cms}?resourceVersionMatch=Exact`)
    assert.equal(forbidden.status, 422, forbidden.text)
    assert.match(forbidden.json.message, /resourceVersionMatch is forbidden unless resourceVersion is provided/)
    await store.compact(now)
    const old = await s.request('GET', `${cms}?resourceVersion=${then}&resourceVersionMatch=Exact`)
    assert.equal(old.status, 410, old.text)
    assert.match(old.json.message, /The resourceVersion for the provided list is too old/)
    const w = s.stream(`${cms}?watch=true&resourceVersion=${then}`)
    const [ev] = await w.next(1)
    w.close()
    assert.equal(ev.type, 'ERROR')
    assert.equal(ev.object.code, 410)
    assert.equal((await s.request('DELETE', `${cms}/then`)).status, 200)
  })

  it('a CA-signed certificate for server use only does not authenticate a client', async () => {
    const serverOnly = await s.issue('CN=impostor,O=system:masters', {server: true})
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({host: '127.0.0.1', port: s.port, path: '/api/v1/namespaces', ca: s.ca, cert: serverOnly.cert, key: serverOnly.key, agent: false}, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(status, 401)
  })

  it('the server stays ready and every stored object can be read, replaced and deleted', async () => {
    assert.equal((await s.request('GET', '/readyz')).status, 200)
    const list = await s.request('GET', cms)
    assert.equal(list.status, 200)
    const names = list.json.items.map((i: {metadata: {name: string}}) => i.metadata.name)
    assert.deepEqual(names, ['target'])
    const got = await s.request('GET', `${cms}/target`)
    const put = await s.request('PUT', `${cms}/target`, {body: {...got.json, data: {fresh: 'yes'}}})
    assert.equal(put.status, 200, put.text.slice(0, 300))
    assert.equal((await s.request('DELETE', `${cms}/target`)).status, 200)
  })
})
