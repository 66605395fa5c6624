// The Ingress controller's HTTP(S) front: routes each request (and WebSocket upgrade) by the table to a random ready endpoint, with the forwarding headers proxies add.
import * as http from 'node:http'
import * as net from 'node:net'
import type {Duplex} from 'node:stream'
import {match, type Backend, type RouteTable} from './routes.js'

/** The page for requests no rule matches (ingress-nginx's default backend answers the same way). */
const NOT_FOUND = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>skiff ingress</center>\r\n</body>\r\n</html>\r\n'

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization']

function pick(addresses: string[], tried: Set<string>): string | undefined {
  const left = addresses.filter((a) => !tried.has(a))
  return left[Math.floor(Math.random() * left.length)]
}

function split(address: string): {host: string; port: number} {
  const i = address.lastIndexOf(':')
  return {host: address.slice(0, i), port: Number(address.slice(i + 1))}
}

function forwarded(req: http.IncomingMessage, tlsOn: boolean): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {...req.headers}
  for (const h of HOP_BY_HOP) delete headers[h]
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

/** Serves HTTP requests by the current table (swapped in whole on every change). */
export class IngressProxy {
  table: RouteTable = {hosts: new Map(), wildcards: new Map(), anyHost: [], tls: [], served: []}
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
      const headers = {...upRes.headers}
      for (const h of HOP_BY_HOP) delete headers[h]
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers)
      upRes.pipe(res)
    })
    let sent = false
    up.on('error', () => {
      // Nothing of the body went out yet: another endpoint may take it (once); else the client gets 502.
      if (!sent && !res.headersSent && tried.size < 2) return this.forward(req, res, backend, tlsOn, tried)
      answer(res, 502, `endpoint ${target} of service ${backend.service} failed\n`)
    })
    if (req.method === 'GET' || req.method === 'HEAD') {
      up.end()
    } else {
      sent = true
      req.pipe(up)
    }
  }

  /** The 'upgrade' listener (WebSocket and other protocol switches): a raw relay after the request head. */
  upgrade(tlsOn: boolean): (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => {
      socket.on('error', () => undefined)
      const backend = match(this.table, req.headers.host, req.url)
      const target = backend && pick(backend.addresses, new Set())
      if (!target) return void socket.end(`HTTP/1.1 ${backend ? 503 : 404} ${backend ? 'Service Unavailable' : 'Not Found'}\r\ncontent-length: 0\r\n\r\n`)
      const {host, port} = split(target)
      const up = net.connect({host, port}, () => {
        const headers = {...forwarded(req, tlsOn), connection: 'Upgrade', upgrade: req.headers.upgrade ?? ''}
        const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`)), '', '']
        up.write(lines.join('\r\n'))
        if (head.length) up.write(head)
        up.pipe(socket)
        socket.pipe(up)
      })
      up.on('error', () => socket.destroy())
      socket.on('close', () => up.destroy())
    }
  }

  close(): void {
    this.agent.destroy()
  }
}
