// The HTTPS server: routing → authentication → body → verb handler → JSON response.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Duplex} from 'node:stream'
import {WatchCache} from './watchcache.js'
import {InflightLimiter, isLongRunning} from './inflight.js'
import {createHealth, type Health, isHealthPath, POST_START_HOOKS, serveHealth} from './health.js'
import {ClusterDefaults, type OptionalComponent} from '../api/contract.js'
import {ResourceRegistry} from '../api/registry.js'
import type {Store} from '../store/index.js'
import {type AdmissionPlugin, defaultTolerationSeconds, limitRanger, namespaceLifecycle, podSecurity, policyAdmission, priorityAdmission, resourceQuotaAdmission, webhookAdmission} from './admission/index.js'
import {createAuthenticator, type TokenAuthenticator, type UserInfo} from './authn.js'
import {allowAll, attributesOf, type Authorizer, forbidden} from './authz/index.js'
import {readBody} from './body.js'
import {impersonatedUser} from './impersonation.js'
import type {ServerContext} from './context.js'
import {loadDeps} from './deps.js'
import {DiscoveryCache} from './discovery.js'
import {isAnonymousPath, serveEndpoint} from './endpoints.js'
import {errors} from './errors.js'
import {dispatch} from './handlers/index.js'
import {type AgentTls, parseStreamPath, proxyUpgrade, refuseWithoutUpgrade, rejectUpgrade, servePodLog} from './handlers/streams.js'
import {OpenApiCache} from './openapi.js'
import {OpenApiV2Cache} from './openapi-v2.js'
import {sendError, sendJson} from './respond.js'
import {route} from './route.js'
import {serviceAccountAuthenticator} from './serviceaccount/tokenrequest.js'
import {oidcDocuments} from './serviceaccount/oidc.js'
import type {ServiceAccountTokens} from './serviceaccount/tokens.js'

/** The service range Kubernetes and skiff default to. */
export const DEFAULT_SERVICE_CIDR = ClusterDefaults.serviceCIDR

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
  /** Service-account token issuing (TokenRequest) and authentication, when given. */
  serviceAccountTokens?: ServiceAccountTokens
  /** The service range cluster IPs come from (default 10.96.0.0/16); its first address is the `kubernetes` Service's. */
  serviceCIDR?: string
  /** Where pods reach this apiserver (the node address and port): the `kubernetes` Service's endpoints. */
  advertise?: {address: string; port: number}
  /** Built-in components turned off: their bootstrap objects (kube-dns Service, IngressClass, StorageClass) are not created. */
  disabledComponents?: ReadonlySet<OptionalComponent>
  /** Node ports for NodePort and LoadBalancer services (default 30000-32767). */
  nodePortRange?: {min: number; max: number}
  /** Source of randomness for allocations (tests). */
  random?: () => number
  /**
   * Client certificate for calls to agents (logs, exec, attach); default: the serving certificate, which agents
   * accept as the kube-apiserver identity (see src/agent/server).
   */
  agentClient?: {cert: string; key: string}
  /** Requests in flight beyond which the server answers 429 (default: kube-apiserver's 400 read-only, 200 mutating). */
  maxInflight?: {readOnly: number; mutating: number}
  /** Decides each authenticated request (default: allow all, for in-process tests). */
  authorizer?: Authorizer
  /** Admission plugins, in order, after the built-in ones; they get the server context on each call. */
  admission?: AdmissionPlugin<ServerContext>[]
}

