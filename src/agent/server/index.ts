// The agent's server on :10250 (the kubelet's port): container logs, exec, attach, port-forward and the pod list, for the apiserver to proxy to.
//
// Who may call, as the kubelet decides: a client certificate of the cluster CA, or a bearer token the apiserver
// confirms (TokenReview); anyone else gets 401. What they may do is asked of the apiserver as a SubjectAccessReview
// on nodes/<subresource> of this node (nodes/proxy for logs and exec, nodes/stats, nodes/log, ...); a denial is 403.
// The apiserver's kubelet client certificate is a server-only certificate in older clusters, so OpenSSL's own check
// could refuse it as a client certificate: TLS asks for a certificate without rejecting and auth.ts verifies the chain.
import {X509Certificate} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import https from 'node:https'
import type {AddressInfo, Socket} from 'node:net'
import type {Duplex} from 'node:stream'
import type {TLSSocket} from 'node:tls'
import {WebSocketServer} from 'ws'
import {CriClient} from '../cri/client.js'
import {type AgentCaller, type AgentRequestAttributes, bearerToken, certificateCaller, requestAttributes} from './auth.js'
import {CriStreamRuntime} from './cri-streams.js'
import {parseLogOptions, serveContainerLogs} from './logs.js'
import type {StreamRuntime} from './runtime.js'
import {AgentError, statusOf} from './status.js'
import {parseStreamOptions, pickProtocol, runningContainer, runStream, STREAM_PROTOCOLS, type StreamKind} from './streams.js'
import {acceptSpdy, isSpdyPortForward, noSandbox, PORT_FORWARD_WS_PROTOCOL, relayPortForward, spdyOverWebSocket} from './portforward.js'
import {PORT_FORWARD_PROTOCOL, type SpdyConnection} from '../../client/spdy/index.js'

export type * from './runtime.js'
export {type AgentCaller, type AgentRequestAttributes, requestAttributes, subjectAccessReviewAuthorizer, tokenReviewAuthenticator} from './auth.js'

export interface AgentServerOptions {
  /** Default 10250 (NodePorts.agent); 0 picks a free port. */
  port?: number
  /** Default 0.0.0.0: the apiserver reaches the agent on the node's address. */
  host?: string
  /** The node's certificate and key (they serve TLS) and the cluster CA (client certificates must chain to it). */
  tls: {cert: string; key: string; ca: string}
  /** The node's name: authorization asks about this Node's subresources. */
  nodeName?: string
  /** The node's container runtime; default: containerd's CRI on its usual socket. */
  runtime?: StreamRuntime
  log?: (m: string) => void
  /** Authenticates a bearer token (TokenReview); without it only client certificates authenticate. */
  authenticateToken?: (token: string) => Promise<AgentCaller | undefined>
  /** Whether the caller may do what it asks (SubjectAccessReview); default: the apiserver's kubelet client and system:masters. */
  authorize?: (caller: AgentCaller, attrs: AgentRequestAttributes) => boolean | Promise<boolean>
  /** The pods bound to this node, for GET /pods (a PodList); absent answers 404. */
  pods?: () => Promise<unknown[]>
}

export interface RunningAgentServer {
  port: number
  /** Log streams and exec/attach sessions open right now. */
  openStreams(): number
  close(): Promise<void>
}

/** The answer to a plain request for exec/attach whose checks pass. */
export const UPGRADE_REQUIRED = 'Upgrade request required'

const defaultAuthorize = (c: AgentCaller) => c.name === 'kube-apiserver' || c.name === 'kube-apiserver-kubelet-client' || c.groups.includes('system:masters')

type Route = {kind: 'containerLogs' | StreamKind | 'portForward'; ns: string; pod: string; container: string; query: URLSearchParams}

