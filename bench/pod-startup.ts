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

async function deletePods(client: ApiClient, ns: string): Promise<void> {
  const list = await client.list({version: 'v1', resource: 'pods', namespace: ns})
  await Promise.all(list.items.map((p) => client.delete({version: 'v1', resource: 'pods', namespace: ns, name: p.metadata.name}, {gracePeriodSeconds: 0}).catch(() => {})))
}

/** The floor: `docker run -d` of the same image inside a worker node, timed until it returns (the container runs). */
async function floor(node: string, runs = 10): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now()
    const {stdout} = await exec('docker', ['exec', node, 'docker', 'run', '-d', '--network', 'bridge', IMAGE, 'sleep', '3600'])
    out.push(Date.now() - t0)
    await exec('docker', ['exec', node, 'docker', 'rm', '-f', stdout.trim()])
  }
  return out
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
    // A warm-up pod per node, so the first measured pods do not pay for a cold start of caches.
    await wave(client, ns, 'warm', 2, 0)
    await deletePods(client, ns)

    const s = await wave(client, ns, 'steady', steady, rate)
    console.log(`steady ${steady} pods at ${rate}/s:  ${fmt(s)}`)
    await deletePods(client, ns)
    await new Promise((r) => setTimeout(r, 3000))
    const b = await wave(client, ns, 'burst', burst, 0)
    console.log(`burst of ${burst} pods:         ${fmt(b)}`)
    await deletePods(client, ns)
    const f = await floor(`${name}-worker`)
    console.log(`floor (docker run -d inside a node, via docker exec): ${fmt(f)}`)
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
