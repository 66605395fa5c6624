// The Ingress controller's routing table: which Ingresses are ours, host and path precedence, merging, backends and endpoints.
import assert from 'node:assert/strict'
import type {KubeObject} from '../../../src/api/types.js'
import type {Service} from '../../../src/api/resources/core/service.js'
import type {Ingress, IngressPath} from '../../../src/api/resources/networking/ingress.js'
import {buildRoutes, isOurIngress, match, tlsFor, type RouteTable} from '../../../src/ingress/index.js'

type Endpoint = {addresses: string[]; conditions?: {ready?: boolean; serving?: boolean; terminating?: boolean}}

const svc = (name: string, ports: {name?: string; port: number}[], extra: Record<string, unknown> = {}, ns = 'default'): Service =>
  ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ns}, spec: {ports, ...extra}}) as unknown as Service
const slice = (service: string, ports: {name?: string; port: number}[], endpoints: Endpoint[], ns = 'default', suffix = 'x'): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: `${service}-${suffix}`, namespace: ns, labels: {'kubernetes.io/service-name': service}},
  addressType: 'IPv4', ports, endpoints,
})
const ready = (...ips: string[]): Endpoint[] => ips.map((ip) => ({addresses: [ip], conditions: {ready: true}}))
const to = (name: string, port: number | string = 80) => ({service: {name, port: typeof port === 'number' ? {number: port} : {name: port}}})
const path = (p: string, pathType: string, backend = to('web')): IngressPath => ({path: p, pathType, backend})
const ing = (name: string, spec: Ingress['spec'], meta: Partial<Ingress['metadata']> = {}): Ingress =>
  ({apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z', ...meta}, spec})
const rule = (host: string | undefined, ...paths: IngressPath[]) => ({...(host === undefined ? {} : {host}), http: {paths}})

/** One service per name, each with one ready endpoint whose address names it: 10.0.0.<n>:8080. */
const names = ['web', 'api', 'exact', 'wild', 'any', 'fallback', 'old', 'new', 'short', 'long', 'impl']
const services = names.map((n) => svc(n, [{port: 80}]))
const slices = names.map((n, i) => slice(n, [{port: 8080}], ready(`10.0.0.${i + 1}`)))
const route = (table: RouteTable, host: string | undefined, url: string): string | undefined => match(table, host, url)?.service.replace('default/', '')

describe('ingress routes: which Ingresses are served', () => {
  it('ours are those of class skiff or of no class; another class (field or legacy annotation) and deleting ones are not', () => {
    const spec = {defaultBackend: to('web')}
    assert.equal(isOurIngress(ing('a', spec)), true)
    assert.equal(isOurIngress(ing('a', {...spec, ingressClassName: 'skiff'})), true)
    assert.equal(isOurIngress(ing('a', {...spec, ingressClassName: 'nginx'})), false)
    assert.equal(isOurIngress(ing('a', spec, {annotations: {'kubernetes.io/ingress.class': 'nginx'}})), false)
    assert.equal(isOurIngress(ing('a', spec, {annotations: {'kubernetes.io/ingress.class': 'skiff'}})), true)
    assert.equal(isOurIngress(ing('a', spec, {deletionTimestamp: '2026-01-02T00:00:00Z'})), false)
    const table = buildRoutes([ing('b', {...spec, ingressClassName: 'nginx'}), ing('a', spec), ing('c', {rules: [rule('x.test', path('/', 'Prefix'))]})], services, slices)
    assert.deepEqual(table.served, ['default/a', 'default/c'])
  })
})

describe('ingress routes: hosts', () => {
  const table = buildRoutes([ing('a', {
    defaultBackend: to('fallback'),
    rules: [rule('foo.example.test', path('/', 'Prefix', to('exact'))), rule('*.example.test', path('/', 'Prefix', to('wild'))), rule(undefined, path('/', 'Prefix', to('any'))), rule('api.test', path('/v1', 'Prefix', to('api')))],
  })], services, slices)

  it('an exact host beats the wildcard that also covers it; the wildcard covers exactly one more label', () => {
    assert.equal(route(table, 'foo.example.test', '/'), 'exact')
    assert.equal(route(table, 'bar.example.test', '/'), 'wild')
    assert.equal(route(table, 'a.bar.example.test', '/'), 'any')
    assert.equal(route(table, 'example.test', '/'), 'any')
  })

  it('rules without a host take every other host, and requests without a Host header', () => {
    assert.equal(route(table, 'whatever.test', '/x'), 'any')
    assert.equal(route(table, undefined, '/'), 'any')
  })

  it('ignores the port and the case of the Host header, and the query of the URL', () => {
    assert.equal(route(table, 'FOO.Example.Test:8080', '/?a=b'), 'exact')
    assert.equal(route(table, 'api.test:80', '/v1?x=/y'), 'api')
  })

  it("a host whose paths do not match goes to the default backend, not to another host's rules (like ingress-nginx)", () => {
    assert.equal(route(table, 'api.test', '/v2'), 'fallback')
  })

  it('with no rule and no default backend nothing matches', () => {
    const t = buildRoutes([ing('a', {rules: [rule('only.test', path('/', 'Prefix'))]})], services, slices)
    assert.equal(match(t, 'other.test', '/'), undefined)
    assert.equal(route(t, 'only.test', '/'), 'web')
  })
})

describe('ingress routes: paths', () => {
  const table = buildRoutes([ing('a', {rules: [rule('h.test',
    path('/foo', 'Prefix', to('short')),
    path('/foo/bar/', 'Prefix', to('long')),
    path('/foo', 'Exact', to('exact')),
    path('/impl', 'ImplementationSpecific', to('impl')),
    path('/exact/only', 'Exact', to('exact')),
  )]})], services, slices)

  it('Exact beats Prefix for the same path and matches nothing else', () => {
    assert.equal(route(table, 'h.test', '/foo'), 'exact')
    assert.equal(route(table, 'h.test', '/exact/only'), 'exact')
    assert.equal(match(table, 'h.test', '/exact/only/'), undefined)
    assert.equal(match(table, 'h.test', '/exact'), undefined)
  })

  it('Prefix matches whole path elements: /foo covers /foo/ and /foo/x, not /foobar', () => {
    assert.equal(route(table, 'h.test', '/foo/'), 'short')
    assert.equal(route(table, 'h.test', '/foo/baz'), 'short')
    assert.equal(match(table, 'h.test', '/foobar'), undefined)
  })

  it('the longest matching prefix wins, and a trailing slash in the rule changes nothing', () => {
    assert.equal(route(table, 'h.test', '/foo/bar'), 'long')
    assert.equal(route(table, 'h.test', '/foo/bar/x'), 'long')
    assert.equal(route(table, 'h.test', '/foo/barx'), 'short')
  })

  it('ImplementationSpecific is treated as Prefix; / covers everything', () => {
    assert.equal(route(table, 'h.test', '/impl/a'), 'impl')
    assert.equal(match(table, 'h.test', '/implx'), undefined)
    const all = buildRoutes([ing('a', {rules: [rule('h.test', path('/', 'Prefix'))]})], services, slices)
    assert.equal(route(all, 'h.test', '/any/thing'), 'web')
  })
})

describe('ingress routes: several Ingresses', () => {
  it('rules for one host merge; on the same path and type the oldest Ingress wins, whatever the list order', () => {
    const newer = ing('b', {rules: [rule('m.test', path('/', 'Prefix', to('new')), path('/api', 'Prefix', to('api')))]}, {creationTimestamp: '2026-01-02T00:00:00Z'})
    const older = ing('z', {rules: [rule('m.test', path('/', 'Prefix', to('old')))]}, {creationTimestamp: '2026-01-01T00:00:00Z'})
    for (const list of [[newer, older], [older, newer]]) {
      const table = buildRoutes(list, services, slices)
      assert.equal(route(table, 'm.test', '/'), 'old')
      assert.equal(route(table, 'm.test', '/api/x'), 'api')
    }
  })

  it('the oldest default backend is the one used', () => {
    const a = ing('a', {defaultBackend: to('new')}, {creationTimestamp: '2026-01-03T00:00:00Z'})
    const b = ing('b', {defaultBackend: to('old')}, {creationTimestamp: '2026-01-01T00:00:00Z'})
    assert.equal(route(buildRoutes([a, b], services, slices), 'x.test', '/'), 'old')
  })
})

describe('ingress routes: backends and endpoints', () => {
  const one = (svcs: Service[], sls: KubeObject[], backend = to('web')) => match(buildRoutes([ing('a', {defaultBackend: backend})], svcs, sls), 'h', '/')

  it("resolves a service port by number or by name to the target port of the slice's port of the same name", () => {
    const s = [svc('web', [{name: 'http', port: 80}, {name: 'metrics', port: 9090}])]
    const sl = [slice('web', [{name: 'http', port: 8080}, {name: 'metrics', port: 9100}], ready('10.0.1.1', '10.0.1.2'))]
    assert.deepEqual(one(s, sl, to('web', 80))?.addresses.sort(), ['10.0.1.1:8080', '10.0.1.2:8080'])
    assert.deepEqual(one(s, sl, to('web', 'metrics'))?.addresses.sort(), ['10.0.1.1:9100', '10.0.1.2:9100'])
    assert.deepEqual(one(s, sl, to('web', 81))?.addresses, [])
  })

  it('collects ready endpoints of every slice of the service in its namespace only', () => {
    const s = [svc('web', [{port: 80}]), svc('web', [{port: 80}], {}, 'other')]
    const sl = [slice('web', [{port: 8080}], ready('10.0.2.1'), 'default', 'a'), slice('web', [{port: 8080}], ready('10.0.2.2'), 'default', 'b'), slice('web', [{port: 8080}], ready('10.9.9.9'), 'other'), slice('api', [{port: 8080}], ready('10.9.9.8'))]
    assert.deepEqual(one(s, sl)?.addresses.sort(), ['10.0.2.1:8080', '10.0.2.2:8080'])
  })

  it('uses ready endpoints only (ready unset counts as ready), and serving terminating ones only when none is ready', () => {
    const s = [svc('web', [{port: 80}])]
    const mixed = slice('web', [{port: 8080}], [
      {addresses: ['10.0.3.1'], conditions: {ready: true}},
      {addresses: ['10.0.3.2']},
      {addresses: ['10.0.3.3'], conditions: {ready: false, serving: true, terminating: true}},
      {addresses: ['10.0.3.4'], conditions: {ready: false, serving: false}},
    ])
    assert.deepEqual(one(s, [mixed])?.addresses.sort(), ['10.0.3.1:8080', '10.0.3.2:8080'])
    const draining = slice('web', [{port: 8080}], [{addresses: ['10.0.3.3'], conditions: {ready: false, serving: true, terminating: true}}, {addresses: ['10.0.3.4'], conditions: {ready: false, serving: false}}])
    assert.deepEqual(one(s, [draining])?.addresses, ['10.0.3.3:8080'])
  })

  it('a missing service or one without endpoints still matches, with no addresses (the proxy answers 503)', () => {
    assert.deepEqual(one([], []), {service: 'default/web', addresses: []})
    assert.deepEqual(one([svc('web', [{port: 80}])], []), {service: 'default/web', addresses: []})
  })

  it('an ExternalName service routes to the external name on the service port', () => {
    const ext = svc('web', [{port: 443}], {type: 'ExternalName', externalName: 'example.org'})
    assert.deepEqual(one([ext], [], to('web', 443))?.addresses, ['example.org:443'])
  })

  it('resource backends are not served (no service to send to)', () => {
    const t = buildRoutes([ing('a', {rules: [rule('h.test', {path: '/', pathType: 'Prefix', backend: {resource: {apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'b'}}})]})], services, slices)
    assert.equal(match(t, 'h.test', '/'), undefined)
  })
})

describe('ingress routes: TLS', () => {
  const table = buildRoutes([
    ing('a', {tls: [{hosts: ['a.test', 'B.test'], secretName: 'ab'}, {hosts: ['*.wild.test'], secretName: 'wild'}], rules: [rule('a.test', path('/', 'Prefix'))]}),
    ing('c', {tls: [{hosts: ['x.wild.test'], secretName: 'x'}], rules: [rule('x.wild.test', path('/', 'Prefix'))]}, {namespace: 'team'}),
  ], services, slices)

  it('finds the section covering a name, exact before wildcard, with its Secret in the Ingress namespace', () => {
    assert.equal(tlsFor(table, 'a.test')?.secret, 'default/ab')
    assert.equal(tlsFor(table, 'b.TEST')?.secret, 'default/ab')
    assert.equal(tlsFor(table, 'x.wild.test')?.secret, 'team/x')
    assert.equal(tlsFor(table, 'y.wild.test')?.secret, 'default/wild')
    assert.equal(tlsFor(table, 'z.y.wild.test'), undefined)
    assert.equal(tlsFor(table, 'other.test'), undefined)
  })
})
