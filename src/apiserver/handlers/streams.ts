// pods/log, pods/exec, pods/attach and pods/portforward: checked against the pod here, then served by the agent of the pod's node, which the apiserver reaches over TLS on the node's kubelet port.
//
// Logs are proxied as a streamed HTTP response. exec/attach/portforward arrive as HTTP Upgrade requests and are
// proxied as raw bytes in both directions after the request is replayed to the agent, so the handshake and frames
// pass through end to end (what the real apiserver's UpgradeAwareHandler does). For exec/attach a SPDY upgrade gets
// a 400, which kubectl v1.32 only tries after WebSocket failed, so that 400 carries the reason WebSocket failed;
// port forwarding is SPDY either way (raw, or inside a WebSocket) and both are passed through.
import type {IncomingMessage, ServerResponse} from 'node:http'
import https from 'node:https'
import type {Duplex} from 'node:stream'
import tls from 'node:tls'
import type {KubeObject} from '../../api/types.js'
import {NodePorts} from '../../api/contract.js'
import type {UserInfo} from '../authn.js'
import {getOrNotFound, type ServerContext} from '../context.js'
import {ApiError, errors} from '../errors.js'
import {queryFlag} from '../../api/query.js'

/** The client identity and trust the apiserver uses towards agents. */
export interface AgentTls {
  /** Cluster CA: agents' serving certificates must chain to it. */
  ca: string
  cert: string
  key: string
}

/** Kubernetes' answer to exec/attach/portforward asked without an upgrade. */
export const UPGRADE_REQUIRED = 'Upgrade request required'

export type StreamSubresource = 'log' | 'exec' | 'attach' | 'portforward'

/** A request for one pod's stream. */
export interface StreamRequest {
  namespace: string
  pod: string
  subresource: StreamSubresource
  query: URLSearchParams
}

/**
 * Authorization hook for streams (no RBAC yet: every authenticated user may). Kept separate so RBAC can plug in
 * with the attributes the real apiserver checks: verb get (log) or create (exec/attach), resource pods/<sub>.
 */
export function authorizeStream(user: UserInfo, r: StreamRequest): void {
  void user
  void r
}

/** Parses /api/v1/namespaces/<ns>/pods/<name>/<sub>; undefined for any other path. */
export function parseStreamPath(rawUrl: string): StreamRequest | undefined {
  const url = new URL(rawUrl, 'http://x')
  const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  if (p.length !== 7 || p[0] !== 'api' || p[1] !== 'v1' || p[2] !== 'namespaces' || p[4] !== 'pods') return undefined
  const sub = p[6]
  if (sub !== 'log' && sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') return undefined
  return {namespace: p[3], pod: p[5], subresource: sub, query: url.searchParams}
}

interface ContainerStatus {
  name: string
  state?: {waiting?: {reason?: string}; running?: unknown; terminated?: unknown}
  lastState?: {terminated?: unknown}
}

/** The container the request is for: the `container` parameter, else the pod's only container. */
export function pickContainer(pod: KubeObject, requested: string | null): string {
  const names: string[] = (pod.spec?.containers ?? []).map((c: {name: string}) => c.name)
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: {name: string}) => c.name)
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: {name: string}) => c.name)
  const name = pod.metadata.name
  if (requested) {
    if (!names.includes(requested) && !inits.includes(requested) && !ephemeral.includes(requested)) {
      throw errors.badRequest(`container ${requested} is not valid for pod ${name}`)
    }
    return requested
  }
  if (names.length === 1) return names[0]
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]` +
    (inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''))
}

function statusOf(pod: KubeObject, container: string): ContainerStatus | undefined {
  const all: ContainerStatus[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]
  return all.find(s => s.name === container)
}

/** The kubelet's log preconditions, checked from the pod's status so the answer is a clean 400. */
function checkLogStatus(pod: KubeObject, container: string, previous: boolean): void {
  const name = pod.metadata.name
  const s = statusOf(pod, container)
  if (previous) {
    if (s && !s.lastState?.terminated) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`)
    return
  }
  if (!pod.spec?.nodeName || !s?.state) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`)
  // Waiting after a run (CrashLoopBackOff): the kubelet serves that last run's log; only a first start has none.
  if (s.state.waiting && !s.lastState?.terminated) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${s.state.waiting.reason ?? 'ContainerCreating'}`)
}

