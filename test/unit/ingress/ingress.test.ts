// The Ingress controller's routing (hosts, wildcards, Exact and Prefix paths, default backend, named ports) and its proxy over real local HTTP servers.
import assert from 'node:assert/strict'
import * as http from 'node:http'
import type {AddressInfo} from 'node:net'
import type {KubeObject} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import type {Ingress} from '../../../src/api/resources/networking/ingress.js'
import {ingress as ingressDef} from '../../../src/api/resources/networking/ingress.js'
import {validateObject} from '../../../src/api/resources/index.js'
import {buildRoutes, IngressProxy, match} from '../../../src/ingress/index.js'

const svc = (name: string, ports: {name?: string; port: number}[]): Service => ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {ports}}) as unknown as Service
const slice = (service: string, port: {name: string; port: number}, ips: string[], ready = true): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: `${service}-x`, namespace: 'default', labels: {'kubernetes.io/service-name': service}},
  ports: [port], endpoints: ips.map((ip) => ({addresses: [ip], conditions: {ready}})),
})
const backend = (name: string, port: number | string) => ({service: {name, port: typeof port === 'number' ? {number: port} : {name: port}}})
const ing = (name: string, spec: Ingress['spec'], created = '2026-01-01T00:00:00Z'): Ingress => ({apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name, namespace: 'default', creationTimestamp: created}, spec})

const services = [svc('web', [{name: 'http', port: 80}]), svc('api', [{port: 8000}]), svc('fallback', [{port: 80}])]
const slices = [slice('web', {name: 'http', port: 8080}, ['10.244.1.2', '10.244.2.2']), slice('api', {name: '', port: 9000}, ['10.244.1.3']), slice('fallback', {name: '', port: 8080}, ['10.244.1.9'])]
const table = buildRoutes(
  [
    ing('a', {rules: [{host: 'web.example.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('web', 'http')}]}}, {host: '*.apps.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('api', 8000)}]}}]}),
    ing('b', {defaultBackend: backend('fallback', 80), rules: [{host: 'web.example.test', http: {paths: [{path: '/api/', pathType: 'Prefix', backend: backend('api', 8000)}, {path: '/exact', pathType: 'Exact', backend: backend('api', 8000)}]}}]}, '2026-01-02T00:00:00Z'),
    {...ing('other-class', {rules: [{host: 'x.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('web', 'http')}]}}]}), spec: {ingressClassName: 'nginx', rules: [{host: 'x.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('web', 'http')}]}}]}},
  ],
  services,
  slices,
)
const to = (host: string, path: string) => match(table, host, path)?.service

describe('ingress: routing', () => {
  it('routes by host (port ignored, any case) and resolves named service ports to the endpoints\' target ports', () => {
    assert.deepEqual(match(table, 'Web.Example.Test:8080', '/')?.addresses.sort(), ['10.244.1.2:8080', '10.244.2.2:8080'])
    assert.deepEqual(table.served, ['default/a', 'default/b'])
  })

  it('Prefix matches whole path elements and the longest wins; Exact only itself; merged rules of two Ingresses for one host', () => {
    assert.equal(to('web.example.test', '/api'), 'default/api')
    assert.equal(to('web.example.test', '/api/v1?x=1'), 'default/api')
    assert.equal(to('web.example.test', '/apix'), 'default/web')
    assert.equal(to('web.example.test', '/exact'), 'default/api')
    assert.equal(to('web.example.test', '/exact/more'), 'default/web')
  })

  it('a wildcard host covers exactly one label; unknown hosts get the default backend; other classes are not served', () => {
    assert.equal(to('one.apps.test', '/'), 'default/api')
    assert.equal(to('two.one.apps.test', '/'), 'default/fallback')
    assert.equal(to('x.test', '/'), 'default/fallback')
  })

  it('validates as Kubernetes does: pathType required, absolute paths, one of port name or number', () => {
    const bad = ing('bad', {rules: [{host: '*.*.x', http: {paths: [{path: 'rel', pathType: 'Prefix', backend: {service: {name: 'web', port: {}}}}, {path: '/', backend: backend('web', 80)}]}}]})
    const fields = validateObject(ingressDef, bad).map((c) => c.field)
    assert.deepEqual(fields.sort(), ['spec.rules[0].host', 'spec.rules[0].http.paths[0].backend.service.port', 'spec.rules[0].http.paths[0].path', 'spec.rules[0].http.paths[1].pathType'].sort())
  })
})

/** A request with a Host header of our choosing (fetch does not send one it is given). */
function request(port: number, host: string, path = '/', method = 'GET', body = ''): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, path, method, headers: {host}}, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('ingress: proxy', () => {
  const servers: http.Server[] = []
  const listen = (h: http.RequestListener) =>
    new Promise<number>((resolve) => {
      const s = http.createServer(h).listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))
      servers.push(s)
    })
  after(() => servers.forEach((s) => s.close()))

  it('forwards method, path, body and forwarding headers; 404 without a match; 503 without endpoints', async () => {
    const port = await listen((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => res.end(JSON.stringify({method: req.method, url: req.url, body, xff: req.headers['x-forwarded-for'], host: req.headers.host, proto: req.headers['x-forwarded-proto']})))
    })
    const proxy = new IngressProxy()
    proxy.table = buildRoutes([ing('a', {rules: [{host: 'a.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('web', 'http')}]}}, {host: 'empty.test', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('none', 80)}]}}]})], [svc('web', [{name: 'http', port: 80}]), svc('none', [{port: 80}])], [slice('web', {name: 'http', port}, ['127.0.0.1'])])
    const front = await listen(proxy.handler(false))
    const seen = JSON.parse((await request(front, 'a.test', '/p?q=1', 'POST', 'hi')).body)
    assert.deepEqual({...seen, xff: undefined}, {method: 'POST', url: '/p?q=1', body: 'hi', host: 'a.test', proto: 'http', xff: undefined})
    assert.match(seen.xff, /127\.0\.0\.1/)
    assert.equal((await request(front, 'nothing.test')).status, 404)
    assert.equal((await request(front, 'empty.test')).status, 503)
    proxy.close()
  })
})
