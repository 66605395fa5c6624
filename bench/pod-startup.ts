// Benchmark (not a test): pod startup latency as the Kubernetes SLO defines it (creation to Running, seen through a watch, image present), with where the time goes, next to the floor of a bare container start in the nodes' containerd.
// Usage: node --import tsx bench/pod-startup.ts [--name EXISTING_CLUSTER] [--steady 30] [--rate 5] [--burst 100]
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {KubeObject} from '../src/api/types.js'
import {ApiClient} from '../src/client/api-client.js'

const exec = promisify(execFile)
const repo = join(import.meta.dirname, '..')
const IMAGE = 'skiff/busybox:test'

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : def
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
const fmt = (xs: number[]) => `p50 ${pct(xs, 50)} ms  p90 ${pct(xs, 90)} ms  p99 ${pct(xs, 99)} ms  max ${Math.max(...xs)} ms  (n=${xs.length})`
const skiff = (args: string[]) => exec(join(repo, 'bin/run.js'), args, {cwd: repo, maxBuffer: 64 << 20, timeout: 600_000})

function podSpec(name: string, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, namespace, labels: {bench: 'pod-startup'}},
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], resources: {requests: {cpu: '1m', memory: '1Mi'}}}],
    },
  }
}

/** When the bench sent each pod's create, got the answer, and saw it Running through its watch (epoch ms). */
interface BenchTimes {
  sent: number
  written?: number
  running?: number
}

const waves = new Map<string, Map<string, BenchTimes>>()