/** The kubelet's paths: /{containerLogs,exec,attach}/<ns>/<pod>/<container> and /portForward/<ns>/<pod>. */
function routeOf(rawUrl: string): Route | undefined {
  const url = new URL(rawUrl, 'http://agent')
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  const [kind, ns, pod, container] = parts
  if (kind === 'portForward' && parts.length === 3) return {kind, ns, pod, container: '', query: url.searchParams}
  if (parts.length !== 4) return undefined
  if (kind !== 'containerLogs' && kind !== 'exec' && kind !== 'attach') return undefined
  return {kind, ns, pod, container, query: url.searchParams}
}

function sendStatus(res: ServerResponse, err: unknown): void {
  const {code, body} = statusOf(err)
  if (res.headersSent) {
    res.destroy()
    return
  }
  const data = JSON.stringify(body)
  res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)})
  res.end(data)
}

/** Answers a Status on a not-yet-upgraded socket (the HTTP response the WebSocket client reads as the failure). */
function rejectUpgrade(socket: Duplex, err: unknown): void {
  const {code, body} = statusOf(err)
  const data = JSON.stringify(body)
  socket.end(`HTTP/1.1 ${code} ${code === 400 ? 'Bad Request' : code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : code === 404 ? 'Not Found' : 'Error'}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\nConnection: close\r\n\r\n${data}`)
}

