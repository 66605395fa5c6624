// The error every failed API call throws: the server's Status, so callers branch on code and reason.
import type {Status} from '../api/types.js'

/** A failed API request, carrying the Status object the server sent (or one synthesized from the response). */
export class ApiError extends Error {
  readonly status: Status
  /** Seconds the server asked to wait before sending the request again (a 429's Retry-After). */
  retryAfterSeconds?: number

  constructor(status: Status, readonly method?: string, readonly path?: string) {
    super(status.message || `${status.code} ${status.reason ?? 'Error'}`)
    this.name = 'ApiError'
    this.status = status
  }

  get code(): number {
    return this.status.code
  }

  get reason(): string | undefined {
    return this.status.reason
  }
}

const reasonByCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
}

/** Turns an HTTP error response into a Status: the body when it is one, otherwise a synthesized one. */
export function statusFromResponse(code: number, body: string): Status {
  try {
    const parsed = JSON.parse(body)
    if (parsed && parsed.kind === 'Status') return {...parsed, code: parsed.code ?? code}
  } catch {
    // Not JSON: a proxy or a bare 404; fall through.
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason: reasonByCode[code] ?? 'Unknown',
    message: body.trim().slice(0, 500) || `the server responded with status ${code}`,
  }
}

const hasCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code

/** True when err is a 404 NotFound. */
export const isNotFound = (err: unknown): boolean => hasCode(err, 404)
/** True when err is a 409 AlreadyExists (a create of an existing name). */
export const isAlreadyExists = (err: unknown): boolean => hasCode(err, 409) && (err as ApiError).reason === 'AlreadyExists'
/** True when err is a 409 Conflict (stale resourceVersion). */
export const isConflict = (err: unknown): boolean => hasCode(err, 409) && (err as ApiError).reason !== 'AlreadyExists'
/** True when err is a 410 Gone/Expired (resourceVersion too old). */
export const isGone = (err: unknown): boolean => hasCode(err, 410)

/** True when err is a 403 Forbidden (e.g. a create in a terminating namespace). */
export const isForbidden = (err: unknown): boolean => hasCode(err, 403)
