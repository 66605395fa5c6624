// Who may call the agent's :10250 and for what: client certificates of the cluster CA or bearer tokens (TokenReview), then SubjectAccessReview on nodes/<subresource>, as the kubelet does.
import {X509Certificate} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import type {TLSSocket} from 'node:tls'
import type {KubeObject} from '../../api/types.js'
import type {Clock} from '../../api/clock.js'

/** The authenticated caller of the agent server. */
export interface AgentCaller {
  name: string
  uid?: string
  groups: string[]
  extra?: Record<string, string[]>
}

/** What a request asks, in the kubelet's terms: a verb on a subresource of this node (nodes/proxy, nodes/log, ...). */
export interface AgentRequestAttributes {
  verb: string
  subresource: string
  node: string
  path: string
}

/** The API calls the delegated checks make (create tokenreviews and subjectaccessreviews). */
export interface ReviewClient {
  create<T extends KubeObject = KubeObject>(target: {group?: string; version: string; resource: string}, body: T): Promise<T>
}

/** The caller of a request whose client certificate chains to `ca` (verified here: TLS asked without rejecting). */
export function certificateCaller(socket: TLSSocket, ca: X509Certificate): AgentCaller | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined
  const peer = socket.getPeerCertificate()
  if (!peer?.raw) return undefined
  try {
    const cert = new X509Certificate(peer.raw)
    const now = Date.now()
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey) || Date.parse(cert.validFrom) > now || now > Date.parse(cert.validTo)) return undefined
    const o = peer.subject?.O
    return {name: String(peer.subject?.CN ?? ''), groups: o === undefined ? [] : Array.isArray(o) ? o : [o]}
  } catch {
    return undefined
  }
}

/** The bearer token of a request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''))
  return m?.[1]
}

const VERBS: Record<string, string> = {POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete'}

/** The kubelet's mapping of a path to a nodes subresource, and of the HTTP method to a verb. */
export function requestAttributes(method: string, rawUrl: string, node: string): AgentRequestAttributes {
  const path = new URL(rawUrl, 'http://agent').pathname
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`)
  const subresource = under('/stats') ? 'stats' : under('/metrics') ? 'metrics' : under('/logs') ? 'log' : under('/spec') ? 'spec' : under('/checkpoint') ? 'checkpoint' : 'proxy'
  return {verb: VERBS[method.toUpperCase()] ?? method.toLowerCase(), subresource, node, path}
}

/** A small TTL cache (the kubelet keeps allowed answers 5 minutes, denials 30 seconds, token reviews 2 minutes). */
class TtlCache<V> {
  private readonly entries = new Map<string, {value: V; until: number}>()
  constructor(private readonly clock: Pick<Clock, 'now'>, private readonly max = 1000) {}
  get(key: string): V | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    if (e.until > this.clock.now()) return e.value
    this.entries.delete(key)
    return undefined
  }
  set(key: string, value: V, ttlMs: number): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(key, {value, until: this.clock.now() + ttlMs})
  }
}

export const AUTH_CACHE_MS = {allowed: 300_000, denied: 30_000, authenticated: 120_000, unauthenticated: 10_000}

interface TokenReviewStatus {
  authenticated?: boolean
  user?: {username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>}
}

/** Authenticates bearer tokens by TokenReview through `client` (cached). */
export function tokenReviewAuthenticator(client: ReviewClient, clock: Pick<Clock, 'now'> = Date): (token: string) => Promise<AgentCaller | undefined> {
  const cache = new TtlCache<AgentCaller | null>(clock)
  return async (token) => {
    const hit = cache.get(token)
    if (hit !== undefined) return hit ?? undefined
    const review = await client.create({group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews'},
      {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: {token}} as KubeObject)
    const status = (review as KubeObject & {status?: TokenReviewStatus}).status
    const caller = status?.authenticated && status.user?.username
      ? {name: status.user.username, uid: status.user.uid, groups: status.user.groups ?? [], extra: status.user.extra} : undefined
    cache.set(token, caller ?? null, caller ? AUTH_CACHE_MS.authenticated : AUTH_CACHE_MS.unauthenticated)
    return caller
  }
}

/** Authorizes by SubjectAccessReview on nodes/<subresource> of this node through `client` (cached). */
export function subjectAccessReviewAuthorizer(client: ReviewClient, clock: Pick<Clock, 'now'> = Date): (caller: AgentCaller, a: AgentRequestAttributes) => Promise<boolean> {
  const cache = new TtlCache<boolean>(clock)
  return async (caller, a) => {
    const key = JSON.stringify([caller.name, caller.uid, [...caller.groups].sort(), caller.extra, a.verb, a.subresource, a.node])
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const review = await client.create({group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews'}, {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
      spec: {user: caller.name, uid: caller.uid, groups: caller.groups, extra: caller.extra,
        resourceAttributes: {verb: a.verb, group: '', version: 'v1', resource: 'nodes', subresource: a.subresource, name: a.node}},
    } as KubeObject)
    const allowed = (review as KubeObject & {status?: {allowed?: boolean}}).status?.allowed === true
    cache.set(key, allowed, allowed ? AUTH_CACHE_MS.allowed : AUTH_CACHE_MS.denied)
    return allowed
  }
}
