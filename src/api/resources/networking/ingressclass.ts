// IngressClass (networking.k8s.io/v1): which controller serves an Ingress; the cluster's default is skiff's own.
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, notSupported, required, tooLong} from '../../validation/errors.js'
import {isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName, regexError} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {immutable} from '../shared/checks.js'
import {builtinPatch} from '../shared/patch.js'
import {S} from '../shared/protobuf.js'
import {col, nameCellsAge} from '../shared/table.js'

/** The annotation marking the class Ingresses without a class get. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class'

interface Parameters {
  apiGroup?: string
  kind?: string
  name?: string
  scope?: string
  namespace?: string
}

interface IngressClassSpec {
  controller?: string
  parameters?: Parameters
}

const SCOPES = ['Cluster', 'Namespace']
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"

/** IsDomainPrefixedPath: `<DNS subdomain>/<HTTP path>`, e.g. acme.io/ingress-controller. */
function domainPrefixedPath(value: string, field: string): StatusCause[] {
  const slash = value.indexOf('/')
  const host = value.slice(0, slash)
  const path = value.slice(slash + 1)
  if (slash <= 0 || path === '') return [invalid(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
  const causes = isDNS1123Subdomain(host).map((m) => invalid(field, host, m))
  if (!new RegExp(`^${HTTP_PATH_FMT}$`).test(path)) causes.push(invalid(field, path, regexError('Invalid path', HTTP_PATH_FMT)))
  return causes
}

function validateParameters(p: Parameters | undefined): StatusCause[] {
  if (!p) return []
  const path = 'spec.parameters'
  const causes: StatusCause[] = []
  if (typeof p.apiGroup === 'string') for (const m of isDNS1123Subdomain(p.apiGroup)) causes.push(invalid(`${path}.apiGroup`, p.apiGroup, m))
  for (const key of ['kind', 'name'] as const) {
    const v = p[key]
    if (!v) causes.push(required(`${path}.${key}`, ''))
    else for (const m of isValidPathSegmentName(v)) causes.push(invalid(`${path}.${key}`, v, m))
  }
  if (p.scope === undefined) return [...causes, required(`${path}.scope`, '')]
  if (!SCOPES.includes(p.scope)) return [...causes, notSupported(`${path}.scope`, p.scope, SCOPES)]
  if (p.scope === 'Namespace') {
    if (p.namespace === undefined) causes.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"))
    else for (const m of isDNS1123Label(p.namespace)) causes.push(invalid(`${path}.namespace`, p.namespace, m))
  }
  if (p.scope === 'Cluster' && p.namespace !== undefined) causes.push(forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"))
  return causes
}

function validate(obj: KubeObject): StatusCause[] {
  const spec = (obj.spec ?? {}) as IngressClassSpec
  const causes: StatusCause[] = []
  const controller = spec.controller ?? ''
  if (!controller) causes.push(required('spec.controller', ''))
  else {
    if (controller.length > 250) causes.push(tooLong('spec.controller', 250))
    causes.push(...domainPrefixedPath(controller, 'spec.controller'))
  }
  return [...causes, ...validateParameters(spec.parameters)]
}

export const ingressClass = defineResource('networking.k8s.io', 'v1', 'IngressClass', {
  resource: 'ingressclasses',
  namespaced: false,
  fields: ['spec'],
  // networking/v1 defaulting: parameters without a scope refer to a cluster-scoped object.
  default(obj) {
    const p = (obj.spec as IngressClassSpec | undefined)?.parameters
    if (p && p.scope === undefined) p.scope = 'Cluster'
  },
  validate,
  validateUpdate: (obj, old) => immutable((obj.spec as IngressClassSpec | undefined)?.controller ?? '', (old.spec as IngressClassSpec | undefined)?.controller ?? '', 'spec.controller'),
  table: nameCellsAge(
    [col('Controller', 'string', 0, 'controller refers to the name of the controller that should handle this class.'), col('Parameters', 'string', 0, 'parameters is a link to a custom resource containing additional configuration for the controller.')],
    (o) => {
      const spec = (o.spec ?? {}) as IngressClassSpec
      const p = spec.parameters
      const params = p ? `${p.kind ?? ''}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name ?? ''}` : '<none>'
      return [spec.controller ?? '', params]
    },
  ),
  patch: builtinPatch,
  protobuf: {
    IngressClass: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'IngressClassSpec']},
    IngressClassSpec: {1: ['controller', S], 2: ['parameters', 'IngressClassParametersReference']},
    IngressClassParametersReference: {1: ['apiGroup', S, 'k'], 2: ['kind', S, 'k'], 3: ['name', S, 'k'], 4: ['scope', S, 'k'], 5: ['namespace', S, 'k']},
  },
})
