// Upgrades an HTTP/1.1 request to a SPDY/3.1 session, the handshake kubectl does against apiservers, kubelets and CRI streaming servers.
import http from 'node:http'
import https from 'node:https'
import type {Socket} from 'node:net'
import type {ConnectionOptions} from 'node:tls'
import {SpdyConnection} from './connection.js'

/** Options of spdyUpgrade. */
export interface SpdyUpgradeOptions {
  /** Sub-protocols we speak, most preferred first: one X-Stream-Protocol-Version line each. */
  protocols: string[]
  /** POST by default, as kubectl does; CRI streaming servers accept GET too. */
  method?: 'POST' | 'GET'
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>
  /** TLS settings for https URLs (ca, cert, key, servername, rejectUnauthorized...). */
  tls?: ConnectionOptions
  /** Gives up when no answer came within this many milliseconds (default 30000). */
  timeoutMs?: number
}

/** A SPDY session established by spdyUpgrade. */
export interface SpdyUpgradeResult {
  /** The session, in the client role. */
  connection: SpdyConnection
  /** The sub-protocol the server chose (its X-Stream-Protocol-Version), or '' when it named none. */
  protocol: string
}

/** The server answered the upgrade request with something other than 101 Switching Protocols. */
export class SpdyUpgradeError extends Error {
  override name = 'SpdyUpgradeError'
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`SPDY upgrade failed: HTTP ${statusCode}${body.trim() ? `: ${body.trim().slice(0, 500)}` : ''}`)
  }
}

// The error bodies we keep are for messages; a misbehaving server must not make us buffer without bound.
const MAX_ERROR_BODY = 64 * 1024

/** Sends the upgrade request and resolves with the SPDY session once the server switched protocols. */
export function spdyUpgrade(url: string, options: SpdyUpgradeOptions): Promise<SpdyUpgradeResult> {
  const target = new URL(url)
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Error(`unsupported URL scheme in ${url}`))
  const secure = target.protocol === 'https:'
  const headers: http.OutgoingHttpHeaders = {
    ...options.headers,
    Connection: 'Upgrade',
    Upgrade: 'SPDY/3.1',
    // An array becomes one header line per value, which is how Go's httpstream.Handshake reads the offer.
    'X-Stream-Protocol-Version': options.protocols,
  }
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (err: Error | undefined, result?: SpdyUpgradeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve(result as SpdyUpgradeResult)
    }
    const requestOptions: https.RequestOptions = {method: options.method ?? 'POST', headers, agent: false, ...(secure ? options.tls : {})}
    const request = (secure ? https : http).request(target, requestOptions)
    const timeoutMs = options.timeoutMs ?? 30_000
    const timer = setTimeout(() => request.destroy(new Error(`SPDY upgrade to ${target.host} timed out after ${timeoutMs} ms`)), timeoutMs)

    request.on('upgrade', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      const upgrade = String(response.headers.upgrade ?? '').toLowerCase()
      if (!upgrade.includes('spdy/3.1')) {
        socket.destroy()
        return finish(new SpdyUpgradeError(response.statusCode ?? 0, `server upgraded to "${upgrade}" instead of SPDY/3.1`))
      }
      // Bytes after the 101 head (frames the server sent at once) were already read off the socket: give them back.
      if (head.length) socket.unshift(head)
      const answer = response.headers['x-stream-protocol-version']
      const protocol = (Array.isArray(answer) ? answer[0] : answer) ?? ''
      finish(undefined, {connection: new SpdyConnection(socket, {role: 'client'}), protocol})
    })
    request.on('response', (response: http.IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(chunk)
        size += chunk.length
      })
      response.on('end', () => finish(new SpdyUpgradeError(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))))
      response.on('error', (err) => finish(err))
      response.on('close', () => finish(new SpdyUpgradeError(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))))
    })
    request.on('error', (err) => finish(err))
    request.end()
  })
}