/** Where the agent of `nodeName` listens: its InternalIP and the kubelet endpoint port it reports. */
export async function agentAddress(ctx: ServerContext, nodeName: string): Promise<{host: string; port: number}> {
  const nodeDef = ctx.registry.lookup('', 'v1', 'nodes')!
  let node: KubeObject
  try {
    node = (await getOrNotFound(ctx, nodeDef, undefined, nodeName)).value
  } catch {
    throw errors.badRequest(`node "${nodeName}" of the pod is not found`)
  }
  const addresses: Array<{type: string; address: string}> = node.status?.addresses ?? []
  const host = addresses.find(a => a.type === 'InternalIP')?.address ?? addresses.find(a => a.type === 'Hostname')?.address ?? nodeName
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port) || NodePorts.agent
  return {host, port}
}

/** The agent path for a stream request (the kubelet's layout: /<kind>/<ns>/<pod>/<container>?…, /portForward/<ns>/<pod>). */
function agentPath(r: StreamRequest, container: string): string {
  if (r.subresource === 'portforward') return `/portForward/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.pod)}`
  const q = new URLSearchParams(r.query)
  q.delete('container')
  const kind = r.subresource === 'log' ? 'containerLogs' : r.subresource
  const qs = q.toString()
  return `/${kind}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.pod)}/${encodeURIComponent(container)}${qs ? '?' + qs : ''}`
}

async function loadPod(ctx: ServerContext, r: StreamRequest): Promise<KubeObject> {
  const podDef = ctx.registry.lookup('', 'v1', 'pods')!
  return (await getOrNotFound(ctx, podDef, r.namespace, r.pod)).value
}

/** GET pods/<name>/log: streams the agent's answer (status, content type and body) to the caller. */
export async function servePodLog(ctx: ServerContext, agentTls: AgentTls, user: UserInfo, r: StreamRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET') throw errors.methodNotAllowed((req.method ?? '').toLowerCase())
  authorizeStream(user, r)
  const pod = await loadPod(ctx, r)
  const container = pickContainer(pod, r.query.get('container'))
  const previous = queryFlag(r.query, 'previous')
  checkLogStatus(pod, container, previous)
  const {host, port} = await agentAddress(ctx, pod.spec.nodeName)
  await new Promise<void>((resolve, reject) => {
    // insecureSkipTLSVerifyBackend: the caller accepts an agent whose serving certificate does not verify (as Kubernetes allows for logs).
    const verify = !queryFlag(r.query, 'insecureSkipTLSVerifyBackend')
    const up = https.request({host, port, method: 'GET', path: agentPath(r, container), ca: agentTls.ca, cert: agentTls.cert, key: agentTls.key, agent: false, rejectUnauthorized: verify}, (ares) => {
      const headers: Record<string, string> = {'Content-Type': String(ares.headers['content-type'] ?? 'text/plain')}
      res.writeHead(ares.statusCode ?? 502, headers)
      // Headers at once: with follow the first line may be long in coming and kubectl waits on them (compat G3).
      res.flushHeaders()
      ares.on('data', (chunk: Buffer) => {
        if (!res.write(chunk)) {
          ares.pause()
          res.once('drain', () => ares.resume())
        }
      })
      ares.on('end', () => {
        res.end()
        resolve()
      })
      ares.on('error', () => {
        res.destroy()
        resolve()
      })
    })
    up.on('error', (err) => {
      if (res.headersSent) {
        res.destroy()
        resolve()
      } else reject(new ApiError(500, 'InternalError', `Get "https://${host}:${port}${agentPath(r, container).split('?')[0]}": ${err.message}`))
    })
    // The caller went away (kubectl logs -f interrupted): stop the agent's stream too. res, not req (compat G4).
    res.on('close', () => up.destroy())
    up.end()
  })
}

/**
 * Sends the exec/attach request to the agent without an upgrade: the agent runs its checks and answers their
 * failure, or "Upgrade request required" when they pass. Returns the failure; undefined when there is none to
 * tell (checks passed, or the agent could not be asked).
 */
function agentRefusal(agentTls: AgentTls, host: string, port: number, path: string): Promise<ApiError | undefined> {
  return new Promise((resolve) => {
    const up = https.request({host, port, method: 'GET', path, ca: agentTls.ca, cert: agentTls.cert, key: agentTls.key, agent: false, timeout: 5000}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => {
        try {
          const st = JSON.parse(text) as {code?: number; reason?: string; message?: string}
          if (st.message && st.message !== UPGRADE_REQUIRED) return resolve(new ApiError(res.statusCode ?? 500, st.reason ?? 'BadRequest', st.message))
        } catch {
          // Not a Status: nothing better to say than the generic answer.
        }
        resolve(undefined)
      })
      res.on('error', () => resolve(undefined))
    })
    up.on('timeout', () => up.destroy())
    up.on('error', (err) => resolve(new ApiError(500, 'InternalError', `error dialing backend: ${err.message}`)))
    up.end()
  })
}

