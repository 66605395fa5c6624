// Tests of ApiClient against a small fake HTTPS apiserver: TLS with client certs, errors as Status, watch streaming, kubeconfig.
import assert from 'node:assert/strict'
import * as https from 'node:https'
import {mkdtemp, writeFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {AddressInfo} from 'node:net'
import yaml from 'js-yaml'
import {createClusterPKI, type ClusterPKI} from '../../../src/cluster/pki.js'
import {ApiClient} from '../../../src/client/api-client.js'
import {ApiError, isNotFound, isConflict, isAlreadyExists} from '../../../src/client/errors.js'
import type {WatchEvent} from '../../../src/api/types.js'

describe('ApiClient', function () {
  this.timeout(20000)
  let pki: ClusterPKI
  let server: https.Server
  let url: string
  const seen: {method: string; url: string; ct?: string; body: string; cn?: string; auth?: string}[] = []
  let dir: string

  before(async () => {
    pki = await createClusterPKI({clusterName: 't', controlPlaneName: 't-cp', controlPlaneIP: '127.0.0.1', serviceIP: '10.96.0.1', nodeNames: ['n1']})
    server = https.createServer({cert: pki.apiServer.cert, key: pki.apiServer.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false}, (req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        const peer = (req.socket as any).getPeerCertificate?.()
        seen.push({method: req.method!, url: req.url!, ct: req.headers['content-type'], body, cn: peer?.subject?.CN, auth: req.headers.authorization})
        const json = (code: number, obj: unknown) => {
          res.writeHead(code, {'Content-Type': 'application/json'})
          res.end(JSON.stringify(obj))
        }
        if (req.url === '/api/v1/nodes/n1' && req.method === 'GET') return json(200, {kind: 'Node', apiVersion: 'v1', metadata: {name: 'n1', resourceVersion: '3'}})
        if (req.url === '/api/v1/nodes/missing') return json(404, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'nodes "missing" not found'})
        if (req.url === '/api/v1/nodes' && req.method === 'POST') return json(409, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'AlreadyExists', message: 'nodes "n1" already exists'})
        if (req.url === '/api/v1/nodes/n1/status' && req.method === 'PUT') return json(409, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'the object has been modified'})
        if (req.url === '/api/v1/nodes/n1' && req.method === 'PATCH') return json(200, JSON.parse(body))
        if (req.url === '/api/v1/namespaces/busy') {
          // Busy twice (the server's in-flight bound), then served: the client must wait Retry-After and send again.
          const tries = seen.filter((x) => x.url === req.url).length
          if (tries <= 2) {
            res.writeHead(429, {'Content-Type': 'application/json', 'Retry-After': '0'})
            return res.end(JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.'}))
          }
          return json(200, {kind: 'Namespace', apiVersion: 'v1', metadata: {name: 'busy'}})
        }
        if (req.url === '/api/v1/namespaces/always-busy') {
          res.writeHead(429, {'Content-Type': 'application/json', 'Retry-After': '0'})
          return res.end(JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.'}))
        }
        if (req.url === '/plain') {
          res.writeHead(404, {'Content-Type': 'text/plain'})
          return res.end('404 page not found\n')
        }
        if (req.url?.startsWith('/api/v1/nodes?watch=true')) {
          res.writeHead(200, {'Content-Type': 'application/json'})
          res.flushHeaders()
          const line = (ev: unknown) => JSON.stringify(ev) + '\n'
          const a = line({type: 'ADDED', object: {metadata: {name: 'n1', resourceVersion: '4'}}})
          // Split one event across writes, then end the stream: the client must reassemble it and settle done.
          res.write(a.slice(0, 10))
          setTimeout(() => {
            res.write(a.slice(10) + line({type: 'MODIFIED', object: {metadata: {name: 'n1', resourceVersion: '5'}}}))
            if (req.url!.includes('resourceVersion=4')) return // keep open: the test stops it
            res.end()
          }, 20)
          return
        }
        json(500, {kind: 'Status', code: 500, message: 'unexpected ' + req.url})
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'skiff-client-'))
  })

  after(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await rm(dir, {recursive: true, force: true})
  })

  const client = () => new ApiClient({server: url, ca: pki.ca.cert, cert: pki.nodes.n1.cert, key: pki.nodes.n1.key})

  it('GETs over mutual TLS with the client certificate', async () => {
    const c = client()
    const node = await c.get({version: 'v1', resource: 'nodes', name: 'n1'})
    assert.equal(node.metadata.name, 'n1')
    assert.equal(seen.at(-1)!.cn, 'system:node:n1')
    c.close()
  })

  it('throws ApiError carrying the Status', async () => {
    const c = client()
    await assert.rejects(c.get('/api/v1/nodes/missing'), (err: unknown) => isNotFound(err) && (err as ApiError).message === 'nodes "missing" not found')
    await assert.rejects(c.create('/api/v1/nodes', {metadata: {name: 'n1'}}), (err: unknown) => isAlreadyExists(err) && !isConflict(err))
    await assert.rejects(c.update('/api/v1/nodes/n1/status', {metadata: {name: 'n1'}}), (err: unknown) => isConflict(err))
    await assert.rejects(c.get('/plain'), (err: unknown) => err instanceof ApiError && err.code === 404 && err.reason === 'NotFound' && err.message === '404 page not found')
    c.close()
  })

  it('sends a request again after a 429 with Retry-After, and gives up after 10 attempts', async () => {
    const got = await client().get({version: 'v1', resource: 'namespaces', name: 'busy'})
    assert.equal(got.metadata.name, 'busy')
    assert.equal(seen.filter((x) => x.url === '/api/v1/namespaces/busy').length, 3)
    await assert.rejects(client().get({version: 'v1', resource: 'namespaces', name: 'always-busy'}), (err: ApiError) => err.code === 429)
    assert.equal(seen.filter((x) => x.url === '/api/v1/namespaces/always-busy').length, 10)
  })

  it('sends patches with the content type of their kind', async () => {
    const c = client()
    await c.patch('/api/v1/nodes/n1', {metadata: {labels: {a: 'b'}}}, 'strategic')
    assert.equal(seen.at(-1)!.ct, 'application/strategic-merge-patch+json')
    await c.patch('/api/v1/nodes/n1', {metadata: {labels: {a: 'b'}}})
    assert.equal(seen.at(-1)!.ct, 'application/merge-patch+json')
    c.close()
  })

  it('streams watch events split across chunks and settles done when the server ends the stream', async () => {
    const c = client()
    const events: WatchEvent[] = []
    const h = c.watch('/api/v1/nodes', {resourceVersion: '3', allowWatchBookmarks: true}, (ev) => events.push(ev))
    await h.done
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`), ['ADDED 4', 'MODIFIED 5'])
    assert.match(seen.at(-1)!.url, /watch=true&resourceVersion=3&allowWatchBookmarks=true/)
    c.close()
  })

  it('stop() ends an open watch and resolves done', async () => {
    const c = client()
    const events: WatchEvent[] = []
    const h = c.watch('/api/v1/nodes', {resourceVersion: '4'}, (ev) => {
      events.push(ev)
      if (events.length === 2) h.stop()
    })
    await h.done
    assert.equal(events.length, 2)
    c.close()
  })

  it('loads from a kubeconfig context with inline data, and with a token', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    const path = join(dir, 'config')
    await writeFile(
      path,
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'certs',
        clusters: [
          {name: 'c', cluster: {server: url, 'certificate-authority-data': b64(pki.ca.cert)}},
          {name: 'insecure', cluster: {server: url, 'insecure-skip-tls-verify': true}},
        ],
        users: [
          {name: 'u', user: {'client-certificate-data': b64(pki.nodes.n1.cert), 'client-key-data': b64(pki.nodes.n1.key)}},
          {name: 't', user: {token: 'abc'}},
        ],
        contexts: [
          {name: 'certs', context: {cluster: 'c', user: 'u'}},
          {name: 'tok', context: {cluster: 'insecure', user: 't'}},
        ],
      }),
    )
    const c1 = await ApiClient.fromKubeconfig(path)
    await c1.get('/api/v1/nodes/n1')
    assert.equal(seen.at(-1)!.cn, 'system:node:n1')
    c1.close()
    const c2 = await ApiClient.fromKubeconfig(path, 'tok')
    await c2.get('/api/v1/nodes/n1')
    assert.equal(seen.at(-1)!.auth, 'Bearer abc')
    c2.close()
    await assert.rejects(ApiClient.fromKubeconfig(path, 'nope'), /context "nope" not found/)
  })
})
