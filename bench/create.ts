// Benchmark (not a test): cluster create time vs. two floors (bare containers of a minimal image; bare node containers until containerd answers), and idle node memory.
// Usage: node --import tsx bench/create.ts [runs=5] [workers=2]
import Dockerode from 'dockerode'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {nodeCreateOptions, nodeVolumeNames} from '../src/cluster/docker/spec.js'
import {DockerProvider} from '../src/cluster/docker/provider.js'
import {ensureNodeImage} from '../src/cluster/image/index.js'
import {repoRoot} from '../src/cluster/version.js'
import {planCluster, pickSubnet} from '../src/cluster/plan.js'
import {configFromFlags} from '../src/config/load.js'

const exec = promisify(execFile)
const runs = Number(process.argv[2] ?? 5)
const workers = Number(process.argv[3] ?? 2)
const docker = new Dockerode()
const MINIMAL_IMAGE = 'skiff/busybox:test'
const provider = new DockerProvider(docker)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`

/** Time to start the same number of bare node containers until each one's containerd answers. */
async function floorOnce(image: string, mode: 'privileged' | 'capabilities'): Promise<number> {
  const name = `skiff-bench-floor`
  const config = configFromFlags(undefined, {name, workers})
  const plan = planCluster(config, pickSubnet((await provider.networks()).subnets))
  await provider.createNetwork(plan.network.name, plan.network.subnet, plan.network.gateway, name)
  try {
    const t0 = Date.now()
    await Promise.all(
      plan.nodes.map(async (n) => {
        // Every volume the node mounts, labelled, so deleteCluster removes them all afterwards.
        for (const Name of nodeVolumeNames(n.name)) await docker.createVolume({Name, Labels: {'io.skiff.cluster': name}})
        const opts = nodeCreateOptions(n, {cluster: name, image, network: plan.network.name, env: {SKIFF_ROLE: n.role, SKIFF_NODE_NAME: n.name, SKIFF_POD_CIDR: n.podCIDR, SKIFF_CLUSTER_CIDR: '10.244.0.0/16', SKIFF_PEERS: ''}, files: {}}, mode, 'bench')
        // Same container, but the entrypoint execs `sleep` after its fix-ups instead of skiff's components.
        opts.Cmd = ['sleep', 'infinity']
        const c = await docker.createContainer(opts)
        await c.start()
        for (;;) {
          const r = await provider.exec(n.name, ['ctr', 'version']).catch(() => ({exitCode: 1}))
          if (r.exitCode === 0) break
          await new Promise((res) => setTimeout(res, 50))
        }
      }),
    )
    return Date.now() - t0
  } finally {
    await provider.deleteCluster(name)
  }
}

/** Time to create and start the same number of bare containers of a minimal image on the host engine, concurrently. */
async function minimalFloorOnce(count: number): Promise<number> {
  const t0 = Date.now()
  const ids = await Promise.all(
    Array.from({length: count}, async () => {
      const c = await docker.createContainer({Image: MINIMAL_IMAGE, Cmd: ['sleep', '3600'], Labels: {'io.skiff.bench': 'floor'}, HostConfig: {AutoRemove: false}})
      await c.start()
      return c
    }),
  )
  const ms = Date.now() - t0
  await Promise.all(ids.map((c) => c.remove({force: true})))
  return ms
}

async function memoryOf(container: string): Promise<number> {
  const stats: any = await docker.getContainer(container).stats({stream: false})
  const cache = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0
  return (stats.memory_stats.usage - cache) / (1 << 20)
}

async function main(): Promise<void> {
  const {image} = await ensureNodeImage(provider, {repoRoot: repoRoot(), onProgress: () => undefined})
  const mode = await provider.securityMode(image)
  console.log(`image ${image}, security mode ${mode}, ${runs} runs, 1 control plane + ${workers} workers`)
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-'))
  const cmd: number[] = []
  const api: number[] = []
  const ready: number[] = []
  const floor: number[] = []
  const minimal: number[] = []
  await docker.getImage(MINIMAL_IMAGE).inspect().catch(() => exec(join(repoRoot(), 'scripts/build-busybox-image.sh'), [MINIMAL_IMAGE]))
  const mem: Record<string, number[]> = {}
  const memLater: Record<string, number[]> = {}
  try {
    for (let i = 0; i < runs; i++) {
      floor.push(await floorOnce(image, mode))
      minimal.push(await minimalFloorOnce(workers + 1))
      const name = `bench${i}`
      const t0 = Date.now()
      const {stdout} = await exec(join(repoRoot(), 'bin/run.js'), ['cluster', 'create', name, '--workers', String(workers), '--kubeconfig', join(dir, 'config'), '--json'], {maxBuffer: 16 << 20})
      cmd.push(Date.now() - t0)
      const res = JSON.parse(stdout)
      api.push(res.milestones.apiReady)
      ready.push(res.milestones.nodesReady)
      // Idle memory: after the boot settles, and a minute later (idle processes grow until their heaps are collected).
      await new Promise((r) => setTimeout(r, 15_000))
      for (const n of res.nodes) (mem[n.role] ??= []).push(await memoryOf(n.name))
      await new Promise((r) => setTimeout(r, 45_000))
      for (const n of res.nodes) (memLater[n.role] ??= []).push(await memoryOf(n.name))
      await exec(join(repoRoot(), 'bin/run.js'), ['cluster', 'delete', name, '--kubeconfig', join(dir, 'config')])
      console.log(`  milestones (ms): ${JSON.stringify(res.milestones)}`)
      console.log(`run ${i + 1}: command ${secs(cmd[i])}, API ${secs(api[i])}, all Ready ${secs(ready[i])}, floor: bare nodes ${secs(floor[i])}, minimal containers ${secs(minimal[i])}`)
    }
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  console.log('\nmedian over %d runs (1 control plane + %d workers):', runs, workers)
  console.log(`  (a) command returned   ${secs(median(cmd))}`)
  console.log(`  (b) API answering      ${secs(median(api))}`)
  console.log(`  (c) all nodes Ready    ${secs(median(ready))}   goal ≤ 2.5s`)
  console.log(`  floor: ${workers + 1} bare containers of a minimal image  ${secs(median(minimal))}`)
  console.log(`  floor: ${workers + 1} bare node containers, containerd answering  ${secs(median(floor))}   (all Ready / this: ${(median(ready) / median(floor)).toFixed(2)}x)`)
  for (const [role, xs] of Object.entries(mem)) {
    const later = memLater[role] ?? []
    console.log(`  idle memory ${role.padEnd(13)} 15 s after create: median ${median(xs).toFixed(0)} MiB (max ${Math.max(...xs).toFixed(0)}); 60 s after: median ${median(later).toFixed(0)} MiB (max ${Math.max(...later).toFixed(0)})   goal ${role === 'worker' ? '≤ 45' : '≤ 100'} MiB`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
