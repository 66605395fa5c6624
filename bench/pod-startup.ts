// Benchmark (not a test): pod startup latency as the Kubernetes SLO defines it (creation to Running, seen through a watch, image present), next to the floor of a bare `docker run -d` inside a node.
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

/** Creates count pods at rate per second (all at once when rate is 0) and returns creation→Running latencies. */
async function wave(client: ApiClient, ns: string, prefix: string, count: number, rate: number): Promise<number[]> {
  const created = new Map<string, number>()
  const running = new Map<string, number>()
  let resolveAll!: () => void
  const all = new Promise<void>((r) => (resolveAll = r))
  const watch = client.watch({version: 'v1', resource: 'pods', namespace: ns}, {labelSelector: 'bench=pod-startup'}, (ev) => {
    const pod = ev.object as KubeObject
    const name = pod.metadata?.name ?? ''
    if (!name.startsWith(prefix) || running.has(name)) return
    if ((pod as any).status?.phase === 'Running') {
      running.set(name, Date.now())
      if (running.size === count) resolveAll()
    }
  })
  await new Promise((r) => setTimeout(r, 200))
  const creates: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`
    created.set(name, Date.now())
    creates.push(client.create({version: 'v1', resource: 'pods', namespace: ns}, podSpec(name, ns)))
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
      const {stdout} = await exec('docker', ['exec', n, 'docker', 'ps', '-aq', '--filter', 'label=io.kubernetes.pod.uid'])
      if (!stdout.trim()) break
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  if (nodes.length > 0) await new Promise((r) => setTimeout(r, 2000))
}

/**
 * The floor, under the same load shape as the pods: `docker run -d` of the same image on the default bridge inside
 * the worker nodes (count containers split over the nodes, at rate per second overall, or all at once when rate is
 * 0), each timed until the CLI returns (the container runs). Runs as a shell loop inside each node, so the host's
 * `docker exec` is paid once, not per container; the inner docker CLI's own start-up (~tens of ms) is included.
 */
async function floor(nodes: string[], count: number, rate: number): Promise<number[]> {
  const per = Math.ceil(count / nodes.length)
  const gap = rate > 0 ? (nodes.length / rate).toFixed(3) : '0'
  const script = `for i in $(seq ${per}); do ( s=$(date +%s%N); docker run -d --label skiff-bench-floor=1 ${IMAGE} sleep 3600 >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )) ) & sleep ${gap}; done; wait`
  const outs = await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'sh', '-c', script], {maxBuffer: 1 << 20})))
  await Promise.all(nodes.map((n) => exec('docker', ['exec', n, 'sh', '-c', 'docker rm -f $(docker ps -aq --filter label=skiff-bench-floor=1) >/dev/null 2>&1 || true'])))
  return outs.flatMap((o) => o.stdout.split('\n').filter(Boolean).map(Number))
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
    await deletePods(client, ns, workers)
    const b = await wave(client, ns, 'burst', burst, 0)
    console.log(`burst of ${burst} pods:         ${fmt(b)}`)
    await deletePods(client, ns, workers)
    // A pod is two container starts (pause, then the app joining its network namespace); the floor is one.
    console.log(`floor, steady (docker run -d in the nodes): ${fmt(await floor(workers, steady, rate))}`)
    console.log(`floor, burst (docker run -d in the nodes):  ${fmt(await floor(workers, burst, 0))}`)
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
