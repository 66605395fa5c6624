// Ingress (networking.k8s.io/v1): HTTP routes by host and path to services, validated and printed as Kubernetes does.
import {isIP} from 'node:net'
import type {KubeObject, StatusCause} from '../../types.js'
import {GoValue, invalid, notSupported, required} from '../../validation/errors.js'
import {isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName, isValidPortName, isValidPortNum, maxLenError, regexError} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {I32, S, specStatusMessage} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'

/** A backend: a service port (by number or name) or a typed resource reference. */
export interface IngressBackend {
  service?: {name?: string; port?: {number?: number; name?: string}}
  resource?: {apiGroup?: string; kind?: string; name?: string}
}

/** One path of a rule. */
export interface IngressPath {
  path?: string
  pathType?: string
  backend?: IngressBackend
}

/** An Ingress as the controller reads it. */
export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string
    defaultBackend?: IngressBackend
    tls?: {hosts?: string[]; secretName?: string}[]
    rules?: {host?: string; http?: {paths?: IngressPath[]}}[]
  }
  status?: {loadBalancer?: {ingress?: {ip?: string; hostname?: string; ports?: {port: number; protocol: string; error?: string}[]}[]}}
}

/** The path types, in the order Kubernetes lists them in its "supported values". */
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']

// Sequences and endings Exact and Prefix paths may not have (they would match differently after normalisation).
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F']
const INVALID_PATH_SUFFIXES = ['/..', '/.']

const WILDCARD_FMT = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'
const WILDCARD_MSG = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"

/** IsWildcardDNS1123Subdomain: `*.` and a DNS subdomain, so the wildcard is one whole first label. */
function isWildcardSubdomain(value: string): string[] {
  const errs: string[] = []
  if (Buffer.byteLength(value) > 253) errs.push(maxLenError(253))
  if (!new RegExp(`^${WILDCARD_FMT}$`).test(value)) errs.push(regexError(WILDCARD_MSG, WILDCARD_FMT, '*.example.com'))
  return errs
}

/** ParseIPSloppy: IPv6, or IPv4 including leading zeros. */
function isIPAddress(host: string): boolean {
  return isIP(host) !== 0 || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
}

function validateResourceRef(r: NonNullable<IngressBackend['resource']>, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (r.apiGroup !== undefined && r.apiGroup !== null) for (const m of isDNS1123Subdomain(r.apiGroup)) causes.push(invalid(`${path}.apiGroup`, r.apiGroup, m))
  for (const key of ['kind', 'name'] as const) {
    const v = r[key]
    if (!v) causes.push(required(`${path}.${key}`, ''))
    else for (const m of isValidPathSegmentName(v)) causes.push(invalid(`${path}.${key}`, v, m))
  }
  return causes
}

/** validateIngressBackend: exactly one of service or resource; a service needs its name and one of port name or number. */
function validateBackend(b: IngressBackend | undefined, path: string): StatusCause[] {
  if (b?.service && b.resource) return [invalid(path, '', 'cannot set both resource and service backends')]
  if (b?.resource) return validateResourceRef(b.resource, `${path}.resource`)
  if (!b?.service) return [invalid(path, '', 'resource or service backend is required')]
  const causes: StatusCause[] = []
  const svc = b.service
  if (!svc.name) causes.push(required(`${path}.service.name`, ''))
  else for (const m of isDNS1035Label(svc.name)) causes.push(invalid(`${path}.service.name`, svc.name, m))
  const port = svc.port ?? {}
  if (port.name && port.number) causes.push(invalid(path, '', 'cannot set both port name & port number'))
  else if (port.name) for (const m of isValidPortName(port.name)) causes.push(invalid(`${path}.service.port.name`, port.name, m))
  else if (port.number) for (const m of isValidPortNum(port.number)) causes.push(invalid(`${path}.service.port.number`, port.number, m))
  else causes.push(required(path, 'port name or number is required'))
  return causes
}

/** A host of a rule or a TLS section: a DNS subdomain, or a wildcard in its first label only (`*.example.com`). */
function validateHost(host: string, path: string, rejectIP: boolean): StatusCause[] {
  const causes: StatusCause[] = []
  if (rejectIP && isIPAddress(host)) causes.push(invalid(path, host, 'must be a DNS name, not an IP address'))
  const msgs = host.includes('*') ? isWildcardSubdomain(host) : isDNS1123Subdomain(host)
  for (const m of msgs) causes.push(invalid(path, host, m))
  return causes
}

