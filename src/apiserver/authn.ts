// Authentication: a client certificate signed by the cluster CA (user = CN, groups = O) or a bearer token.
import {X509Certificate} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import type {TLSSocket} from 'node:tls'

/** Who made a request. */
export interface UserInfo {
  name: string
  groups: string[]
}

/** The group of every authenticated user. */
export const AUTHENTICATED_GROUP = 'system:authenticated'

/** Resolves a bearer token to a user, or undefined when it is not valid. */
export type TokenAuthenticator = (token: string) => Promise<UserInfo | undefined> | UserInfo | undefined

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'
const ANY_USAGE = '2.5.29.37.0'

/** Whether a certificate may authenticate a client: an extended key usage of clientAuth (or any), or none listed, as Go's verifier accepts. */
function clientUsage(cert: X509Certificate): boolean {
  const usages = cert.keyUsage
  return !usages || usages.length === 0 || usages.includes(CLIENT_AUTH) || usages.includes(ANY_USAGE)
}

/** Builds an authenticator that trusts client certificates issued by `caPem`. */
export function createAuthenticator(caPem: string, tokens?: TokenAuthenticator, now: () => Date = () => new Date()) {
  const ca = new X509Certificate(caPem)
  // The TLS layer already checked possession of the key; one verification per connection is enough.
  const verified = new WeakMap<object, UserInfo | null>()

  function fromCertificate(req: IncomingMessage): UserInfo | undefined {
    // Over HTTP/2, req.socket is a proxy made per stream; the session's socket is the one connection to cache on.
    const socket = ((req as {stream?: {session?: {socket?: unknown}}}).stream?.session?.socket ?? req.socket) as TLSSocket
    if (typeof socket.getPeerCertificate !== 'function') return undefined
    const cached = verified.get(socket)
    if (cached !== undefined) return cached ?? undefined
    let user: UserInfo | null = null
    const peer = socket.getPeerCertificate()
    if (peer?.raw) {
      try {
        const cert = new X509Certificate(peer.raw)
        const t = now().getTime()
        const valid = cert.checkIssued(ca) && cert.verify(ca.publicKey) && clientUsage(cert) &&
          Date.parse(cert.validFrom) <= t && t <= Date.parse(cert.validTo)
        if (valid) {
          const o = peer.subject?.O
          user = {name: String(peer.subject?.CN ?? ''), groups: o === undefined ? [] : Array.isArray(o) ? o : [o]}
        }
      } catch {
        user = null
      }
    }
    verified.set(socket, user)
    return user ?? undefined
  }

  /** Returns the request's user, or undefined when it carries no valid credential. */
  return async function authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const certUser = fromCertificate(req)
    if (certUser) return authenticated(certUser)
    const auth = req.headers.authorization
    if (tokens && auth?.startsWith('Bearer ')) {
      const tokenUser = await tokens(auth.slice(7).trim())
      return tokenUser ? authenticated(tokenUser) : undefined
    }
    return undefined
  }
}

/** Every authenticated user is also in system:authenticated, as Kubernetes adds it (RBAC's discovery roles bind it). */
export function authenticated(user: UserInfo): UserInfo {
  return user.groups.includes(AUTHENTICATED_GROUP) ? user : {...user, groups: [...user.groups, AUTHENTICATED_GROUP]}
}