/** Starts the streaming server; resolves once it listens. */
export async function startAgentServer(opts: AgentServerOptions): Promise<RunningAgentServer> {
  const log = opts.log ?? (() => {})
  const runtime = opts.runtime ?? new CriStreamRuntime(new CriClient())
  const ca = new X509Certificate(opts.tls.ca)
  const authorize = opts.authorize ?? defaultAuthorize
  const nodeName = opts.nodeName ?? ''
  let open = 0
  // ws answers the subprotocol from this hook; onUpgrade has already refused offers without one of ours.
  const wss = new WebSocketServer({noServer: true, perMessageDeflate: false, handleProtocols: (offered: Set<string>) => STREAM_PROTOCOLS.find(p => offered.has(p)) ?? false})
  const pfWss = new WebSocketServer({noServer: true, perMessageDeflate: false, handleProtocols: () => PORT_FORWARD_WS_PROTOCOL})

  /** Authenticates and authorizes a request (401 and 403 worded as the kubelet words them). */
  async function admit(req: IncomingMessage): Promise<void> {
    const token = bearerToken(req)
    // The kubelet's order: a client certificate first, then a bearer token.
    const caller = certificateCaller(req.socket as TLSSocket, ca) ?? (token && opts.authenticateToken ? await opts.authenticateToken(token) : undefined)
    if (!caller) throw new AgentError(401, 'Unauthorized', 'Unauthorized')
    const attrs = requestAttributes(req.method ?? 'GET', req.url ?? '/', nodeName)
    if (!(await authorize(caller, attrs))) {
      throw new AgentError(403, 'Forbidden', `Forbidden (user=${caller.name}, verb=${attrs.verb}, resource=nodes, subresource=${attrs.subresource})`)
    }
  }

  async function check(req: IncomingMessage): Promise<Route> {
    await admit(req)
    const r = routeOf(req.url ?? '/')
    if (!r) throw new AgentError(404, 'NotFound', 'the server could not find the requested resource')
    return r
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').split('?')[0] === '/healthz') {
      res.writeHead(200, {'Content-Type': 'text/plain'}).end('ok')
      return
    }
    if ((req.url ?? '').split('?')[0].replace(/\/+$/, '') === '/pods') {
      await admit(req)
      if (!opts.pods) throw new AgentError(404, 'NotFound', 'the server could not find the requested resource')
      const data = JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {}, items: await opts.pods()})
      res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)}).end(data)
      return
    }
    const r = await check(req)
    if (r.kind === 'portForward') {
      if (!(await runtime.hasSandbox(r.ns, r.pod))) throw noSandbox(r.pod)
      throw new AgentError(400, 'BadRequest', UPGRADE_REQUIRED)
    }
    if (r.kind !== 'containerLogs') {
      // Not an upgrade: the apiserver asks this way why a WebSocket upgrade would fail (for kubectl's SPDY
      // fallback), so run the same checks first and answer their reason.
      parseStreamOptions(r.query, r.kind)
      await runningContainer(runtime, r.ns, r.pod, r.container)
      throw new AgentError(400, 'BadRequest', UPGRADE_REQUIRED)
    }
    if (req.method !== 'GET') throw new AgentError(405, 'MethodNotAllowed', `method ${req.method} not allowed`)
    open++
    res.once('close', () => open--)
    await serveContainerLogs(runtime, res, r.ns, r.pod, r.container, parseLogOptions(r.query, Date.now()))
  }

  /** Port forwarding over raw SPDY or SPDY in a WebSocket, relayed to the runtime's session for the pod. */
  async function upgradePortForward(r: Route, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!(await runtime.hasSandbox(r.ns, r.pod))) throw noSandbox(r.pod)
    const relay = (conn: SpdyConnection) => {
      open++
      conn.once('close', () => open--)
      relayPortForward(conn, () => runtime.portForward(r.ns, r.pod), (m) => log(`${r.ns}/${r.pod}: ${m}`))
    }
    if (isSpdyPortForward(req)) return relay(acceptSpdy(socket, head))
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim())
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || !offered.includes(PORT_FORWARD_WS_PROTOCOL)) {
      throw new AgentError(400, 'BadRequest', `port forwarding needs an upgrade to SPDY/3.1 (${PORT_FORWARD_PROTOCOL}) or a WebSocket with ${PORT_FORWARD_WS_PROTOCOL}`)
    }
    pfWss.handleUpgrade(req, socket, head, (ws) => relay(spdyOverWebSocket(ws)))
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const r = await check(req)
    if (r.kind === 'containerLogs') throw new AgentError(400, 'BadRequest', 'logs are not served over an upgraded connection')
    if (r.kind === 'portForward') return upgradePortForward(r, req, socket, head)
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw new AgentError(400, 'BadRequest', `unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')}: use WebSocket with v5.channel.k8s.io`)
    const protocol = pickProtocol(req.headers['sec-websocket-protocol'])
    if (!protocol) throw new AgentError(400, 'BadRequest', `none of the offered subprotocols ${JSON.stringify(req.headers['sec-websocket-protocol'] ?? '')} is supported: use one of ${STREAM_PROTOCOLS.join(', ')}`)
    const streamOpts = parseStreamOptions(r.query, r.kind)
    const container = await runningContainer(runtime, r.ns, r.pod, r.container)
    wss.handleUpgrade(req, socket, head, (ws) => {
      open++
      ws.once('close', () => open--)
      runStream(ws, runtime, container, r.kind as StreamKind, streamOpts, log, protocol, () => socket.end()).catch((err) => log(`${r.kind} ${r.ns}/${r.pod}/${r.container}: ${err?.message ?? err}`))
    })
  }

  const server = https.createServer({cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false}, (req, res) => {
    onRequest(req, res).catch((err) => {
      if (!(err instanceof AgentError)) log(`${req.method} ${req.url}: ${err?.stack ?? err}`)
      sendStatus(res, err)
    })
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    ;(socket as Socket).on('error', () => {})
    onUpgrade(req, socket, head).catch((err) => {
      if (!(err instanceof AgentError)) log(`upgrade ${req.url}: ${err?.stack ?? err}`)
      rejectUpgrade(socket, err)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 10250, opts.host ?? '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    openStreams: () => open,
    close: () => new Promise<void>((resolve) => {
      for (const ws of [...wss.clients, ...pfWss.clients]) ws.terminate()
      server.close(() => resolve())
      // Follow streams and exec sessions are long-lived: end them so close() does not wait for clients.
      server.closeAllConnections()
    }),
  }
}
