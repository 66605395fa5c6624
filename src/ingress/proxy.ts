// The Ingress controller's HTTP(S) front: routes each request (and WebSocket upgrade) by the table to a random ready endpoint, with the forwarding headers proxies add.
import * as http from 'node:http'
import * as net from 'node:net'
import type {Duplex} from 'node:stream'
import {match, type Backend, type RouteTable} from './routes.js'

/** The page for requests no rule matches (ingress-nginx's default backend answers the same way). */
const NOT_FOUND = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>skiff ingress</center>\r\n</body>\r\n</html>\r\n'

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization']

/** An empty table: every request gets the 404 page until the first real one is built. */
export function emptyTable(): RouteTable {
  return {hosts: new Map(), wildcards: new Map(), anyHost: [], tls: [], served: []}
}

function pick(addresses: string[], tried: Set<string>): string | undefined {
  const left = addresses.filter((a) => !tried.has(a))
  return left[Math.floor(Math.random() * left.length)]
}

function split(address: string): {host: string; port: number} {
  const i = address.lastIndexOf(':')
  return {host: address.slice(0, i), port: Number(address.slice(i + 1))}
}

/** Headers minus the hop-by-hop ones, including those the Connection header names. */
function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {...headers}
  const named = String(headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
  for (const h of [...HOP_BY_HOP, ...named]) delete out[h]
  return out
}

function forwarded(req: http.IncomingMessage, tlsOn: boolean): http.OutgoingHttpHeaders {
  const headers = endToEnd(req.headers)
  const client = req.socket.remoteAddress ?? ''
  const prior = req.headers['x-forwarded-for']
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client
  headers['x-real-ip'] = client
  headers['x-forwarded-host'] = req.headers.host ?? ''
  headers['x-forwarded-proto'] = tlsOn ? 'https' : 'http'
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '')
  return headers
}

function answer(res: http.ServerResponse, code: number, body: string): void {
  if (res.headersSent) return void res.destroy()
  res.writeHead(code, {'content-type': code === 404 ? 'text/html' : 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body)})
  res.end(body)
}

/** Ends an upgrade request on its raw socket with a plain HTTP answer. */
function refuse(socket: Duplex, code: number, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
}

/** Serves HTTP requests by the current table (swapped in whole on every change). */
export class IngressProxy {
  table: RouteTable = emptyTable()
  private readonly agent = new http.Agent({keepAlive: true, maxSockets: 256})

  /** The request handler for an http or https server (`tlsOn` says which, for X-Forwarded-Proto). */
  handler(tlsOn: boolean): (req: http.IncomingMessage, res: http.ServerResponse) => void {
    return (req, res) => {
      const backend = match(this.table, req.headers.host, req.url)
      if (!backend) return answer(res, 404, NOT_FOUND)
      this.forward(req, res, backend, tlsOn, new Set())
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, backend: Backend, tlsOn: boolean, tried: Set<string>): void {
    const target = pick(backend.addresses, tried)
    if (!target) return answer(res, tried.size > 0 ? 502 : 503, tried.size > 0 ? `no endpoint of service ${backend.service} answered\n` : `service ${backend.service} has no ready endpoints\n`)
    tried.add(target)
    const {host, port} = split(target)
    const up = http.request({host, port, method: req.method, path: req.url, headers: forwarded(req, tlsOn), agent: this.agent}, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEnd(upRes.headers))
      // A backend that dies mid-body must not leave the client waiting for the rest.
      upRes.on('error', () => res.destroy())
      upRes.on('aborted', () => res.destroy())
      upRes.pipe(res)
    })
    // A client that goes away takes its backend request with it (long polls, streams).
    res.on('close', () => {
      if (!res.writableFinished) up.destroy()
    })
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
    // Safe to send again: idempotent, and no body of it consumed yet.
    const retryable = (req.method === 'GET' || req.method === 'HEAD') && !hasBody
    up.on('error', () => {
      if (res.destroyed) return
      // Another endpoint may take a retryable request (once); else the client gets 502.
      if (retryable && !res.headersSent && tried.size < 2 && backend.addresses.length > tried.size) return this.forward(req, res, backend, tlsOn, tried)
      answer(res, 502, `endpoint ${target} of service ${backend.service} failed\n`)
    })
    if (hasBody) req.pipe(up)
    else up.end()
  }

  /** The 'upgrade' listener (WebSocket and other protocol switches): a raw relay after the request head. */
  upgrade(tlsOn: boolean): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => {
      socket.on('error', () => undefined)
      const backend = match(this.table, req.headers.host, req.url)
      if (!backend) return refuse(socket, 404, 'Not Found')
      this.relay(req, socket, head, backend, tlsOn, new Set())
    }
  }

  private relay(req: http.IncomingMessage, socket: Duplex, head: Buffer, backend: Backend, tlsOn: boolean, tried: Set<string>): void {
    const target = pick(backend.addresses, tried)
    if (!target) return tried.size > 0 ? refuse(socket, 502, 'Bad Gateway') : refuse(socket, 503, 'Service Unavailable')
    tried.add(target)
    const {host, port} = split(target)
    let connected = false
    const up = net.connect({host, port}, () => {
      connected = true
      const headers = {...forwarded(req, tlsOn), connection: 'Upgrade', upgrade: req.headers.upgrade ?? ''}
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`)), '', '']
      up.write(lines.join('\r\n'))
      if (head.length) up.write(head)
      up.pipe(socket)
      socket.pipe(up)
    })
    up.on('error', () => {
      if (!connected && tried.size < 2 && !socket.destroyed) return this.relay(req, socket, head, backend, tlsOn, tried)
      if (!connected) refuse(socket, 502, 'Bad Gateway')
      else socket.destroy()
    })
    socket.on('close', () => up.destroy())
  }

  close(): void {
    this.agent.destroy()
  }
}
