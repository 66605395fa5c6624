// The Ingress controller over real local sockets: backends and the controller's HTTP/HTTPS servers on 127.0.0.1 ephemeral ports.
import assert from 'node:assert/strict'
import * as http from 'node:http'
import * as net from 'node:net'
import * as tls from 'node:tls'
import type {AddressInfo} from 'node:net'
import type {KubeList, KubeObject, WatchEvent} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import type {Ingress} from '../../../src/api/resources/networking/ingress.js'
import type {WatchHandle} from '../../../src/client/api-client.js'
import type {Target} from '../../../src/client/paths.js'
import {buildRoutes, IngressController, IngressProxy} from '../../../src/ingress/index.js'
import {createTestCa, type TestCert} from '../../helpers/pki.js'
import {waitFor} from '../../helpers/wait.js'

type Ref = Exclude<Target, string>

/** The apiserver as the controller sees it: lists, watches and status updates of four resources, in memory. */
class FakeApi {
  private rv = 1
  readonly objects = new Map<string, Map<string, KubeObject>>()
  private readonly watchers = new Map<string, Set<(ev: WatchEvent) => void>>()
  readonly statusWrites: string[] = []

  private coll(resource: string): Map<string, KubeObject> {
    if (!this.objects.has(resource)) this.objects.set(resource, new Map())
    return this.objects.get(resource)!
  }

  put(resource: string, obj: KubeObject): KubeObject {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`
    const next = {...structuredClone(obj), metadata: {...obj.metadata, resourceVersion: String(++this.rv)}}
    const type = this.coll(resource).has(key) ? 'MODIFIED' : 'ADDED'
    this.coll(resource).set(key, next)
    for (const w of this.watchers.get(resource) ?? []) w({type, object: next})
    return next
  }

  get(resource: string, key: string): KubeObject | undefined {
    return this.coll(resource).get(key)
  }

  async list<T extends KubeObject>(target: Target): Promise<KubeList<T>> {
    return {apiVersion: 'v1', kind: 'List', metadata: {resourceVersion: String(this.rv)}, items: [...this.coll((target as Ref).resource).values()] as T[]}
  }

  watch<T extends KubeObject>(target: Target, _opts: unknown, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    const resource = (target as Ref).resource
    if (!this.watchers.has(resource)) this.watchers.set(resource, new Set())
    const w = onEvent as (ev: WatchEvent) => void
    this.watchers.get(resource)!.add(w)
    let end!: () => void
    const done = new Promise<void>((r) => (end = r))
    return {stop: () => (this.watchers.get(resource)!.delete(w), end()), done}
  }

  async update<T extends KubeObject>(target: Target, body: T): Promise<T> {
    const ref = target as Ref
    assert.equal(ref.subresource, 'status', 'the controller writes Ingresses through their status subresource only')
    this.statusWrites.push(`${ref.namespace}/${ref.name}`)
    const stored = this.get(ref.resource, `${ref.namespace}/${ref.name}`)!
    return this.put(ref.resource, {...stored, status: body.status}) as T
  }
}

interface Seen {
  backend: string
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  bodyLength: number
}

const servers: (http.Server | net.Server)[] = []
const listen = <S extends http.Server | net.Server>(s: S) =>
  new Promise<number>((resolve) => {
    servers.push(s)
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))
  })

/** A backend answering with what it saw as JSON; its 'upgrade' switches to an echo of the raw bytes. */
async function backend(name: string): Promise<number> {
  const s = http.createServer((req, res) => {
    let bodyLength = 0
    req.on('data', (d: Buffer) => (bodyLength += d.length))
    req.on('end', () => res.end(JSON.stringify({backend: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength} satisfies Seen)))
  })
  s.on('upgrade', (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${req.headers.upgrade}\r\nconnection: Upgrade\r\nx-backend: ${name}\r\n\r\n`)
    socket.pipe(socket)
  })
  return listen(s)
}

/** A port nothing listens on (connections are refused). */
async function deadPort(): Promise<number> {
  const s = net.createServer()
  const port = await listen(s)
  await new Promise((r) => s.close(r))
  return port
}

