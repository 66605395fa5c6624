// Routing: turns a method and URL into either a well-known endpoint or a resource request on the registry.
import type {ResourceDef, ResourceRegistry} from '../api/registry.js'
import {errors} from './errors.js'
import {queryFlag} from '../api/query.js'

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection'

/** A request addressed to a resource (collection, item or subresource). */
export interface ResourceRequest {
  kind: 'resource'
  def: ResourceDef
  verb: Verb
  namespace?: string
  name?: string
  subresource?: string
  query: URLSearchParams
}

/** A request for a fixed endpoint (version, health, discovery, openapi). */
export interface EndpointRequest {
  kind: 'endpoint'
  path: string
  /** Set for /api, /apis, /api/v1 and /apis/<g>/<v>. */
  discovery?: {group?: string; version?: string; legacyRoot?: boolean}
  query: URLSearchParams
}

export type Routed = ResourceRequest | EndpointRequest

// Namespace subresources that must not be read as a namespaced resource name.
const namespaceSubresources = new Set(['status', 'finalize'])

/** Routes a request; throws 404/405 ApiErrors for paths or methods the server does not serve. */
export function route(method: string, rawUrl: string, registry: ResourceRegistry): Routed {
  const url = new URL(rawUrl, 'http://x')
  const query = url.searchParams
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api') {
    if (parts.length === 1) return {kind: 'endpoint', path: url.pathname, discovery: {legacyRoot: true}, query}
    group = ''
    version = parts[1]
    rest = parts.slice(2)
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return {kind: 'endpoint', path: url.pathname, discovery: {}, query}
    if (parts.length === 2) return {kind: 'endpoint', path: url.pathname, discovery: {group: parts[1]}, query}
    group = parts[1]
    version = parts[2]
    rest = parts.slice(3)
  } else {
    return {kind: 'endpoint', path: url.pathname, query}
  }
  if (rest.length === 0) return {kind: 'endpoint', path: url.pathname, discovery: {group, version}, query}

  let watchPath = false
  if (rest[0] === 'watch') {
    watchPath = true
    rest = rest.slice(1)
  }
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]
    if (rest.length > 2 && !namespaceSubresources.has(rest[2])) rest = rest.slice(2)
    else namespace = undefined
  }
  const [resource, name, subresource, ...extra] = rest
  const def = registry.lookup(group, version, resource)
  if (!def || extra.length > 0 || (namespace !== undefined && !def.namespaced)) throw errors.notFoundPath()
  if (subresource && !def.subresources.some(s => s.name === subresource)) throw errors.notFoundPath()
  const watch = watchPath || queryFlag(query, 'watch')
  let verb: Verb
  switch (method) {
    case 'GET': verb = name ? (watch ? 'watch' : 'get') : (watch ? 'watch' : 'list'); break
    case 'POST': verb = 'create'; break
    case 'PUT': verb = 'update'; break
    case 'PATCH': verb = 'patch'; break
    case 'DELETE': verb = name ? 'delete' : 'deletecollection'; break
    default: throw errors.methodNotAllowed(method)
  }
  // A watch on one name is a list watch filtered by metadata.name, as client-go does.
  if (verb === 'watch' && name) {
    const fs = query.get('fieldSelector')
    query.set('fieldSelector', fs ? `${fs},metadata.name=${name}` : `metadata.name=${name}`)
  }
  return {kind: 'resource', def, verb, namespace, name: verb === 'watch' ? undefined : name, subresource, query}
}
