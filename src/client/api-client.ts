// The API client of the CLI and every component: REST calls and watches over one keep-alive HTTPS agent, or one
// HTTP/2 session for components that talk to skiff's own apiserver.
import * as http from 'node:http'
import * as https from 'node:https'
import type {KubeList, KubeObject, WatchEvent} from '../api/types.js'
import {ApiError, statusFromResponse} from './errors.js'
import {H2Transport, type Outgoing, type Reply} from './h2-transport.js'
import {loadKubeconfigClientConfig} from './kubeconfig.js'
import {type Target, toPath, withQuery} from './paths.js'
import {WatchParser} from './watch-parser.js'

/** Where the apiserver is and who we are to it. PEM strings, not paths. */
/** Attempts of a request the server answered 429 with Retry-After (client-go's maxRetries). */
const MAX_RETRIES = 10

export interface ClientConfig {
  /** Base URL, e.g. https://127.0.0.1:6443. */
  server: string
  ca?: string
  cert?: string
  key?: string
  token?: string
  insecureSkipTLSVerify?: boolean
  /** Sent as User-Agent; shows up in the apiserver's logs and managedFields. */
  userAgent?: string
  /** Per-request timeout for non-watch calls (ms). */
  timeoutMs?: number
  /**
   * Multiplex every request and watch over one HTTP/2 session (https only). For components of skiff's own cluster,
   * whose apiserver speaks HTTP/2; the CLI keeps HTTP/1.1, which any server or proxy in a kubeconfig understands.
   */
  http2?: boolean
}

/** The patch content types the API accepts. */
export type PatchType = 'merge' | 'strategic' | 'json' | 'apply'

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
}

/** Query options of a list. */
export interface ListOptions {
  labelSelector?: string
  fieldSelector?: string
  limit?: number
  continue?: string
  resourceVersion?: string
}

/** Query options of a watch. */
export interface WatchOptions {
  resourceVersion?: string
  labelSelector?: string
  fieldSelector?: string
  allowWatchBookmarks?: boolean
  timeoutSeconds?: number
}

/** A running watch: stop() ends it; done settles when the stream ends (rejects on HTTP or parse errors). */
export interface WatchHandle {
  stop(): void
  readonly done: Promise<void>
}

/** Options of one raw request. */
export interface RequestOptions {
  body?: unknown
  contentType?: string
  accept?: string
  query?: Record<string, string | number | boolean | undefined>
}

/** REST client for a Kubernetes-style API. */
export class ApiClient {
  readonly server: URL
  private readonly agent: http.Agent
  private readonly h2?: H2Transport
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number

