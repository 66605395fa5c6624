// Ingress and IngressClass (networking.k8s.io/v1): validation causes worded as kube-apiserver words them, defaults, and kubectl's columns.
import assert from 'node:assert/strict'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject, StatusCause} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const ING = builtin('networking.k8s.io', 'ingresses')
const CLASS = builtin('networking.k8s.io', 'ingressclasses')
const now = new Date('2026-01-10T12:00:00Z')

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

const web = {service: {name: 'web', port: {number: 80}}}
const ingress = (spec: unknown, extra: Record<string, unknown> = {}): KubeObject => ({apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'ing', namespace: 'default', creationTimestamp: '2026-01-10T11:55:00Z'}, spec, ...extra})
const onePath = (path: Record<string, unknown>, host?: string) => ingress({rules: [{...(host ? {host} : {}), http: {paths: [path]}}]})
const causes = (obj: KubeObject): [string | undefined, string][] => validateObject(ING, obj).map((c: StatusCause) => [c.field, c.message])

describe('Ingress validation', () => {
  it('accepts a full Ingress: hosts, wildcard, TLS, every path type, default backend, named ports, resource backends', () => {
    assert.deepEqual(causes(ingress({
      ingressClassName: 'skiff',
      defaultBackend: {service: {name: 'fallback', port: {name: 'http'}}},
      tls: [{hosts: ['a.example.com', '*.example.com'], secretName: 'tls-cert'}],
      rules: [
        {host: 'a.example.com', http: {paths: [{path: '/', pathType: 'Prefix', backend: web}, {path: '/x', pathType: 'Exact', backend: web}, {pathType: 'ImplementationSpecific', backend: web}]}},
        {host: '*.example.com', http: {paths: [{path: '/', pathType: 'Prefix', backend: {resource: {apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static'}}}]}},
        {http: {paths: [{path: '/any', pathType: 'Prefix', backend: web}]}},
        {host: 'no-http.example.com'},
      ],
    })), [])
  })

  it('needs rules or a default backend, quoting the Go slice', () => {
    assert.deepEqual(causes(ingress({})), [['spec', 'Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']])
    assert.deepEqual(causes(ingress({rules: []})), [['spec', 'Invalid value: []networking.IngressRule{}: either `defaultBackend` or `rules` must be specified']])
  })

  it('pathType is required (and then nothing else of the path is checked) and must be a supported one', () => {
    assert.deepEqual(causes(onePath({path: 'relative', backend: {}})), [['spec.rules[0].http.paths[0].pathType', 'Required value: pathType must be specified']])
    assert.deepEqual(causes(onePath({path: '/', pathType: 'Regex', backend: web})), [['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']])
  })

  it('Exact and Prefix paths are absolute and free of //, /./, /../, %2f and trailing /. or /..; ImplementationSpecific only absolute when set', () => {
    const p = 'spec.rules[0].http.paths[0].path'
    assert.deepEqual(causes(onePath({path: 'foo', pathType: 'Prefix', backend: web})), [[p, 'Invalid value: "foo": must be an absolute path']])
    assert.deepEqual(causes(onePath({pathType: 'Exact', backend: web})), [[p, 'Invalid value: "": must be an absolute path']])
    assert.deepEqual(causes(onePath({path: '/a//b/%2F', pathType: 'Exact', backend: web})), [[p, 'Invalid value: "/a//b/%2F": must not contain \'//\''], [p, 'Invalid value: "/a//b/%2F": must not contain \'%2F\'']])
    assert.deepEqual(causes(onePath({path: '/a/..', pathType: 'Prefix', backend: web})), [[p, 'Invalid value: "/a/..": cannot end with \'/..\'']])
    assert.deepEqual(causes(onePath({path: 'foo', pathType: 'ImplementationSpecific', backend: web})), [[p, 'Invalid value: "foo": must be an absolute path']])
    assert.deepEqual(causes(onePath({path: '/a//b', pathType: 'ImplementationSpecific', backend: web})), [])
  })

  it('a backend has exactly one of service or resource; a service exactly one of port name or number', () => {
    const b = 'spec.rules[0].http.paths[0].backend'
    const withBackend = (backend: unknown) => causes(onePath({path: '/', pathType: 'Prefix', backend}))
    assert.deepEqual(withBackend({}), [[b, 'Invalid value: "": resource or service backend is required']])
    assert.deepEqual(withBackend({...web, resource: {kind: 'X', name: 'y'}}), [[b, 'Invalid value: "": cannot set both resource and service backends']])
    assert.deepEqual(withBackend({service: {name: 'web', port: {name: 'http', number: 80}}}), [[b, 'Invalid value: "": cannot set both port name & port number']])
    assert.deepEqual(withBackend({service: {name: 'web', port: {}}}), [[b, 'Required value: port name or number is required']])
    assert.deepEqual(withBackend({service: {name: 'web', port: {number: 70000}}}), [[`${b}.service.port.number`, 'Invalid value: 70000: must be between 1 and 65535, inclusive']])
    assert.deepEqual(withBackend({service: {name: '1web', port: {number: 80}}}), [[`${b}.service.name`, `Invalid value: "1web": ${DNS1035_MSG}`]])
    assert.deepEqual(withBackend({service: {port: {number: 80}}}), [[`${b}.service.name`, 'Required value']])
    assert.deepEqual(withBackend({resource: {kind: 'a/b'}}), [[`${b}.resource.kind`, 'Invalid value: "a/b": may not contain \'/\''], [`${b}.resource.name`, 'Required value']])
    assert.deepEqual(causes(ingress({defaultBackend: {}})), [['spec.defaultBackend', 'Invalid value: "": resource or service backend is required']])
  })

  it('hosts are DNS subdomains, not IPs, with a wildcard only as a whole first label', () => {
    const h = 'spec.rules[0].host'
    const withHost = (host: string) => causes(onePath({path: '/', pathType: 'Prefix', backend: web}, host))
    assert.deepEqual(withHost('*.foo.com'), [])
    assert.deepEqual(withHost('*.*.foo.com'), [[h, `Invalid value: "*.*.foo.com": ${WILDCARD_MSG}`]])
    assert.deepEqual(withHost('foo.*.com'), [[h, `Invalid value: "foo.*.com": ${WILDCARD_MSG}`]])
    assert.deepEqual(withHost('*foo.com'), [[h, `Invalid value: "*foo.com": ${WILDCARD_MSG}`]])
    assert.deepEqual(withHost('Foo.com'), [[h, `Invalid value: "Foo.com": ${SUBDOMAIN_MSG}`]])
    assert.deepEqual(withHost('10.0.0.1'), [[h, 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address']])
    assert.deepEqual(causes(ingress({defaultBackend: web, tls: [{hosts: ['*.x.*'], secretName: 'Bad_Name'}]})).map(([f]) => f), ['spec.tls[0].hosts[0]', 'spec.tls[0].secretName'])
    assert.deepEqual(causes(ingress({defaultBackend: web, ingressClassName: 'Skiff'})), [['spec.ingressClassName', `Invalid value: "Skiff": ${SUBDOMAIN_MSG}`]])
  })

  it('a rule with http needs paths', () => {
    assert.deepEqual(causes(ingress({rules: [{host: 'a.test', http: {paths: []}}]})), [['spec.rules[0].http.paths', 'Required value']])
  })
})

describe('Ingress table', () => {
  const row = (spec: Record<string, unknown>, status?: unknown) => tableRow(ING, ingress({defaultBackend: web, ...spec}, status ? {status} : {}), now)
  const rules = (...hosts: (string | undefined)[]) => ({rules: hosts.map((host) => ({...(host ? {host} : {}), http: {paths: [{path: '/', pathType: 'Prefix', backend: web}]}}))})

  it("has kubectl's columns", () => {
    assert.deepEqual(tableColumns(ING).map((c) => [c.name, c.priority]), [['Name', 0], ['Class', 0], ['Hosts', 0], ['Address', 0], ['Ports', 0], ['Age', 0]])
  })

  it('CLASS is <none> when unset; HOSTS is * without hosts; PORTS add 443 with TLS; ADDRESS empty before status', () => {
    assert.deepEqual(row({}), ['ing', '<none>', '*', '', '80', '5m'])
    assert.deepEqual(row({ingressClassName: 'skiff', ...rules(undefined, undefined), tls: [{hosts: ['a.test']}]}), ['ing', 'skiff', '*', '', '80, 443', '5m'])
  })

  it('HOSTS lists up to three hosts, skips rules without one, and counts the rules beyond three', () => {
    assert.equal(row(rules('a.test', undefined, 'b.test'))[2], 'a.test,b.test')
    assert.equal(row(rules('a.test', 'b.test', 'c.test'))[2], 'a.test,b.test,c.test')
    assert.equal(row(rules('a.test', 'b.test', 'c.test', 'd.test', 'e.test'))[2], 'a.test,b.test,c.test + 2 more...')
  })

  it('ADDRESS joins the distinct IPs (or hostnames), sorted', () => {
    const status = {loadBalancer: {ingress: [{ip: '127.0.0.2'}, {hostname: 'lb.example.com'}, {ip: '127.0.0.1', ports: [{port: 8080, protocol: 'TCP'}]}, {ip: '127.0.0.2'}]}}
    assert.equal(row({}, status)[3], '127.0.0.1,127.0.0.2,lb.example.com')
  })
})

describe('IngressClass', () => {
  const cls = (spec: Record<string, unknown>): KubeObject => {
    const obj = {apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: {name: 'skiff', creationTimestamp: '2026-01-09T12:00:00Z'}, spec}
    applyDefaults(CLASS, obj)
    return obj
  }
  const classCauses = (spec: Record<string, unknown>, old?: Record<string, unknown>) => validateObject(CLASS, cls(spec), old && cls(old)).map((c) => [c.field, c.message])

  it('is cluster-scoped, with the columns NAME, CONTROLLER, PARAMETERS, AGE', () => {
    assert.equal(CLASS.namespaced, false)
    assert.deepEqual(tableColumns(CLASS).map((c) => c.name), ['Name', 'Controller', 'Parameters', 'Age'])
    assert.deepEqual(tableRow(CLASS, cls({controller: 'skiff.dev/ingress-controller'}), now), ['skiff', 'skiff.dev/ingress-controller', '<none>', '24h'])
    assert.equal(tableRow(CLASS, cls({controller: 'a.io/c', parameters: {apiGroup: 'k8s.example.com', kind: 'Params', name: 'p'}}), now)[2], 'Params.k8s.example.com/p')
    assert.equal(tableRow(CLASS, cls({controller: 'a.io/c', parameters: {kind: 'ConfigMap', name: 'p'}}), now)[2], 'ConfigMap/p')
  })

  it('controller is a required domain-prefixed path of at most 250 characters, and immutable', () => {
    assert.deepEqual(classCauses({controller: 'skiff.dev/ingress-controller'}), [])
    assert.deepEqual(classCauses({}), [['spec.controller', 'Required value']])
    assert.deepEqual(classCauses({controller: 'skiff'}), [['spec.controller', 'Invalid value: "skiff": must be a domain-prefixed path (such as "acme.io/foo")']])
    assert.deepEqual(classCauses({controller: 'Skiff.dev/x'}), [['spec.controller', `Invalid value: "Skiff.dev": ${SUBDOMAIN_MSG}`]])
    assert.deepEqual(classCauses({controller: 'skiff.dev/a b'}), [['spec.controller', `Invalid value: "a b": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')`]])
    assert.deepEqual(classCauses({controller: `skiff.dev/${'x'.repeat(250)}`}).map(([, m]) => m), ['Too long: may not be more than 250 bytes'])
    assert.deepEqual(classCauses({controller: 'b.io/c'}, {controller: 'a.io/c'}), [['spec.controller', 'Invalid value: "b.io/c": field is immutable']])
  })

  it('parameters default to scope Cluster; Namespace scope needs a namespace, Cluster scope forbids one', () => {
    assert.equal((cls({controller: 'a.io/c', parameters: {kind: 'K', name: 'n'}}).spec as {parameters: {scope: string}}).parameters.scope, 'Cluster')
    assert.deepEqual(classCauses({controller: 'a.io/c', parameters: {kind: 'K', name: 'n'}}), [])
    assert.deepEqual(classCauses({controller: 'a.io/c', parameters: {kind: 'K', name: 'n', scope: 'Namespace'}}), [['spec.parameters.namespace', "Required value: `parameters.scope` is set to 'Namespace'"]])
    assert.deepEqual(classCauses({controller: 'a.io/c', parameters: {kind: 'K', name: 'n', scope: 'Cluster', namespace: 'x'}}), [['spec.parameters.namespace', "Forbidden: `parameters.scope` is set to 'Cluster'"]])
    assert.deepEqual(classCauses({controller: 'a.io/c', parameters: {kind: 'K', name: 'n', scope: 'Global'}}), [['spec.parameters.scope', 'Unsupported value: "Global": supported values: "Cluster", "Namespace"']])
    assert.deepEqual(classCauses({controller: 'a.io/c', parameters: {scope: 'Cluster'}}), [['spec.parameters.kind', 'Required value'], ['spec.parameters.name', 'Required value']])
  })
})
