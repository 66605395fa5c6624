// A bound on requests in flight, read-only and mutating apart, as kube-apiserver's max-in-flight filter: 429 with Retry-After beyond it.
import type {ServerResponse} from 'node:http'
import type {UserInfo} from './authn.js'
import {ApiError} from './errors.js'
import {queryFlag} from '../api/query.js'

/** kube-apiserver's defaults (--max-requests-inflight, --max-mutating-requests-inflight). */
export const DEFAULT_INFLIGHT = {readOnly: 400, mutating: 200}

const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
// Requests that stay open for as long as the client wants are never counted, or a few watchers would starve everyone.
const longRunningSubresources = new Set(['exec', 'attach', 'portforward', 'proxy'])

/** Whether a request stays open by design: watches, streams, followed logs. */
export function isLongRunning(method: string, verb: string | undefined, subresource: string | undefined, query: URLSearchParams): boolean {
  if (verb === 'watch') return true
  if (subresource && longRunningSubresources.has(subresource)) return true
  return method === 'GET' && subresource === 'log' && queryFlag(query, 'follow')
}

function tooManyRequests(): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {retryAfterSeconds: 1})
}

/** Counts requests in flight; `admit` throws 429 when the request's bucket is full. */
export class InflightLimiter {
  private readonly inUse = {readOnly: 0, mutating: 0}

  constructor(private readonly limits: {readOnly: number; mutating: number} = DEFAULT_INFLIGHT) {}

  /** Takes a slot for this request until its response closes; system:masters is never limited, as in Kubernetes. */
  admit(method: string, user: UserInfo | undefined, res: ServerResponse): void {
    if (user?.groups.includes('system:masters')) return
    const bucket = mutatingMethods.has(method) ? 'mutating' : 'readOnly'
    if (this.limits[bucket] <= 0) return
    if (this.inUse[bucket] >= this.limits[bucket]) throw tooManyRequests()
    this.inUse[bucket]++
    let released = false
    res.once('close', () => {
      if (released) return
      released = true
      this.inUse[bucket]--
    })
  }

  /** Slots taken now (for tests and metrics). */
  get current(): {readOnly: number; mutating: number} {
    return {...this.inUse}
  }
}
