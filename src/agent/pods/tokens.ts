// Service-account tokens for projected volumes: asked of the API (TokenRequest bound to the pod), cached per pod and source, renewed at 80% of their life.
import type {Clock} from '../../api/clock.js'
import type {KubeObject} from '../../api/types.js'
import type {Pod, VolumeProjection} from '../../api/types/workloads.js'

/** The kubelet's cap on a token's age before it is renewed, whatever its expiry. */
export const MAX_TOKEN_AGE_MS = 24 * 60 * 60 * 1000
/** Used when the source names no expiry: the API's default (an hour). */
export const DEFAULT_TOKEN_SECONDS = 3600

type TokenSource = NonNullable<VolumeProjection['serviceAccountToken']>

/** A token with the window it is valid in. */
export interface IssuedToken {
  token: string
  issuedAt: number
  expiresAt: number
}

/** Renew once 80% of the lifetime has passed, or the token is older than a day (Kubernetes' kubelet rule). */
export function requiresRefresh(t: IssuedToken, now: number): boolean {
  if (now >= t.expiresAt) return true
  if (now - t.issuedAt > MAX_TOKEN_AGE_MS) return true
  return now >= t.issuedAt + 0.8 * (t.expiresAt - t.issuedAt)
}

/** When requiresRefresh first turns true. */
export function refreshAt(t: IssuedToken): number {
  return Math.min(t.issuedAt + 0.8 * (t.expiresAt - t.issuedAt), t.issuedAt + MAX_TOKEN_AGE_MS)
}

/** POSTs a TokenRequest; the agent's client satisfies it (create on serviceaccounts/NAME/token). */
export type TokenRequester = (namespace: string, serviceAccount: string, body: KubeObject) => Promise<KubeObject>

/** Reads the pod's tokens for its projected volumes; one instance per agent, shared by the pod workers. */
export class PodTokens {
  private readonly cache = new Map<string, IssuedToken>()

  constructor(
    private readonly request: TokenRequester,
    private readonly clock: Clock,
  ) {}

  private static key(pod: Pod, volume: string, src: TokenSource): string {
    return `${pod.metadata.uid}/${volume}/${src.path}/${src.audience ?? ''}/${src.expirationSeconds ?? ''}`
  }

  /** The cached token while it is fresh, else a new one bound to the pod (a failed renewal keeps the old one while it is valid). */
  async token(pod: Pod, volume: string, src: TokenSource): Promise<string> {
    const key = PodTokens.key(pod, volume, src)
    const now = this.clock.now()
    const cached = this.cache.get(key)
    if (cached && !requiresRefresh(cached, now)) return cached.token
    try {
      const issued = await this.issue(pod, src)
      this.cache.set(key, issued)
      return issued.token
    } catch (err) {
      if (cached && now < cached.expiresAt) return cached.token
      throw err
    }
  }

  /** The earliest renewal time among the pod's cached tokens (undefined when it has none). */
  nextRefresh(podUID: string): number | undefined {
    let next: number | undefined
    for (const [key, t] of this.cache) if (key.startsWith(`${podUID}/`)) next = Math.min(next ?? Infinity, refreshAt(t))
    return next
  }

  /** Drops a pod's tokens once the pod is gone. */
  forget(podUID: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${podUID}/`)) this.cache.delete(key)
  }

  private async issue(pod: Pod, src: TokenSource): Promise<IssuedToken> {
    const ns = pod.metadata.namespace ?? 'default'
    const sa = pod.spec?.serviceAccountName || 'default'
    const seconds = src.expirationSeconds ?? DEFAULT_TOKEN_SECONDS
    const body: KubeObject = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {name: sa, namespace: ns},
      spec: {
        // No audience means the API's own (an empty list lets the server pick its default).
        audiences: src.audience ? [src.audience] : [],
        expirationSeconds: seconds,
        boundObjectRef: {kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name, uid: pod.metadata.uid},
      },
    }
    // The life is counted from when it was asked for to the expiry the server gave (which may be longer than asked).
    const issuedAt = this.clock.now()
    const answer = await this.request(ns, sa, body)
    const status = (answer.status ?? {}) as {token?: string; expirationTimestamp?: string}
    if (!status.token) throw new Error(`TokenRequest for ${ns}/${sa} returned no token`)
    const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : issuedAt + seconds * 1000
    return {token: status.token, issuedAt, expiresAt}
  }
}
