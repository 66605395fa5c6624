// bench/api: 2,000 creates from 50 concurrent clients against a real cluster, with a watch opened before that must see each once.
// Usage: node --import tsx bench/api.ts [--creates 2000] [--clients 50]
// Floor: the same number of GET /version from the same clients on the same connections (TLS, routing, authn, no store).
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import https from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {arg, median, pct, round, skiff} from './lib.js'

const creates = Number(arg('creates', '2000'))
const clients = Number(arg('clients', '50'))
const name = `bench-api-${process.pid}`
const ns = 'bench-api'

interface Target {
  host: string
  port: number
  ca: Buffer
  cert: Buffer
  key: Buffer
}

async function target(kubeconfig: string): Promise<Target> {
  const cfg = yaml.load(await readFile(kubeconfig, 'utf8')) as {clusters: Array<{cluster: Record<string, string>}>; users: Array<{user: Record<string, string>}>}
  const url = new URL(cfg.clusters[0].cluster.server)
  const b = (s: string) => Buffer.from(s, 'base64')
  return {host: url.hostname, port: Number(url.port), ca: b(cfg.clusters[0].cluster['certificate-authority-data']),
    cert: b(cfg.users[0].user['client-certificate-data']), key: b(cfg.users[0].user['client-key-data'])}
}

/** One request; resolves status, body and the time it took in ms. */
function request(t: Target, agent: https.Agent, method: string, path: string, body?: unknown): Promise<{status: number; text: string; ms: number; retryAfter?: number}> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body)
    const req = https.request({host: t.host, port: t.port, method, path, agent, ca: t.ca, cert: t.cert, key: t.key,
      headers: data ? {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data)} : {}}, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, text, ms: performance.now() - started, retryAfter: Number(res.headers['retry-after']) || undefined}))
    })
    req.on('error', reject)
    req.end(data)
  })
}

/** Watches ConfigMaps in the namespace from `rv`, counting ADDED events per name. */
function watch(t: Target, rv: string, seen: Map<string, number>): {stop: () => void} {
  const req = https.request({host: t.host, port: t.port, path: `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=false`,
    ca: t.ca, cert: t.cert, key: t.key}, (res) => {
    let buf = ''
    res.on('data', (d) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, i)) as {type: string; object: {metadata: {name: string}}}
        buf = buf.slice(i + 1)
        // Only the bench's own objects: the namespace also gets its kube-root-ca.crt.
        if (ev.type === 'ADDED' && ev.object.metadata.name.startsWith('cm-')) seen.set(ev.object.metadata.name, (seen.get(ev.object.metadata.name) ?? 0) + 1)
      }
    })
  })
  req.on('error', () => undefined)
  req.end()
  return {stop: () => req.destroy()}
}

/** Runs `total` requests spread over `clients` closed-loop clients, each on its own keep-alive connection. */
async function load(t: Target, total: number, one: (agent: https.Agent, i: number) => Promise<{status: number; ms: number}>) {
  const agents = Array.from({length: clients}, () => new https.Agent({keepAlive: true, maxSockets: 1}))
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const started = performance.now()
  await Promise.all(agents.map(async (agent) => {
    for (let i = next++; i < total; i = next++) {
      const r = await one(agent, i)
      latencies.push(r.ms)
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
    }
  }))
  const seconds = (performance.now() - started) / 1000
  for (const a of agents) a.destroy()
  return {latencies, statuses, seconds}
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-api-'))
  const kubeconfig = join(dir, 'config')
  try {
    await skiff(['cluster', 'create', name, '--workers', '0', '--kubeconfig', kubeconfig, '--no-switch-context'])
    const t = await target(kubeconfig)
    const setup = new https.Agent({keepAlive: true})
    await request(t, setup, 'POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}})
    const list = JSON.parse((await request(t, setup, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).text) as {metadata: {resourceVersion: string}}
    const seen = new Map<string, number>()
    const w = watch(t, list.metadata.resourceVersion, seen)

    const floor = await load(t, creates, (agent) => request(t, agent, 'GET', '/version'))
    let retried = 0
    const made = await load(t, creates, async (agent, i) => {
      const body = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `cm-${i}`}, data: {i: String(i)}}
      let total = 0
      for (;;) {
        const r = await request(t, agent, 'POST', `/api/v1/namespaces/${ns}/configmaps`, body)
        total += r.ms
        if (r.status !== 429) return {status: r.status, ms: total}
        retried++
        await new Promise((res) => setTimeout(res, (r.retryAfter ?? 1) * 1000))
      }
    })
    const deadline = Date.now() + 30_000
    while (seen.size < creates && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100))
    w.stop()
    const fivexx = [...made.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)
    const missed = Array.from({length: creates}, (_, i) => `cm-${i}`).filter((n) => !seen.has(n)).length
    const duplicated = [...seen.values()].filter((c) => c > 1).length
    const row = (what: string, r: {latencies: number[]; seconds: number}) =>
      `| ${what} | ${round(median(r.latencies))} ms | ${round(pct(r.latencies, 99))} ms | ${round(creates / r.seconds, 0)}/s |`
    console.log(`${creates} requests from ${clients} concurrent clients, 1 control-plane node`)
    console.log('| requests | p50 | p99 | throughput |\n|---|---|---|---|')
    console.log(row('POST ConfigMap (create)', made))
    console.log(row('floor: GET /version', floor))
    console.log(`statuses of creates: ${JSON.stringify(Object.fromEntries(made.statuses))}; 5xx: ${fivexx}; 429s retried: ${retried}`)
    console.log(`watch opened before: ${seen.size} of ${creates} seen, ${missed} missed, ${duplicated} seen more than once`)
  } finally {
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

await main()