/** Builds the request listener and its context (without listening). */
export async function createHandler(opts: ApiServerOptions): Promise<{
  ctx: ServerContext
  handle: (req: IncomingMessage, res: ServerResponse) => void
  /** For the server's 'upgrade' event: exec/attach streams. */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  health: Health
  /** Ends the admission plugins' watches. */
  stop: () => void
}> {
  const registry = opts.registry ?? new ResourceRegistry()
  const allocation = {serviceCIDR: opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR, nodePortRange: opts.nodePortRange ?? {min: 30000, max: 32767}, random: opts.random ?? Math.random}
  // Kubernetes' order: ValidatingAdmissionPolicy, then the webhooks, last of each phase (the mutating webhook is the last
  // mutation), and ResourceQuota last of all, so nothing after it can refuse a write it charged.
  const policies = policyAdmission()
  const webhooks = webhookAdmission()
  const priority = priorityAdmission()
  const admission = [namespaceLifecycle, limitRanger, podSecurity, priority.plugin, defaultTolerationSeconds, ...(opts.admission ?? []), policies.plugin, webhooks.mutating, webhooks.validating, resourceQuotaAdmission]
  const ctx: ServerContext = {store: opts.store, registry, deps: await loadDeps(), now: opts.clock ?? (() => new Date()), allocation,
    authorizer: opts.authorizer ?? allowAll, watchCache: new WatchCache(opts.store), admission, serviceAccountTokens: opts.serviceAccountTokens}
  const caches = {discovery: new DiscoveryCache(registry), openapi: new OpenApiCache(registry), openapiV2: new OpenApiV2Cache(registry),
    documents: opts.serviceAccountTokens ? oidcDocuments(opts.serviceAccountTokens) : undefined}
  const inflight = new InflightLimiter(opts.maxInflight)
  const health = createHealth(opts.store, [...POST_START_HOOKS])
  const authenticate = createAuthenticator(opts.tls.ca, opts.authenticateToken ?? serviceAccountAuthenticator(ctx), ctx.now)
  const agentTls: AgentTls = {ca: opts.tls.ca, ...(opts.agentClient ?? {cert: opts.tls.cert, key: opts.tls.key})}

  async function authorize(user: UserInfo, method: string, routed: ReturnType<typeof route>): Promise<void> {
    const attrs = attributesOf(user, method, routed)
    const d = await ctx.authorizer.authorize(attrs)
    if (d.decision !== 'allow') throw forbidden(attrs, d.reason)
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const path = url.split('?')[0]
    const anonymous = isAnonymousPath(path.replace(/\/+$/, ''))
    const authUser = await authenticate(req)
    if (!authUser && !anonymous) throw errors.unauthorized()
    const user = authUser && await impersonatedUser(req, authUser, ctx.authorizer)
    const routed = route(req.method ?? 'GET', url, registry)
    if (isHealthPath(path)) return serveHealth(health, req, res)
    const longRunning = routed.kind === 'resource' && isLongRunning(req.method ?? 'GET', routed.verb, routed.subresource, routed.query)
    if (!longRunning) inflight.admit(req.method ?? 'GET', user, res)
    if (!anonymous) await authorize(user!, req.method ?? 'GET', routed)
    if (routed.kind === 'endpoint') return serveEndpoint(routed, req, res, caches)
    if (routed.subresource === 'log' && routed.def.kind === 'Pod' && routed.def.group === '') {
      return servePodLog(ctx, agentTls, user!, parseStreamPath(url)!, req, res)
    }
    const stream = routed.kind === 'resource' && routed.def.kind === 'Pod' && routed.def.group === '' ? parseStreamPath(url) : undefined
    if (stream) return refuseWithoutUpgrade(ctx, user!, stream)
    const raw = await readBody(req)
    const result = await dispatch({ctx, r: routed, req, res, user: user!, raw})
    if (result) sendJson(res, result.code, result.body)
  }

  async function serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const authUser = await authenticate(req)
    if (!authUser) throw errors.unauthorized()
    const user = await impersonatedUser(req, authUser, ctx.authorizer)
    const r = parseStreamPath(req.url ?? '/')
    if (!r || r.subresource === 'log') throw errors.badRequest(`upgrade is not supported on ${(req.url ?? '/').split('?')[0]}`)
    // exec, attach and portforward are asked as create on the subresource, whatever the method (as Kubernetes does).
    const routed = route('POST', req.url ?? '/', registry)
    await authorize(user, 'POST', routed)
    await proxyUpgrade(ctx, agentTls, user, r, req, socket, head)
  }

  return {
    ctx,
    health,
    stop: () => { policies.close(); webhooks.close(); priority.close() },
    handle(req, res) {
      serve(req, res).catch(err => sendError(res, err))
    },
    upgrade(req, socket, head) {
      // A reset by the client must not crash the server before a handler owns the socket.
      socket.on('error', () => {})
      serveUpgrade(req, socket, head).catch(err => rejectUpgrade(socket, err))
    },
  }
}
