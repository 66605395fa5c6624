// Starts an apiserver over a given store with a fresh test CA, and makes authenticated HTTPS requests to it.
import https from 'node:https'
import {writeFile} from 'node:fs/promises'
import {startApiServer} from '../../src/apiserver/index.js'
import type {ApiServerOptions} from '../../src/apiserver/server.js'
import type {Store} from '../../src/store/index.js'
import {createTestCa, type TestCert} from './pki.js'
import {waitFor} from './wait.js'

export interface TestServer {
  port: number
  ca: string
  admin: TestCert
  /** Issues a client certificate from the server's CA, e.g. 'CN=alice,O=viewers'. */
  issue(subject: string, opts?: {server?: boolean}): Promise<TestCert>
  request(method: string, path: string, opts?: {body?: unknown; headers?: Record<string, string>; anonymous?: boolean; raw?: Buffer}): Promise<{status: number; headers: Record<string, unknown>; text: string; json: any}>
  /** Opens a streaming GET and collects newline-delimited JSON events. */
  stream(path: string, headers?: Record<string, string>): {events: any[]; next(n: number, ms?: number): Promise<any[]>; ended: Promise<void>; close(): void}
  close(): Promise<void>
}

/** `extra` adds server options (an authorizer, admission plugins) to the defaults. */
export async function startTestServer(store: Store, extra: Partial<ApiServerOptions> = {}): Promise<TestServer> {
  const ca = await createTestCa()
  const serving = await ca.sign('CN=localhost', {server: true})
  const admin = await ca.sign('CN=admin,O=system:masters')
  const server = await startApiServer({store, port: 0, tls: {...serving, ca: ca.cert}, ...extra})
  const agent = new https.Agent({ca: ca.cert, cert: admin.cert, key: admin.key, keepAlive: true})
  const anonAgent = new https.Agent({ca: ca.cert})
  return {
    port: server.port, ca: ca.cert, admin,
    issue: (subject, opts) => ca.sign(subject, opts),
    request(method, path, opts = {}) {
      return new Promise((resolve, reject) => {
        const data = opts.raw ?? (opts.body === undefined ? undefined : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)))
        const req = https.request({host: '127.0.0.1', port: server.port, method, path, agent: opts.anonymous ? anonAgent : agent,
          headers: {...(data && !opts.raw ? {'Content-Type': 'application/json'} : {}), ...(data ? {'Content-Length': String(data.length)} : {}), ...opts.headers}}, res => {
          let text = ''
          res.on('data', d => { text += d })
          res.on('end', () => {
            let json: unknown
            try { json = JSON.parse(text) } catch { json = undefined }
            resolve({status: res.statusCode!, headers: res.headers, text, json})
          })
        })
        req.on('error', reject)
        req.end(data)
      })
    },
    stream(path, headers = {}) {
      const events: any[] = []
      let buf = ''
      let done: () => void
      const ended = new Promise<void>(r => { done = r })
      const req = https.request({host: '127.0.0.1', port: server.port, path, agent: new https.Agent({ca: ca.cert, cert: admin.cert, key: admin.key}), headers}, res => {
        res.on('data', d => {
          buf += d
          let i
          while ((i = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, i)))
            buf = buf.slice(i + 1)
          }
        })
        res.on('end', () => done())
        res.on('close', () => done())
      })
      req.on('error', () => done())
      req.end()
      return {
        events, ended,
        async next(n, ms = 5000) {
          await waitFor(`${n} watch events on ${path}`, async () => events.length >= n, ms, 10)
          return events
        },
        close: () => req.destroy(),
      }
    },
    async close() {
      agent.destroy()
      anonAgent.destroy()
      await server.close()
    },
  }
}

/** Writes a kubeconfig at `path` for kubectl against `server` as `user` (default the admin certificate). */
export async function writeKubeconfig(path: string, server: TestServer, user: TestCert = server.admin): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  await writeFile(path, `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "https://127.0.0.1:${server.port}", certificate-authority-data: ${b64(server.ca)}}}]
users: [{name: t, user: {client-certificate-data: ${b64(user.cert)}, client-key-data: ${b64(user.key)}}}]
contexts: [{name: t, context: {cluster: t, user: t}}]
current-context: t
`)
}
