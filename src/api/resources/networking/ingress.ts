// Ingress (networking.k8s.io/v1): HTTP routes by host and path to services, validated and printed as Kubernetes does.
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
import {isDNS1123Subdomain, isValidPortName, isValidPortNum} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
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
  status?: {loadBalancer?: {ingress?: {ip?: string; hostname?: string; ports?: {port: number; protocol: string}[]}[]}}
}

export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']

function validateBackend(b: IngressBackend | undefined, path: string): StatusCause[] {
  if (!b) return [required(path, '')]
  const causes: StatusCause[] = []
  if (b.service && b.resource) causes.push(invalid(path, '', 'cannot set both resource and service backends'))
  else if (!b.service && !b.resource) causes.push(invalid(path, '', 'resource or service backend is required'))
  if (b.service) {
    if (!b.service.name) causes.push(required(`${path}.service.name`, ''))
    else for (const m of isDNS1123Subdomain(b.service.name)) causes.push(invalid(`${path}.service.name`, b.service.name, m))
    const port = b.service.port ?? {}
    if (port.name && port.number) causes.push(invalid(`${path}.service.port`, '', 'cannot set both port name & port number'))
    else if (port.name) for (const m of isValidPortName(port.name)) causes.push(invalid(`${path}.service.port.name`, port.name, m))
    else if (port.number !== undefined) for (const m of isValidPortNum(port.number)) causes.push(invalid(`${path}.service.port.number`, port.number, m))
    else causes.push(required(`${path}.service.port`, 'port name or number is required'))
  }
  if (b.resource && !b.resource.kind) causes.push(required(`${path}.resource.kind`, ''))
  if (b.resource && !b.resource.name) causes.push(required(`${path}.resource.name`, ''))
  return causes
}

/** A rule host: a DNS subdomain, or a wildcard in its first label only (`*.example.com`). */
function validateHost(host: string, path: string): StatusCause[] {
  if (host.includes('*')) {
    if (!/^\*\.[^*]+$/.test(host)) return [invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    return isDNS1123Subdomain(host.slice(2)).map((m) => invalid(path, host, m))
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return [invalid(path, host, 'must be a DNS name, not an IP address')]
  return isDNS1123Subdomain(host).map((m) => invalid(path, host, m))
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj as Ingress).spec ?? {}
  const causes: StatusCause[] = []
  if (!spec.defaultBackend && !(spec.rules ?? []).length) causes.push(invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified'))
  if (spec.defaultBackend) causes.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'))
  if (spec.ingressClassName) for (const m of isDNS1123Subdomain(spec.ingressClassName)) causes.push(invalid('spec.ingressClassName', spec.ingressClassName, m))
  ;(spec.rules ?? []).forEach((r, i) => {
    const p = `spec.rules[${i}]`
    if (r.host) causes.push(...validateHost(r.host, `${p}.host`))
    if (r.http && !(r.http.paths ?? []).length) causes.push(required(`${p}.http.paths`, ''))
    ;(r.http?.paths ?? []).forEach((path, j) => {
      const pp = `${p}.http.paths[${j}]`
      if (!path.pathType) causes.push(required(`${pp}.pathType`, 'pathType must be specified'))
      else if (!PATH_TYPES.includes(path.pathType)) causes.push(notSupported(`${pp}.pathType`, path.pathType, PATH_TYPES))
      if (path.pathType !== 'ImplementationSpecific' && path.pathType && !(path.path ?? '').startsWith('/')) causes.push(invalid(`${pp}.path`, path.path ?? '', 'must be an absolute path'))
      if (path.path && /\/\.\.?(\/|$)|\/\//.test(path.path) && path.pathType !== 'ImplementationSpecific') causes.push(invalid(`${pp}.path`, path.path, "must not contain '//', '/./' or '/../'"))
      causes.push(...validateBackend(path.backend, `${pp}.backend`))
    })
  })
  ;(spec.tls ?? []).forEach((t, i) => (t.hosts ?? []).forEach((h, j) => causes.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`))))
  return causes
}

function hosts(ing: Ingress): string {
  const list = (ing.spec?.rules ?? []).map((r) => r.host || '*')
  if (list.length === 0) return '*'
  return list.length > 4 ? `${list.slice(0, 4).join(',')} + ${list.length - 4} more...` : list.join(',')
}

function address(ing: Ingress): string {
  return (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean).join(',')
}

export const ingress = defineResource('networking.k8s.io', 'v1', 'Ingress', {
  resource: 'ingresses',
  shortNames: ['ing'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
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
      return [ing.spec?.ingressClassName || '<none>', hosts(ing), address(ing), (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80']
    },
  ),
  patch: builtinPatch,
})