function validatePath(p: IngressPath, path: string): StatusCause[] {
  if (!p.pathType) return [required(`${path}.pathType`, 'pathType must be specified')]
  const causes: StatusCause[] = []
  const value = p.path ?? ''
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) causes.push(invalid(`${path}.path`, value, 'must be an absolute path'))
    for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) causes.push(invalid(`${path}.path`, value, `must not contain '${seq}'`))
    for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) causes.push(invalid(`${path}.path`, value, `cannot end with '${suffix}'`))
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value !== '' && !value.startsWith('/')) causes.push(invalid(`${path}.path`, value, 'must be an absolute path'))
  } else {
    causes.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES))
  }
  return [...causes, ...validateBackend(p.backend, `${path}.backend`)]
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj as Ingress).spec ?? {}
  const causes: StatusCause[] = []
  if (!spec.defaultBackend && !(spec.rules ?? []).length) {
    // The server quotes the (nil or empty) Go slice.
    causes.push(invalid('spec', new GoValue(spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'))
  }
  if (spec.defaultBackend) causes.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'))
  ;(spec.rules ?? []).forEach((r, i) => {
    const p = `spec.rules[${i}]`
    if (r.host) causes.push(...validateHost(r.host, `${p}.host`, true))
    if (!r.http) return
    if (!(r.http.paths ?? []).length) causes.push(required(`${p}.http.paths`, ''))
    ;(r.http.paths ?? []).forEach((path, j) => causes.push(...validatePath(path, `${p}.http.paths[${j}]`)))
  })
  ;(spec.tls ?? []).forEach((t, i) => {
    ;(t.hosts ?? []).forEach((h, j) => causes.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`, false)))
    if (t.secretName) for (const m of isDNS1123Subdomain(t.secretName)) causes.push(invalid(`spec.tls[${i}].secretName`, t.secretName, m))
  })
  if (typeof spec.ingressClassName === 'string') for (const m of isDNS1123Subdomain(spec.ingressClassName)) causes.push(invalid('spec.ingressClassName', spec.ingressClassName, m))
  return causes
}

/** kubectl's HOSTS: up to three hosts (rules without one skipped), `*` when none, and how many rules more. */
function hosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? []
  const max = 3
  const list: string[] = []
  let more = false
  for (const rule of rules) {
    if (list.length === max) more = true
    if (!more && rule.host) list.push(rule.host)
  }
  if (list.length === 0) return '*'
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',')
}

/** ADDRESS: the distinct IPs (else hostnames), sorted; the server renders wide, so never clipped. */
function address(ing: Ingress): string {
  const set = new Set((ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))
  return [...set].sort().join(',')
}

export const ingress = defineResource('networking.k8s.io', 'v1', 'Ingress', {
  resource: 'ingresses',
  shortNames: ['ing'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  // Go prints the (non-pointer) load balancer status even when empty, as for a Service.
  default(obj) {
    const status = ((obj as Ingress).status ??= {})
    status.loadBalancer ??= {}
  },
  validate,
  table: nameCellsAge(
    [
      col('Class', 'string', 0, 'ingressClassName is the name of an IngressClass cluster resource.'),
      col('Hosts', 'string', 0, 'host can be "precise" which is a domain name without the terminating dot of a network host.'),
      col('Address', 'string', 0, 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 0, 'Ports of TLS configurations that open'),
    ],
    (o) => {
      const ing = o as Ingress
      return [ing.spec?.ingressClassName ?? '<none>', hosts(ing), address(ing), (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80']
    },
  ),
  patch: builtinPatch,
  // k8s.io/api networking/v1 generated.proto; 'k' where the Go field is a pointer or has no omitempty.
  protobuf: {
    Ingress: specStatusMessage('IngressSpec', 'IngressStatus'),
    IngressSpec: {1: ['defaultBackend', 'IngressBackend'], 2: ['tls', 'IngressTLS', 'r'], 3: ['rules', 'IngressRule', 'r'], 4: ['ingressClassName', S, 'k']},
    IngressBackend: {3: ['resource', 'TypedLocalObjectReference'], 4: ['service', 'IngressServiceBackend']},
    TypedLocalObjectReference: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k']},
    IngressServiceBackend: {1: ['name', S, 'k'], 2: ['port', 'ServiceBackendPort']},
    ServiceBackendPort: {1: ['name', S], 2: ['number', I32]},
    IngressTLS: {1: ['hosts', S, 'r'], 2: ['secretName', S]},
    IngressRule: {1: ['host', S], 2: ['', 'IngressRuleValue', 'i']},
    IngressRuleValue: {1: ['http', 'HTTPIngressRuleValue']},
    HTTPIngressRuleValue: {1: ['paths', 'HTTPIngressPath', 'r']},
    HTTPIngressPath: {1: ['path', S], 2: ['backend', 'IngressBackend'], 3: ['pathType', S, 'k']},
    IngressStatus: {1: ['loadBalancer', 'IngressLoadBalancerStatus']},
    IngressLoadBalancerStatus: {1: ['ingress', 'IngressLoadBalancerIngress', 'r']},
    IngressLoadBalancerIngress: {1: ['ip', S], 2: ['hostname', S], 4: ['ports', 'IngressPortStatus', 'r']},
    IngressPortStatus: {1: ['port', I32, 'k'], 2: ['protocol', S, 'k'], 3: ['error', S, 'k']},
  },
})
