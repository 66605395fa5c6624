// The HTTPS server: routing → authentication → body → verb handler → JSON response.
import https from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {ResourceRegistry} from '../api/registry.js'
import type {Store} from '../store/index.js'
import {createAuthenticator, type TokenAuthenticator} from './authn.js'
import {readBody} from './body.js'
import type {ServerContext} from './context.js'
import {loadDeps} from './deps.js'
import {DiscoveryCache} from './discovery.js'
import {isAnonymousPath, serveEndpoint} from './endpoints.js'
import {errors} from './errors.js'
import {dispatch} from './handlers/index.js'
import {OpenApiCache} from './openapi.js'
import {sendError, sendJson} from './respond.js'
import {route} from './route.js'

export interface ApiServerOptions {
  store: Store
  port: number
  host?: string
  tls: {cert: string; key: string; ca: string}
  /** Injected clock (tests). */
  clock?: () => Date
  registry?: ResourceRegistry
  /** Bearer token authentication (service account tokens), when available. */
  authenticateToken?: TokenAuthenticator
  /** ClusterIP of the `kubernetes` Service created at bootstrap. */
  serviceIP?: string
}

/** Builds the request listener and its context (without listening). */
export async function createHandler(opts: ApiServerOptions): Promise<{ctx: ServerContext; handle: (req: IncomingMessage, res: ServerResponse) => void}> {
  const registry = opts.registry ?? new ResourceRegistry()
  const ctx: ServerContext = {store: opts.store, registry, deps: await loadDeps(), now: opts.clock ?? (() => new Date())}
  const caches = {discovery: new DiscoveryCache(registry), openapi: new OpenApiCache(registry)}
  const authenticate = createAuthenticator(opts.tls.ca, opts.authenticateToken, ctx.now)

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const path = url.split('?')[0]
    const anonymous = isAnonymousPath(path.replace(/\/+$/, ''))
    const user = await authenticate(req)
    if (!user && !anonymous) throw errors.unauthorized()
    const routed = route(req.method ?? 'GET', url, registry)
    if (routed.kind === 'endpoint') return serveEndpoint(routed, req, res, caches)
    const raw = await readBody(req)
    const result = await dispatch({ctx, r: routed, req, res, user: user!, raw})
    if (result) sendJson(res, result.code, result.body)
  }

  return {
    ctx,
    handle(req, res) {
      serve(req, res).catch(err => sendError(res, err))
    },
  }
}