/**
 * exec, attach or portforward asked without an upgrade (a plain GET or POST): the pod and container are checked as
 * for an upgrade, then the answer is Kubernetes' 400 "Upgrade request required" — the streams need a connection of
 * their own, which only an upgrade gives.
 */
export async function refuseWithoutUpgrade(ctx: ServerContext, user: UserInfo, r: StreamRequest): Promise<never> {
  authorizeStream(user, r)
  const pod = await loadPod(ctx, r)
  if (r.subresource !== 'portforward') pickContainer(pod, r.query.get('container'))
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${r.pod} does not have a host assigned`)
  throw errors.badRequest(UPGRADE_REQUIRED)
}

const reasonPhrases: Record<number, string> = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error'}

/** Answers an error as a Status on a socket whose upgrade was not accepted. */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  const e = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err))
  const body = JSON.stringify(e.toStatus())
  socket.end(`HTTP/1.1 ${e.code} ${reasonPhrases[e.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

// Hop-by-hop or caller-specific headers not replayed to the agent: it authenticates the apiserver, not the caller.
const dropHeaders = new Set(['host', 'authorization', 'impersonate-user', 'impersonate-group'])

/**
 * exec/attach over an upgraded connection: checks the pod, then replays the request to the agent and splices the
 * two sockets. The agent's answer (101 and frames, or an error Status) reaches the caller unchanged.
 */
export async function proxyUpgrade(ctx: ServerContext, agentTls: AgentTls, user: UserInfo, r: StreamRequest, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  authorizeStream(user, r)
  const pod = await loadPod(ctx, r)
  const forward = r.subresource === 'portforward'
  const container = forward ? '' : pickContainer(pod, r.query.get('container'))
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw errors.badRequest(forward ? `cannot port forward to pod ${r.pod}: pod is not running (phase ${phase})` : `cannot ${r.subresource} into a container in a completed pod; current phase is ${phase}`)
  }
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${r.pod} does not have a host assigned`)
  const {host, port} = await agentAddress(ctx, pod.spec.nodeName)
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase()
  // Port forwarding speaks SPDY (raw, or inside a WebSocket) end to end; exec and attach only WebSocket here.
  if (upgrade !== 'websocket' && !(forward && upgrade === 'spdy/3.1')) {
    // kubectl falls back to SPDY only after the WebSocket attempt failed: ask the agent why it would refuse.
    const refusal = await agentRefusal(agentTls, host, port, agentPath(r, container))
    if (refusal) throw refusal
    throw errors.badRequest(`upgrade ${JSON.stringify(req.headers.upgrade ?? '')} is not supported: use WebSocket (v5.channel.k8s.io)`)
  }

  await new Promise<void>((resolve, reject) => {
    const up = tls.connect({host, port, ca: agentTls.ca, cert: agentTls.cert, key: agentTls.key, ...(isIP(host) ? {} : {servername: host})})
    let spliced = false
    up.once('secureConnect', () => {
      const lines = [`${req.method ?? 'GET'} ${agentPath(r, container)} HTTP/1.1`, `Host: ${host}:${port}`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!dropHeaders.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      }
      up.write(lines.join('\r\n') + '\r\n\r\n')
      if (head.length > 0) up.write(head)
      spliced = true
      up.pipe(socket)
      socket.pipe(up)
      resolve()
    })
    // Once spliced, 'close' follows an error: the caller still gets what the agent sent before it.
    up.on('error', (err) => {
      if (!spliced) reject(new ApiError(500, 'InternalError', `error dialing backend: ${err.message}`))
    })
    // The agent's side is over (ended, or broken): the caller's side is ended after the data (the pipe has, or end()
    // does now), but its socket is not closed under it. The caller may still be sending (its stdin EOF, the WebSocket
    // close reply), and bytes reaching a closed socket make the kernel reset the connection, throwing away what it has
    // not transmitted yet: the exit status and the close frame, which kubectl then misses ("websocket: close 1006
    // (abnormal closure): unexpected EOF"). So the caller's bytes are read and dropped until it ends its side too,
    // which closes the socket; a caller that never does is cut off after 30 s.
    up.on('close', () => {
      socket.unpipe(up)
      socket.end()
      socket.resume()
      setTimeout(() => socket.destroy(), 30_000).unref()
    })
    socket.on('close', () => up.destroy())
    socket.on('error', () => up.destroy())
  })
}

function isIP(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':')
}