function request(port: number, host: string, opts: {path?: string; method?: string; body?: Buffer} = {}): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', headers: {host}, agent: false}, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Sends an Upgrade request on a raw socket and resolves the answer's head, and what an echo of `probe` returned. */
function upgrade(port: number, host: string, probe = 'ping'): Promise<{head: string; echo: string}> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET /ws HTTP/1.1\r\nhost: ${host}\r\nconnection: Upgrade\r\nupgrade: echo\r\n\r\n`))
    let buf = ''
    let head = ''
    sock.on('data', (d) => {
      buf += d
      if (!head && buf.includes('\r\n\r\n')) {
        head = buf.slice(0, buf.indexOf('\r\n\r\n'))
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4)
        if (!head.startsWith('HTTP/1.1 101')) {
          sock.destroy()
          return resolve({head, echo: ''})
        }
        sock.write(probe)
      }
      if (head && buf === probe) {
        sock.destroy()
        resolve({head, echo: buf})
      }
    })
    sock.on('error', reject)
  })
}

const svc = (name: string): Service => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {ports: [{name: 'http', port: 80}]}}) as unknown as Service
const slice = (service: string, ports: number[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: `${service}-1`, namespace: 'default', labels: {'kubernetes.io/service-name': service}},
  addressType: 'IPv4', ports: [{name: 'http', port: ports[0]}], endpoints: ports.map(() => ({addresses: ['127.0.0.1'], conditions: {ready: true}})),
})
const paths = (...p: [string, string][]) => ({paths: p.map(([path, service]) => ({path, pathType: 'Prefix', backend: {service: {name: service, port: {name: 'http'}}}}))})
const ingress = (name: string, spec: Ingress['spec'], created = '2026-01-01T00:00:00Z'): Ingress => ({apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name, namespace: 'default', creationTimestamp: created}, spec})
const tlsSecret = (name: string, cert: TestCert): KubeObject => ({apiVersion: 'v1', kind: 'Secret', metadata: {name, namespace: 'default'}, type: 'kubernetes.io/tls', data: {'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64')}})

after(() => servers.forEach((s) => s.close()))

describe('ingress proxy with an injected table', () => {
  let front: number
  const proxy = new IngressProxy()
  after(() => proxy.close())

  before(async () => {
    const a = await backend('a')
    const dead = await deadPort()
    // Endpoints all on 127.0.0.1, told apart by port (a slice's port applies to all its endpoints, hence one slice each).
    const sl = (service: string, ports: number[]): KubeObject => ({...slice(service, ports), endpoints: [{addresses: ['127.0.0.1'], conditions: {ready: true}}]})
    const flaky = {...slice('flaky', [dead]), metadata: {name: 'flaky-1', namespace: 'default', labels: {'kubernetes.io/service-name': 'flaky'}}}
    const flakyLive = {...slice('flaky', [a]), metadata: {name: 'flaky-2', namespace: 'default', labels: {'kubernetes.io/service-name': 'flaky'}}}
    proxy.table = buildRoutes(
      [ingress('i', {defaultBackend: {service: {name: 'a', port: {name: 'http'}}}, rules: [{host: 'none.test', http: paths(['/', 'none'])}, {host: 'dead.test', http: paths(['/', 'dead'])}, {host: 'flaky.test', http: paths(['/', 'flaky'])}]})],
      ['a', 'none', 'dead', 'flaky'].map(svc),
      [sl('a', [a]), sl('dead', [dead]), flaky, flakyLive],
    )
    front = await listen(http.createServer(proxy.handler(false)).on('upgrade', proxy.upgrade(false)))
  })

  it('sends requests no rule matches to the default backend', async () => {
    const r = await request(front, 'unknown.test', {path: '/x?y=1'})
    assert.equal(r.status, 200)
    assert.deepEqual([JSON.parse(r.body).backend, JSON.parse(r.body).url], ['a', '/x?y=1'])
  })

  it('answers 503 for a service without endpoints and 502 when its only endpoint refuses', async () => {
    assert.equal((await request(front, 'none.test')).status, 503)
    const r = await request(front, 'dead.test')
    assert.equal(r.status, 502)
    assert.match(r.body, /default\/dead/)
  })

  it('retries a refused GET on another endpoint, so one dead endpoint of two is never seen', async () => {
    for (let i = 0; i < 12; i++) assert.equal((await request(front, 'flaky.test')).status, 200)
  })

  it('answers a refused Upgrade with 502 after trying each endpoint, and one without endpoints with 503', async () => {
    assert.match((await upgrade(front, 'dead.test')).head, /^HTTP\/1.1 502/)
    assert.match((await upgrade(front, 'none.test')).head, /^HTTP\/1.1 503/)
    for (let i = 0; i < 6; i++) assert.equal((await upgrade(front, 'flaky.test')).echo, 'ping', String(i))
  })

  it('takes the backend request down when the client goes away', async () => {
    let closed!: () => void
    const gone = new Promise<void>((r) => (closed = r))
    const slow = await listen(http.createServer((_req, res) => {
      res.writeHead(200)
      res.write('first')
      res.on('close', () => closed())
    }))
    const p = new IngressProxy()
    p.table = buildRoutes([ingress('s', {rules: [{host: 'slow.test', http: paths(['/', 'slow'])}]})], [svc('slow')], [slice('slow', [slow])])
    const port = await listen(http.createServer(p.handler(false)))
    await new Promise<void>((resolve) => http.get({host: '127.0.0.1', port, headers: {host: 'slow.test'}, agent: false}, (res) => res.once('data', () => (res.destroy(), resolve()))))
    await Promise.race([gone, new Promise((_, j) => setTimeout(() => j(new Error('backend request still open')), 2000))])
    p.close()
  })
})

describe('ingress controller', () => {
  const api = new FakeApi()
  const abort = new AbortController()
  let controller: IngressController
  let ports: {http: number; https: number}
  const certs: Record<string, TestCert> = {}
  let ca: string

  before(async () => {
    const authority = await createTestCa()
    ca = authority.cert
    for (const cn of ['default', 'a.test', 'wild', 'a.test-v2']) certs[cn] = await authority.sign(`CN=${cn}`, {server: true})
    const [a, b] = [await backend('a'), await backend('b')]
    for (const name of ['a', 'b']) api.put('services', svc(name))
    api.put('endpointslices', slice('a', [a]))
    api.put('endpointslices', slice('b', [b]))
    api.put('secrets', tlsSecret('a-cert', certs['a.test']))
    api.put('secrets', tlsSecret('wild-cert', certs.wild))
    api.put('ingresses', ingress('web', {
      tls: [{hosts: ['a.test'], secretName: 'a-cert'}, {hosts: ['*.wild.test'], secretName: 'wild-cert'}],
      rules: [{host: 'a.test', http: paths(['/', 'a'], ['/api', 'b'])}, {host: '*.wild.test', http: paths(['/', 'b'])}],
    }))
    api.put('ingresses', {...ingress('theirs', {ingressClassName: 'nginx', rules: [{host: 'theirs.test', http: paths(['/', 'a'])}]}), status: {loadBalancer: {ingress: [{ip: '10.1.1.1'}]}}})
    controller = new IngressController({client: api, host: '127.0.0.1', httpPort: 0, httpsPort: 0, defaultCert: certs.default, address: '127.0.0.1', hostPorts: {http: 8080, https: 8443}})
    void controller.run(abort.signal)
    await waitFor('the controller serving a.test', async () => {
      ports = controller.ports()
      return ports.http > 0 && (await request(ports.http, 'a.test')).status === 200
    }, 5000, 20)
  })
  after(() => abort.abort())

  it('routes by host and path, streams request bodies and adds the forwarding headers', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'x')
    const seen = JSON.parse((await request(ports.http, 'a.test', {path: '/api/upload', method: 'POST', body})).body) as Seen
    assert.equal(seen.backend, 'b')
    assert.equal(seen.bodyLength, body.length)
    assert.equal(seen.headers.host, 'a.test')
    assert.deepEqual([seen.headers['x-forwarded-for'], seen.headers['x-real-ip'], seen.headers['x-forwarded-host'], seen.headers['x-forwarded-proto'], seen.headers['x-forwarded-port']], ['127.0.0.1', '127.0.0.1', 'a.test', 'http', String(ports.http)])
    assert.equal(JSON.parse((await request(ports.http, 'a.test', {path: '/apis'})).body).backend, 'a')
    assert.equal(JSON.parse((await request(ports.http, 'x.wild.test')).body).backend, 'b')
  })

  it('answers 404 with an ingress-nginx-like page for hosts no rule covers, and for Ingresses of another class', async () => {
    for (const host of ['nobody.test', 'theirs.test']) {
      const r = await request(ports.http, host)
      assert.equal(r.status, 404)
      assert.match(r.body, /<title>404 Not Found<\/title>/)
    }
  })

  it('pipes an Upgrade through to the backend both ways', async () => {
    const r = await upgrade(ports.http, 'a.test', 'hello over the socket')
    assert.match(r.head, /^HTTP\/1.1 101/)
    assert.match(r.head, /x-backend: a/)
    assert.equal(r.echo, 'hello over the socket')
  })

  it('serves HTTPS with the certificate of the TLS section naming the SNI host (exact or wildcard), else the default one', async () => {
    const cn = (servername: string | undefined) =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({host: '127.0.0.1', port: ports.https, ...(servername ? {servername} : {}), ca, checkServerIdentity: () => undefined}, () => {
          const subject = s.getPeerCertificate().subject.CN
          s.destroy()
          resolve(String(subject))
        })
        s.on('error', reject)
      })
    assert.equal(await cn('a.test'), 'a.test')
    assert.equal(await cn('x.wild.test'), 'wild')
    assert.equal(await cn('other.test'), 'default')
    assert.equal(await cn(undefined), 'default')
  })

  it('proxies HTTPS requests with X-Forwarded-Proto https', async () => {
    const seen = await new Promise<Seen>((resolve, reject) => {
      const https = tls.connect({host: '127.0.0.1', port: ports.https, servername: 'a.test', ca, checkServerIdentity: () => undefined}, () => {
        https.write('GET /secure HTTP/1.1\r\nhost: a.test\r\nconnection: close\r\n\r\n')
      })
      let text = ''
      https.on('data', (d) => (text += d))
      https.on('end', () => resolve(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Seen))
      https.on('error', reject)
    })
    assert.deepEqual([seen.backend, seen.url, seen.headers['x-forwarded-proto']], ['a', '/secure', 'https'])
  })

  it('writes the address and host ports into the status of the Ingresses it serves, once, and leaves other classes alone', async () => {
    const status = (name: string) => (api.get('ingresses', `default/${name}`) as Ingress).status?.loadBalancer
    await waitFor('the status of web', async () => status('web')?.ingress?.length, 5000, 20)
    assert.deepEqual(status('web'), {ingress: [{ip: '127.0.0.1', ports: [{port: 8080, protocol: 'TCP'}, {port: 8443, protocol: 'TCP'}]}]})
    assert.deepEqual(status('theirs'), {ingress: [{ip: '10.1.1.1'}]})
    // A later change elsewhere rebuilds the table without rewriting an unchanged status.
    api.put('services', {...svc('b'), metadata: {...svc('b').metadata, labels: {touched: 'yes'}}})
    await new Promise((r) => setTimeout(r, 200))
    assert.deepEqual(api.statusWrites, ['default/web'])
  })

  it('follows changes: a new certificate in the Secret, an Ingress moved to another class loses routes and status', async () => {
    api.put('secrets', tlsSecret('a-cert', certs['a.test-v2']))
    await waitFor('the new certificate', () => new Promise<boolean>((resolve) => {
      const s = tls.connect({host: '127.0.0.1', port: ports.https, servername: 'a.test', ca, checkServerIdentity: () => undefined}, () => {
        resolve(s.getPeerCertificate().subject.CN === 'a.test-v2')
        s.destroy()
      })
    }), 5000, 20)
    const web = api.get('ingresses', 'default/web') as Ingress
    api.put('ingresses', {...web, spec: {...web.spec, ingressClassName: 'nginx'}})
    await waitFor('the status cleared', async () => JSON.stringify((api.get('ingresses', 'default/web') as Ingress).status?.loadBalancer) === '{}', 5000, 20)
    assert.equal((await request(ports.http, 'a.test')).status, 404)
  })
})
