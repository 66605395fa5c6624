// Shapes the object commands share: a loose Kubernetes object, the server's Status as an error, and resolved resource types.

/** Any API object, as JSON. */
export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata?: {
    name?: string
    generateName?: string
    namespace?: string
    uid?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    resourceVersion?: string
    generation?: number
    creationTimestamp?: string
    deletionTimestamp?: string
    ownerReferences?: Array<{kind: string; name: string; uid: string; controller?: boolean}>
    [key: string]: unknown
  }
  [key: string]: unknown
}

/** One resource type from discovery. */
export interface ResourceInfo {
  group: string
  version: string
  /** Plural, e.g. deployments. */
  resource: string
  singular: string
  kind: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  verbs: string[]
  subresources: string[]
}

/** `deployment.apps` / `pod`: how kubectl names a type in its messages. */
export function typeName(r: Pick<ResourceInfo, 'kind' | 'group'>): string {
  return r.kind.toLowerCase() + (r.group ? `.${r.group}` : '')
}

/** The Status a server sent with a non-2xx answer. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly status?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  static fromResponse(code: number, text: string): ApiError {
    try {
      const s = JSON.parse(text) as {kind?: string; reason?: string; message?: string}
      if (s.kind === 'Status') return new ApiError(code, s.reason ?? '', s.message ?? text, s as Record<string, unknown>)
    } catch {
      // not JSON: fall through and show the body as it came
    }
    return new ApiError(code, reasonFor(code), text.trim() || `HTTP ${code}`)
  }

  /** kubectl's wording: `Error from server (NotFound): deployments.apps "x" not found`. */
  describe(): string {
    return `Error from server${this.reason ? ` (${this.reason})` : ''}: ${this.message}`
  }
}

function reasonFor(code: number): string {
  const reasons: Record<number, string> = {400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid', 500: 'InternalError', 503: 'ServiceUnavailable'}
  return reasons[code] ?? ''
}
