// Service-account JWTs as Kubernetes issues them: signed (ES256) with the cluster key, verified back to a live ServiceAccount.
import {createHash, createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto'
import {SignJWT, jwtVerify, type JWK} from 'jose'
import type {UserInfo} from '../authn.js'

/** The issuer Kubernetes' default service-account-issuer names. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local'
/** Kubernetes' default audience: the issuer itself. */
export const DEFAULT_AUDIENCES = [DEFAULT_ISSUER]
/** Default and minimum token lifetime of a TokenRequest (Kubernetes' validation). */
export const DEFAULT_EXPIRATION_SECONDS = 3600
export const MIN_EXPIRATION_SECONDS = 600

/** The object a token is bound to (TokenRequest's boundObjectRef). */
export interface BoundObject {
  kind: 'Pod' | 'Secret'
  name: string
  uid: string
}

/** What a token says about its holder. */
export interface TokenSubject {
  namespace: string
  name: string
  uid: string
  bound?: BoundObject
}

/** The current uid of an object, or undefined when it is gone (answers from the store). */
export type UidLookup = (kind: 'ServiceAccount' | 'Pod' | 'Secret', namespace: string, name: string) => Promise<string | undefined>

/** The claim Kubernetes puts under "kubernetes.io". */
interface KubernetesClaim {
  namespace: string
  serviceaccount: {name: string; uid: string}
  pod?: {name: string; uid: string}
  secret?: {name: string; uid: string}
}

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:'

/** The user a service account is: system:serviceaccount:NS:NAME in the service-account groups. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {name: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`]}
}

/** Issues and verifies tokens with one key pair. */
export class ServiceAccountTokens {
  readonly issuer: string
  readonly keyId: string
  private constructor(private readonly priv: KeyObject, private readonly pub: KeyObject, issuer: string, private readonly now: () => Date) {
    this.issuer = issuer
    // Kubernetes' key id: base64url SHA-256 of the DER public key.
    this.keyId = createHash('sha256').update(pub.export({type: 'spki', format: 'der'})).digest('base64url')
  }

  /** From a PEM (PKCS#8 ECDSA P-256) private key, such as the cluster CA key. */
  static fromPem(keyPem: string, opts: {issuer?: string; now?: () => Date} = {}): ServiceAccountTokens {
    const priv = createPrivateKey(keyPem)
    return new ServiceAccountTokens(priv, createPublicKey(priv), opts.issuer ?? DEFAULT_ISSUER, opts.now ?? (() => new Date()))
  }

  /** A signed token for `subject`, valid `expirationSeconds` from now, for `audiences`. */
  async issue(subject: TokenSubject, audiences: string[], expirationSeconds: number): Promise<{token: string; expiration: Date}> {
    const iat = Math.floor(this.now().getTime() / 1000)
    const exp = iat + expirationSeconds
    const k8s: KubernetesClaim = {namespace: subject.namespace, serviceaccount: {name: subject.name, uid: subject.uid}}
    if (subject.bound?.kind === 'Pod') k8s.pod = {name: subject.bound.name, uid: subject.bound.uid}
    if (subject.bound?.kind === 'Secret') k8s.secret = {name: subject.bound.name, uid: subject.bound.uid}
    const token = await new SignJWT({'kubernetes.io': k8s})
      .setProtectedHeader({alg: 'ES256', kid: this.keyId})
      .setIssuer(this.issuer).setSubject(`${SERVICE_ACCOUNT_PREFIX}${subject.namespace}:${subject.name}`)
      .setAudience(audiences).setIssuedAt(iat).setNotBefore(iat).setExpirationTime(exp)
      .sign(this.priv)
    return {token, expiration: new Date(exp * 1000)}
  }

  /**
   * The user a token stands for, or undefined: bad signature, other issuer, no audience in common with `audiences`,
   * expired, or its ServiceAccount (or bound object) deleted or recreated since.
   */
  async authenticate(token: string, lookup: UidLookup, audiences: string[] = DEFAULT_AUDIENCES): Promise<(UserInfo & {audiences: string[]}) | undefined> {
    let payload: Record<string, unknown>
    try {
      ({payload} = await jwtVerify(token, this.pub, {issuer: this.issuer, audience: audiences, algorithms: ['ES256'], currentDate: this.now()}))
    } catch {
      return undefined
    }
    const k8s = payload['kubernetes.io'] as KubernetesClaim | undefined
    if (!k8s?.namespace || !k8s.serviceaccount?.name) return undefined
    if (payload.sub !== `${SERVICE_ACCOUNT_PREFIX}${k8s.namespace}:${k8s.serviceaccount.name}`) return undefined
    if (await lookup('ServiceAccount', k8s.namespace, k8s.serviceaccount.name) !== k8s.serviceaccount.uid) return undefined
    if (k8s.pod && await lookup('Pod', k8s.namespace, k8s.pod.name) !== k8s.pod.uid) return undefined
    if (k8s.secret && await lookup('Secret', k8s.namespace, k8s.secret.name) !== k8s.secret.uid) return undefined
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []) as string[]
    return {...serviceAccountUser(k8s.namespace, k8s.serviceaccount.name), audiences: aud.filter((a) => audiences.includes(a))}
  }

  /** The public key as a JWK Set (/openid/v1/jwks). */
  async jwks(): Promise<{keys: JWK[]}> {
    return this.jwksSync()
  }

  /** The same, without awaiting (node exports JWKs synchronously). */
  jwksSync(): {keys: JWK[]} {
    const {kty, crv, x, y} = this.pub.export({format: 'jwk'})
    return {keys: [{use: 'sig', kty, crv, kid: this.keyId, alg: 'ES256', x, y}]}
  }
}