/** Creates count pods at rate per second (all at once when rate is 0) and returns creation→Running latencies. */
async function wave(client: ApiClient, ns: string, prefix: string, count: number, rate: number): Promise<number[]> {
  const created = new Map<string, number>()
  const running = new Map<string, number>()
  const times = new Map<string, BenchTimes>()
  waves.set(prefix, times)
  let resolveAll!: () => void
  const all = new Promise<void>((r) => (resolveAll = r))
  const watch = client.watch({version: 'v1', resource: 'pods', namespace: ns}, {labelSelector: 'bench=pod-startup'}, (ev) => {
    const pod = ev.object as KubeObject
    const name = pod.metadata?.name ?? ''
    if (!name.startsWith(prefix) || running.has(name)) return
    if ((pod as any).status?.phase === 'Running') {
      running.set(name, Date.now())
      const t = times.get(name)
      if (t) t.running = Date.now()
      if (running.size === count) resolveAll()
    }
  })
  await new Promise((r) => setTimeout(r, 200))
  const creates: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`
    created.set(name, Date.now())
    const t: BenchTimes = {sent: Date.now()}
    times.set(name, t)
    creates.push(client.create({version: 'v1', resource: 'pods', namespace: ns}, podSpec(name, ns)).then((r) => {
      t.written = Date.now()
      return r
    }))
    if (rate > 0) await new Promise((r) => setTimeout(r, 1000 / rate))
  }
  await Promise.all(creates)
  const timeout = new Promise<void>((r) => setTimeout(r, 180_000))
  await Promise.race([all, timeout])
  watch.stop()
  if (running.size < count) console.log(`  warning: only ${running.size}/${count} pods reached Running within 180 s`)
  return [...running].map(([name, t]) => t - created.get(name)!)
}

async function deletePods(client: ApiClient, ns: string, nodes: string[] = []): Promise<void> {
  const list = await client.list({version: 'v1', resource: 'pods', namespace: ns})
  await Promise.all(list.items.map((p) => client.delete({version: 'v1', resource: 'pods', namespace: ns, name: p.metadata.name}, {gracePeriodSeconds: 0}).catch(() => {})))
  // Removing containers loads the nodes as much as starting them: let that finish before the next measurement.
  const deadline = Date.now() + 300_000
  for (const n of nodes) {
    while (Date.now() < deadline) {
      const {stdout} = await exec('docker', ['exec', n, 'ctr', '-n', 'k8s.io', 'containers', 'ls', '-q', `labels."io.kubernetes.pod.namespace"==${ns}`])
      if (!stdout.trim()) break
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  if (nodes.length > 0) await new Promise((r) => setTimeout(r, 2000))
}

/**
 * The floor, under the same load shape as the pods: one bare container start of the same image in each worker's
 * containerd (`ctr run -d` with crun, no network: what one pod costs at the least), count containers split over
 * the nodes, at rate per second overall (all at once when rate is 0), each timed until ctr returns (the container
 * runs). Runs as a shell loop inside each node, so the host's `docker exec` is paid once, not per container; ctr's
 * own start-up (~tens of ms) is included. The containers live in a namespace of their own, away from the CRI's.
 */
async function floor(nodes: string[], count: number, rate: number): Promise<number[]> {
  const per = Math.ceil(count / nodes.length)
  const gap = rate > 0 ? (nodes.length / rate).toFixed(3) : '0'
  const ref = `docker.io/${IMAGE}`
  const ctr = 'ctr -n skiff-bench'
  const setup = `${ctr} images ls -q | grep -qx '${ref}' || ctr -n k8s.io images export - '${ref}' | ${ctr} images import --snapshotter "$(cat /run/skiff/snapshotter)" - >/dev/null`
  const script = `${setup}; for i in $(seq ${per}); do ( s=$(date +%s%N); ${ctr} run -d --runc-binary /usr/bin/crun --snapshotter "$(cat /run/skiff/snapshotter)" '${ref}' floor-$$-$i sleep 3600 >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )) ) & sleep ${gap}; done; wait`
  const cleanup = `for c in $(${ctr} containers ls -q); do ${ctr} tasks kill -s KILL "$c" >/dev/null 2>&1; done; sleep 0.5; for c in $(${ctr} containers ls -q); do ${ctr} tasks delete -f "$c" >/dev/null 2>&1; ${ctr} containers delete "$c" >/dev/null 2>&1; done; true`
  const outs = await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'sh', '-c', script], {maxBuffer: 1 << 20})))
  await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'sh', '-c', cleanup])))
  return outs.flatMap((o) => o.stdout.split('\n').filter(Boolean).map(Number))
}

/** The components' startup milestones of each pod (scheduler and agent `pod-startup` log lines), by pod name. */
async function componentMarks(nodes: string[], ns: string): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>()
  for (const n of nodes) {
    const {stdout} = await exec('docker', ['logs', n], {maxBuffer: 256 << 20})
    for (const m of stdout.matchAll(/pod-startup (\S+) (\{.*\})$/gm)) {
      const [podNs, name] = m[1].split('/')
      if (podNs !== ns) continue
      out.set(name, {...out.get(name), ...(JSON.parse(m[2]) as Record<string, number>)})
    }
  }
  return out
}

/** Where the time went for one wave: p50/p99 of each phase over its pods, from bench and component timestamps. */
async function phases(nodes: string[], ns: string, prefix: string): Promise<void> {
  const marks = await componentMarks(nodes, ns)
  const spans: [string, string, string][] = [
    ['API write (create call)', 'sent', 'written'],
    ['watch to scheduler', 'written', 'queued'],
    ['scheduler queue', 'queued', 'decided'],
    ['bind', 'decided', 'bound'],
    ['watch to agent', 'bound', 'seen'],
    ['agent queue, prepare', 'seen', 'sandbox'],
    ['sandbox + CNI network', 'sandbox', 'sandboxReady'],
    ['image check', 'imageCheck', 'imageReady'],
    ['container create', 'create', 'created'],
    ['wait for sandbox', 'created', 'start'],
    ['container start', 'start', 'started'],
    ['until status write', 'started', 'statusWrite'],
    ['status write', 'statusWrite', 'statusWritten'],
    ['watch to client', 'statusWritten', 'running'],
  ]
  const rows: string[] = []
  for (const [label, from, to] of spans) {
    const xs: number[] = []
    for (const [name, t] of waves.get(prefix) ?? []) {
      const all: Record<string, number | undefined> = {...marks.get(name), sent: t.sent, written: t.written, running: t.running}
      const a = all[from]
      const b = all[to]
      if (a !== undefined && b !== undefined) xs.push(b - a)
    }
    if (xs.length > 0) rows.push(`    ${label.padEnd(26)} p50 ${String(pct(xs, 50)).padStart(6)} ms  p99 ${String(pct(xs, 99)).padStart(6)} ms  (n=${xs.length})`)
  }
  console.log(`  where the time goes (${prefix}):\n${rows.join('\n')}`)
}

async function main(): Promise<void> {
  const existing = arg('name')
  const steady = Number(arg('steady', '30'))
  const rate = Number(arg('rate', '5'))
  const burst = Number(arg('burst', '100'))
  const name = existing ?? `bench-pods-${process.pid}`
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-'))
  const kubeconfig = join(dir, 'kubeconfig')
  const ns = `bench-${process.pid}`
  let client: ApiClient | undefined
  try {
    if (existing) {
      await writeFile(kubeconfig, (await skiff(['cluster', 'kubeconfig', existing])).stdout)
    } else {
      console.log(`creating cluster ${name} (2 workers) ...`)
      await skiff(['cluster', 'create', name, '--workers', '2', '--kubeconfig', kubeconfig, '--no-switch-context'])
    }
    await exec('docker', ['image', 'inspect', IMAGE]).catch(() => exec(join(repo, 'scripts/build-busybox-image.sh'), [IMAGE]))
    await skiff(['image', 'load', IMAGE, '--name', name])
    client = await ApiClient.fromKubeconfig(kubeconfig, undefined, 'skiff-bench')
    await client.create({version: 'v1', resource: 'namespaces'}, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}})
    const workers = (await exec('docker', ['ps', '--format', '{{.Names}}', '--filter', `name=^${name}-worker`])).stdout.split('\n').filter(Boolean)
    const allNodes = (await exec('docker', ['ps', '--format', '{{.Names}}', '--filter', `name=^${name}-`])).stdout.split('\n').filter(Boolean)
    // A warm-up pod per node, so the first measured pods do not pay for a cold start of caches.
    await wave(client, ns, 'warm', 2, 0)
    await deletePods(client, ns, workers)

    // One pod at a time: the latency without contention.
    const one: number[] = []
    for (let i = 0; i < 5; i++) one.push(...(await wave(client, ns, `one${i}`, 1, 0)))
    console.log(`one pod at a time:      ${fmt(one)}`)
    await deletePods(client, ns, workers)
    const f1 = await floor(workers.slice(0, 1), 5, 1)
    console.log(`floor, one at a time:   ${fmt(f1)}`)
    const s = await wave(client, ns, 'steady', steady, rate)
    console.log(`steady ${steady} pods at ${rate}/s:  ${fmt(s)}`)
    await phases(allNodes, ns, 'steady')
    await deletePods(client, ns, workers)
    const b = await wave(client, ns, 'burst', burst, 0)
    console.log(`burst of ${burst} pods:         ${fmt(b)}`)
    await phases(allNodes, ns, 'burst')
    await deletePods(client, ns, workers)
    // A pod is a sandbox (with its network) and a container joining it; the floor is one bare container.
    console.log(`floor, steady (ctr run -d in the nodes): ${fmt(await floor(workers, steady, rate))}`)
    console.log(`floor, burst (ctr run -d in the nodes):  ${fmt(await floor(workers, burst, 0))}`)
  } finally {
    if (client) {
      await deletePods(client, ns).catch(() => {})
      await client.delete({version: 'v1', resource: 'namespaces', name: ns}).catch(() => {})
      client.close()
    }
    if (!existing) await skiff(['cluster', 'delete', name]).catch((err) => console.log(`cluster delete failed: ${err?.message ?? err}`))
    await rm(dir, {recursive: true, force: true})
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err)
  process.exitCode = 1
})
