// Sends one AdmissionReview to a webhook over HTTPS (a URL, or a Service resolved to one of its ready endpoints) and reads the answer.
import https from 'node:https'
import type {ServiceReference, Webhook} from '../../../api/resources/admissionregistration/types.js'
import type {KubeObject} from '../../../api/types.js'
import {objectKey, type Store} from '../../../store/index.js'

/** A failure to get an answer from the webhook (connection, TLS, timeout, malformed reply): subject to failurePolicy. */
export class CallError extends Error {}

/** What an AdmissionReview v1 response carries (admission.k8s.io/v1 AdmissionResponse). */
export interface AdmissionResponse {
  uid?: string
  allowed?: boolean
  status?: {code?: number; message?: string; reason?: string; status?: string; details?: unknown}
  patch?: string
  patchType?: string
  warnings?: string[]
  auditAnnotations?: Record<string, string>
}

interface Target {
  /** The URL Kubernetes would name in its error messages. */
  url: string
  host: string
  port: number
  path: string
  /** The name the serving certificate must carry. */
  servername?: string
}

interface EndpointsLike {
  subsets?: Array<{addresses?: Array<{ip: string}>; ports?: Array<{name?: string; port: number}>}>
}

interface ServiceLike {
  spec?: {type?: string; externalName?: string; ports?: Array<{name?: string; port: number}>}
}

/** kube-apiserver's endpoint service resolver: one ready address of the Service's Endpoints, on the port behind `port`. */
async function resolveService(store: Store, ref: ServiceReference, url: string): Promise<Target> {
  const ns = ref.namespace ?? ''
  const name = ref.name ?? ''
  const port = ref.port ?? 443
  const svc = (await store.get(objectKey('', 'services', ns, name)))?.value as (KubeObject & ServiceLike) | undefined
  if (!svc) throw new CallError(`Post "${url}": service "${name}" not found`)
  const base = {url, path: pathOf(url), servername: `${name}.${ns}.svc`}
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) return {...base, host: svc.spec.externalName, port}
  const sp = (svc.spec?.ports ?? []).find((p) => p.port === port)
  if (!sp) throw new CallError(`Post "${url}": no service port ${port} found for service "${name}"`)
  const eps = (await store.get(objectKey('', 'endpoints', ns, name)))?.value as (KubeObject & EndpointsLike) | undefined
  const candidates: Array<{ip: string; port: number}> = []
  for (const s of eps?.subsets ?? []) {
    const p = (s.ports ?? []).find((x) => (x.name ?? '') === (sp.name ?? '')) ?? (s.ports?.length === 1 ? s.ports[0] : undefined)
    if (!p) continue
    for (const a of s.addresses ?? []) candidates.push({ip: a.ip, port: p.port})
  }
  if (candidates.length === 0) throw new CallError(`Post "${url}": no endpoints available for service "${name}"`)
  const pick = candidates[Math.floor(Math.random() * candidates.length)]
  return {...base, host: pick.ip, port: pick.port}
}

function pathOf(url: string): string {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}

/** The URL a webhook is called at, with Kubernetes' ?timeout= parameter. */
export function webhookUrl(w: Webhook): string {
  const timeout = `timeout=${w.timeoutSeconds ?? 10}s`
  const c = w.clientConfig ?? {}
  if (c.url) return `${c.url}${c.url.includes('?') ? '&' : '?'}${timeout}`
  const s = c.service ?? {}
  const path = s.path ? (s.path.startsWith('/') ? s.path : `/${s.path}`) : ''
  return `https://${s.name}.${s.namespace}.svc:${s.port ?? 443}${path}?${timeout}`
}

async function targetOf(store: Store, w: Webhook): Promise<Target> {
  const url = webhookUrl(w)
  const svc = w.clientConfig?.service
  if (svc) return resolveService(store, svc, url)
  const u = new URL(url)
  return {url, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443), path: pathOf(url)}
}

/** Go's wording for the network and TLS failures a client sees, so messages read as kube-apiserver's. */
function describe(err: NodeJS.ErrnoException & {reason?: string}, t: Target): string {
  const addr = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`
  switch (err.code) {
    case 'ECONNREFUSED': return `dial tcp ${addr}: connect: connection refused`
    case 'EHOSTUNREACH': return `dial tcp ${addr}: connect: no route to host`
    case 'ENETUNREACH': return `dial tcp ${addr}: connect: network is unreachable`
    case 'ECONNRESET': return `read tcp ${addr}: read: connection reset by peer`
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `dial tcp: lookup ${t.host}: no such host`
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `tls: failed to verify certificate: x509: certificate is not valid for ${t.servername ?? t.host}`
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE': return 'tls: failed to verify certificate: x509: certificate signed by unknown authority'
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid'
    default: return err.message
  }
}

/** POSTs the review; resolves with the response part, or throws CallError for any failure to get a usable answer. */
export async function callWebhook(store: Store, w: Webhook, review: {request: {uid: string}}): Promise<AdmissionResponse> {
  let reply: {status: number; text: string}
  try {
    reply = await post(store, w, review)
  } catch (err) {
    throw err instanceof CallError ? new CallError(`failed to call webhook: ${err.message}`) : err
  }
  return readResponse(reply, review.request.uid)
}

async function post(store: Store, w: Webhook, review: unknown): Promise<{status: number; text: string}> {
  const t = await targetOf(store, w)
  const ca = w.clientConfig?.caBundle ? Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8') : undefined
  const body = Buffer.from(JSON.stringify(review))
  const timeoutMs = (w.timeoutSeconds ?? 10) * 1000
  const reply = await new Promise<{status: number; text: string}>((resolve, reject) => {
    const req = https.request({
      host: t.host, port: t.port, path: t.path, method: 'POST', ca, servername: t.servername, signal: AbortSignal.timeout(timeoutMs),
      headers: {'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': String(body.length)},
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError' || err.code === 'ABORT_ERR'
      reject(new CallError(`Post "${t.url}": ${timedOut ? 'context deadline exceeded' : describe(err, t)}`))
    })
    req.end(body)
  })
  if (reply.status < 200 || reply.status > 299) {
    throw new CallError(reply.text ? `an error on the server ("${reply.text.slice(0, 200)}") has prevented the request from succeeding` : `the server responded with the status code ${reply.status} but did not return more information`)
  }
  return reply
}

function readResponse(text: {status: number; text: string}, uid: string): AdmissionResponse {
  let parsed: {response?: AdmissionResponse}
  try {
    parsed = JSON.parse(text.text) as {response?: AdmissionResponse}
  } catch (e) {
    throw new CallError(`received invalid webhook response: ${(e as Error).message}`)
  }
  const resp = parsed?.response
  if (!resp) throw new CallError('received invalid webhook response: webhook response was absent')
  if (resp.uid !== uid) throw new CallError(`received invalid webhook response: expected response.uid="${uid}", got "${resp.uid ?? ''}"`)
  return resp
}
