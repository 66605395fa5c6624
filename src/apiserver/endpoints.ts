// Fixed endpoints: /version, health checks, discovery and OpenAPI (all served from caches).
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {DiscoveryCache} from './discovery.js'
import {aggregatedContentType, wantsAggregated} from './discovery.js'
import {errors} from './errors.js'
import type {OpenApiCache} from './openapi.js'
import {protobufV2Accept, protobufV2Type, type OpenApiV2Cache} from './openapi-v2.js'
import type {EndpointRequest} from './route.js'
import type {StaticDocument} from './serviceaccount/oidc.js'

export const versionInfo = {
  major: '1', minor: '32', gitVersion: 'v1.32.4-skiff', gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.8', compiler: 'gc',
  platform: `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`,
}
const versionJson = JSON.stringify(versionInfo)

/** Paths that answer without credentials. */
export function isAnonymousPath(path: string): boolean {
  return path === '/version' || path === '/healthz' || path === '/livez' || path === '/readyz' ||
    path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')
}

function send(res: ServerResponse, code: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(code, {'Content-Type': type, 'Content-Length': Buffer.byteLength(body)})
  res.end(body)
}

/** Answers a fixed endpoint or throws 404. */
export function serveEndpoint(e: EndpointRequest, req: IncomingMessage, res: ServerResponse, caches: {discovery: DiscoveryCache; openapi: OpenApiCache; openapiV2?: OpenApiV2Cache; documents?: Record<string, StaticDocument>}): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(req.method ?? '')
  const path = e.path.replace(/\/+$/, '') || '/'
  if (path === '/version') return send(res, 200, versionJson)
  if (e.discovery) {
    const d = e.discovery
    if (d.legacyRoot || (d.group === undefined && d.version === undefined)) {
      const legacy = Boolean(d.legacyRoot)
      if (wantsAggregated(req.headers.accept)) return send(res, 200, caches.discovery.aggregated(legacy), aggregatedContentType)
      return send(res, 200, legacy ? caches.discovery.apiVersions(req.headers.host ?? String(req.headers[':authority'] ?? '')) : caches.discovery.groupList())
    }
    if (d.version === undefined) {
      const doc = caches.discovery.group(d.group!)
      if (doc) return send(res, 200, doc)
      throw errors.notFoundPath()
    }
    const doc = caches.discovery.resourceList(d.group ?? '', d.version)
    if (doc) return send(res, 200, doc)
    throw errors.notFoundPath()
  }
  if (path === '/openapi/v3') return send(res, 200, caches.openapi.getIndex())
  if (path.startsWith('/openapi/v3/')) {
    const doc = caches.openapi.get(path.slice('/openapi/v3/'.length))
    if (doc) return send(res, 200, doc)
  }
  if (path === '/openapi/v2' && caches.openapiV2) {
    // kubectl asks for gnostic's protobuf first; other clients get Swagger JSON.
    if ((req.headers.accept ?? '').includes(protobufV2Accept)) return send(res, 200, caches.openapiV2.getProtobuf(), protobufV2Type)
    return send(res, 200, caches.openapiV2.getJson())
  }
  const served = caches.documents?.[path]
  if (served) return send(res, 200, served.body, served.type)
  throw errors.notFoundPath()
}
