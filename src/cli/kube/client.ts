// HTTP to the Kubernetes API through the user's kubeconfig (client-node's KubeConfig: exec plugins, tokens, proxies, KUBECONFIG lists).
import http from 'node:http'
import https from 'node:https'
import type {IncomingMessage} from 'node:http'
import {SkiffError} from '../../errors.js'
import {ApiError, type KubeObject} from './types.js'

/** What commands need from kubeconfig flags. */
export interface KubeFlags {
  kubeconfig?: string
  context?: string
  namespace?: string
}

/** The Accept header for server-side printing (Table), falling back to plain JSON as kubectl does. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

export interface RequestOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>
  body?: unknown
  contentType?: string
  accept?: string
  /** Abort a request that has not answered within this many milliseconds (not for streams). */
  timeoutMs?: number
}

/** A client bound to one kubeconfig context. */
export class KubeClient {
  private constructor(
    /** The kubeconfig (client-node's KubeConfig), loaded lazily because its module is slow to import. */
    private readonly kc: {applyToHTTPSOptions(o: https.RequestOptions): Promise<void>},
    readonly server: URL,
    /** The namespace from -n, else the context's, else "default". */
    readonly namespace: string,
    /** True when -n was given explicitly. */
    readonly explicitNamespace: boolean,
  ) {}

  /** Loads the kubeconfig the way kubectl does: --kubeconfig, else $KUBECONFIG (a list, merged), else ~/.kube/config. */
  static async fromFlags(flags: KubeFlags): Promise<KubeClient> {
    const KubeConfig = await loadKubeConfigClass()
    const kc = new KubeConfig()
    try {
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig)
      else kc.loadFromDefault()
    } catch (err) {
      throw new SkiffError(`cannot load kubeconfig: ${(err as Error).message}`, {exitCode: 1})
    }
    if (flags.context) {
      if (!kc.getContextObject(flags.context)) throw new SkiffError(`context "${flags.context}" does not exist in the kubeconfig`, {exitCode: 1})
      kc.setCurrentContext(flags.context)
    }
    const cluster = kc.getCurrentCluster()
    if (!cluster) {
      throw new SkiffError('no cluster in the kubeconfig: the current context names none', {
        exitCode: 1,
        suggestions: ['create one with `skiff cluster create`, or pass --kubeconfig / --context'],
      })
    }
    const ctx = kc.getContextObject(kc.getCurrentContext())
    const namespace = flags.namespace ?? ctx?.namespace ?? 'default'
    return new KubeClient(kc, new URL(cluster.server), namespace, flags.namespace !== undefined)
  }

  /** Starts a request and resolves with the response head (the body still to read). */
  async open(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path)
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined) continue
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one))
    }
    const body = opts.body === undefined ? undefined : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body))
    const req: https.RequestOptions = {
      method,
      headers: {
        Accept: opts.accept ?? 'application/json',
        'User-Agent': 'skiff',
        ...(body ? {'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': String(body.length)} : {}),
      },
    }
    try {
      await this.kc.applyToHTTPSOptions(req)
    } catch (err) {
      throw new SkiffError(`cannot get credentials for ${this.server.host}: ${(err as Error).message}`, {exitCode: 1})
    }
    const mod = url.protocol === 'http:' ? http : https
    return new Promise((resolve, reject) => {
      const r = mod.request(url, req, resolve)
      if (opts.timeoutMs) r.setTimeout(opts.timeoutMs, () => r.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)))
      r.on('error', (err) => reject(new SkiffError(`cannot reach the API server at ${this.server.host}: ${err.message}`, {exitCode: 1})))
      r.end(body)
    })
  }

  /** A request whose body is JSON; non-2xx answers throw ApiError carrying the server's Status. */
  async request<T = KubeObject>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, {timeoutMs: 60_000, ...opts})
    const text = await readAll(res)
    const status = res.statusCode ?? 0
    if (status < 200 || status >= 300) throw ApiError.fromResponse(status, text)
    return (text ? JSON.parse(text) : {}) as T
  }

  /** The URL and TLS/auth options of an upgraded (WebSocket) request to `path`, credentials applied. */
  async upgradeOptions(path: string, query: Record<string, string | string[] | boolean | undefined>): Promise<{url: URL; options: https.RequestOptions}> {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path)
    url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:'
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one))
    }
    const options: https.RequestOptions = {headers: {'User-Agent': 'skiff'}}
    await this.kc.applyToHTTPSOptions(options)
    return {url, options}
  }

  get<T = KubeObject>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts)
  }
}

type KubeConfigClass = typeof import('@kubernetes/client-node').KubeConfig

/**
 * client-node's KubeConfig from its own module rather than the package index, which re-exports (and so evaluates)
 * everything else too. Imported only here, on first use, by commands that talk to a cluster. In the CLI bundle
 * (scripts/bundle-cli.mjs) the generated API it drags in is stubbed out; from sources it is the package as it is.
 */
async function loadKubeConfigClass(): Promise<KubeConfigClass> {
  return (await import('@kubernetes/client-node/dist/config.js')).KubeConfig
}

/** Reads a whole response body as text. */
export async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of res) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