  constructor(readonly config: ClientConfig) {
    this.server = new URL(config.server)
    const secure = this.server.protocol === 'https:'
    // One keep-alive agent per client: components make a request every few seconds, so reusing the TLS session
    // saves a handshake each time.
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          ca: config.ca,
          cert: config.cert,
          key: config.key,
          rejectUnauthorized: !config.insecureSkipTLSVerify,
        })
      : new http.Agent({keepAlive: true})
    if (secure && config.http2) {
      this.h2 = new H2Transport(this.server.origin, {ca: config.ca, cert: config.cert, key: config.key, rejectUnauthorized: !config.insecureSkipTLSVerify})
    }
    this.headers = {'User-Agent': config.userAgent ?? 'skiff'}
    if (config.token) this.headers.Authorization = `Bearer ${config.token}`
    this.timeoutMs = config.timeoutMs ?? 30_000
  }

  /** Loads a client from a kubeconfig file and context (the current context by default). */
  static async fromKubeconfig(path: string, context?: string, userAgent?: string): Promise<ApiClient> {
    return new ApiClient({...(await loadKubeconfigClientConfig(path, context)), userAgent})
  }

  /** Closes idle keep-alive sockets (open watches end when stopped). */
  close(): void {
    this.agent.destroy()
    this.h2?.close()
  }

  /** GETs one object. */
  get<T extends KubeObject = KubeObject>(target: Target): Promise<T> {
    return this.request<T>('GET', target)
  }

  /** GETs a collection. */
  list<T extends KubeObject = KubeObject>(target: Target, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', target, {query: {...opts}})
  }

  /** POSTs a new object to a collection. */
  create<T extends KubeObject = KubeObject>(target: Target, body: T, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('POST', target, {body, query})
  }

  /** PUTs an object (or a subresource such as status); resourceVersion in body makes it conditional. */
  update<T extends KubeObject = KubeObject>(target: Target, body: T, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('PUT', target, {body, query})
  }

  /** PATCHes an object with the given patch type (merge by default). */
  patch<T extends KubeObject = KubeObject>(target: Target, patch: unknown, type: PatchType = 'merge', query?: RequestOptions['query']): Promise<T> {
    const body = type === 'apply' && typeof patch !== 'string' ? JSON.stringify(patch) : patch
    return this.request<T>('PATCH', target, {body, contentType: PATCH_CONTENT_TYPES[type], query})
  }

  /** DELETEs an object; returns what the server answered (the object or a Status). */
  delete<T = unknown>(target: Target, opts: {propagationPolicy?: string; gracePeriodSeconds?: number; preconditions?: unknown} = {}): Promise<T> {
    const body = {kind: 'DeleteOptions', apiVersion: 'v1', ...opts}
    return this.request<T>('DELETE', target, {body})
  }

  /**
   * Sends a request and parses the JSON answer (text when opts.accept is text/*); throws ApiError on a non-2xx status.
   * A 429 carrying Retry-After (the server's in-flight bound) was not processed: sent again after the delay, up to 10
   * times, as client-go does.
   */
  async request<T>(method: string, target: Target, opts: RequestOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, target, opts)
      } catch (err) {
        const retryAfter = err instanceof ApiError ? err.retryAfterSeconds : undefined
        if (retryAfter === undefined || attempt >= MAX_RETRIES) throw err
        await new Promise((r) => setTimeout(r, Math.min(retryAfter, 10) * 1000))
      }
    }
  }

  private requestOnce<T>(method: string, target: Target, opts: RequestOptions): Promise<T> {
    const path = withQuery(toPath(target), opts.query)
    let payload: string | undefined
    if (opts.body !== undefined) payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    const headers: Record<string, string> = {...this.headers, Accept: opts.accept ?? 'application/json'}
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(payload))
    }
    return new Promise<T>((resolve, reject) => {
      const req = this.send(method, path, headers, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        // A stream reset or a connection lost mid-body closes without 'end' (a no-op once settled).
        res.on('close', () => reject(new Error(`${method} ${path}: the connection closed before the response ended`)))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const code = res.statusCode ?? 0
          if (code < 200 || code >= 300) {
            const error = new ApiError(statusFromResponse(code, text), method, path)
            const retryAfter = Number(res.headers['retry-after'])
            if (code === 429 && Number.isFinite(retryAfter) && retryAfter >= 0) error.retryAfterSeconds = retryAfter
            return reject(error)
          }
          if (!text) return resolve(undefined as T)
          // A caller that asked for text (e.g. /readyz's "ok") gets the text.
          if (headers.Accept.startsWith('text/')) return resolve(text as T)
          try {
            resolve(JSON.parse(text) as T)
          } catch {
            reject(new Error(`${method} ${path}: response is not JSON: ${text.slice(0, 200)}`))
          }
        })
      })
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${path}: timed out after ${this.timeoutMs} ms`)))
      req.on('error', (err) => reject(wrapNetworkError(err, method, this.server, path)))
      req.end(payload)
    })
  }

  /**
   * Starts a watch on a collection and calls onEvent for each event, in order. ERROR events are delivered like
   * the others (a 410 arrives as one); the stream's end settles `done`.
   */
  watch<T extends KubeObject = KubeObject>(target: Target, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    const path = withQuery(toPath(target), {
      watch: true,
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks || undefined,
      timeoutSeconds: opts.timeoutSeconds,
    })
    let stopped = false
    let req: Outgoing | undefined
    const done = new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => (stopped ? resolve() : reject(err))
      req = this.send('GET', path, {...this.headers, Accept: 'application/json'}, (res) => {
        const code = res.statusCode ?? 0
        if (code !== 200) {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => fail(new ApiError(statusFromResponse(code, Buffer.concat(chunks).toString('utf8')), 'GET', path)))
          res.on('error', fail)
          return
        }
        const parser = new WatchParser<T>()
        const deliver = (events: WatchEvent<T>[]) => {
          for (const ev of events) {
            if (stopped) return
            onEvent(ev)
          }
        }
        res.on('data', (chunk: Buffer) => {
          try {
            deliver(parser.push(chunk))
          } catch (err) {
            req?.destroy()
            fail(err)
          }
        })
        res.on('end', () => {
          try {
            deliver(parser.end())
            resolve()
          } catch (err) {
            fail(err)
          }
        })
        // A socket torn down mid-stream (apiserver restart) ends the watch like a normal close: callers re-watch.
        // ('close' without 'end' is how an HTTP/2 stream reports it.)
        res.on('aborted', () => resolve())
        res.on('error', () => resolve())
        res.on('close', () => resolve())
      })
      req.on('error', (err) => fail(wrapNetworkError(err, 'GET', this.server, path)))
      if (req instanceof http.ClientRequest) {
        req.on('socket', (s) => {
          // A pooled socket may still carry the idle timeout of an earlier request; a quiet watch is not idle.
          s.setTimeout(0)
          // TCP keepalive is what notices a vanished peer on a quiet stream.
          s.setKeepAlive(true, 15_000)
        })
      }
      req.end()
    })
    return {
      stop() {
        if (stopped) return
        stopped = true
        req?.destroy()
      },
      done,
    }
  }

  private send(method: string, path: string, headers: Record<string, string>, onResponse: (res: Reply) => void): Outgoing {
    const fullPath = (this.server.pathname.replace(/\/$/, '') || '') + path
    if (this.h2) return this.h2.request(method, fullPath, headers, onResponse)
    const opts: http.RequestOptions = {
      method,
      host: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port || (this.server.protocol === 'https:' ? 443 : 80),
      path: fullPath,
      headers,
      agent: this.agent,
    }
    return this.server.protocol === 'https:' ? https.request(opts, onResponse) : http.request(opts, onResponse)
  }
}

function wrapNetworkError(err: Error & {code?: string}, method: string, server: URL, path: string): Error {
  // A stream cancelled because its HTTP/2 session failed carries the session's error (ECONNREFUSED...) as its cause.
  const cause = (err as {cause?: unknown}).cause
  if (err.code === 'ERR_HTTP2_STREAM_CANCEL' && cause instanceof Error) err = cause
  const wrapped = new Error(`${method} ${server.origin}${path}: ${err.message}`, {cause: err}) as Error & {code?: string}
  wrapped.code = err.code
  return wrapped
}
