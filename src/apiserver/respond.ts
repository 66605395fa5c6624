// Writing responses: JSON bodies, Status errors and RFC 7234-style Warning headers.
import type {ServerResponse} from 'node:http'
import {ApiError, errors} from './errors.js'

/** Sends `body` as JSON with `code`. */
export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const data = JSON.stringify(body)
  res.writeHead(code, {'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data)})
  res.end(data)
}

/** Sends any thrown value as a Status; unknown errors become 500 InternalError. */
export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err))
  if (res.headersSent) {
    res.destroy()
    return
  }
  // A Status that names a retry delay (429 from the eviction API) says so in Retry-After too, as client-go reads it.
  const retryAfter = apiErr.details?.retryAfterSeconds
  if (retryAfter && retryAfter > 0) res.setHeader('Retry-After', String(retryAfter))
  sendJson(res, apiErr.code, apiErr.toStatus())
}

/** Adds a Warning header kubectl prints; inner quotes must be escaped or client-go drops it. */
export function addWarning(res: ServerResponse, text: string): void {
  const value = `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  const prev = res.getHeader('Warning')
  res.setHeader('Warning', prev === undefined ? [value] : [...(Array.isArray(prev) ? prev : [String(prev)]), value])
}
