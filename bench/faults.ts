// Benchmark (not a test): kill -9 each component of a running cluster while a writer creates ConfigMaps every 100 ms and a watcher resumes from its last resourceVersion; prints recovery time per fault beside the floor of starting a bare process in the node, writes lost, and events missed or duplicated.
// Usage: node --import tsx bench/faults.ts [--rounds 1]
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiClient} from '../src/client/api-client.js'
import {arg, exec, kubectl, median, round, skiff} from './lib.js'

const rounds = Number(arg('rounds', '1'))
const name = `flt-${process.pid % 10000}`
const cp = `${name}-control-plane`
const worker = `${name}-worker`
const faults: Array<{what: string; node: string; pattern: string; floor: string[]}> = [
  {what: 'apiserver', node: cp, pattern: 'skiff-node.cjs control-plane apiserver', floor: ['node', '-e', '0']},
  {what: 'etcd', node: cp, pattern: '^etcd ', floor: ['etcd', '--version']},
  {what: 'controller-manager', node: cp, pattern: 'skiff-node.cjs control-plane controller-manager', floor: ['node', '-e', '0']},
  {what: 'agent (control plane)', node: cp, pattern: 'skiff-node.cjs control-plane node', floor: ['node', '-e', '0']},
  {what: 'agent (worker)', node: worker, pattern: 'skiff-node.cjs worker node', floor: ['node', '-e', '0']},
  {what: 'containerd (worker)', node: worker, pattern: '^containerd ', floor: ['containerd', '--version']},
  {what: 'containerd (control plane)', node: cp, pattern: '^containerd ', floor: ['containerd', '--version']},
]

const pidOf = async (node: string, pattern: string) => (await exec('docker', ['exec', node, 'pgrep', '-o', '-f', pattern]).catch(() => ({stdout: ''}))).stdout.trim()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-faults-'))
  const kubeconfig = join(dir, 'config')
  const k = kubectl(kubeconfig)
  try {
    await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig, '--no-switch-context'])
    const client = await ApiClient.fromKubeconfig(kubeconfig)
    await k.run(['create', 'namespace', 'writes'])
    const cms = {version: 'v1', resource: 'configmaps', namespace: 'writes'}
    const acknowledged: string[] = []
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await client.create(cms, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `w-${i}`}}).then(() => void acknowledged.push(`w-${i}`), () => undefined)
        await sleep(100)
      }
    })()
    const seen = new Map<string, number>()
    let rv = (await client.list(cms)).metadata.resourceVersion as string
    let watching = true
    const watcher = (async () => {
      while (watching) {
        const h = client.watch(cms, {resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 30}, (ev) => {
          if (ev.type === 'ERROR') return
          rv = ev.object.metadata.resourceVersion ?? rv
          if (ev.type === 'ADDED') seen.set(ev.object.metadata.name!, (seen.get(ev.object.metadata.name!) ?? 0) + 1)
        })
        const stopper = setInterval(() => !watching && h.stop(), 200)
        await h.done.catch(() => undefined)
        clearInterval(stopper)
        if (watching) await sleep(200)
      }
    })()
    const rows: Record<string, {recovery: number[]; floor: number[]}> = {}
    for (let r = 0; r < rounds; r++) {
      for (const f of faults) {
        await sleep(1500)
        const t0 = Date.now()
        await exec('docker', ['exec', f.node, ...f.floor])
        const floor = Date.now() - t0
        const old = await pidOf(f.node, f.pattern)
        const t = Date.now()
        await exec('docker', ['exec', f.node, 'kill', '-9', old])
        for (;;) {
          const now = await pidOf(f.node, f.pattern)
          const healthy = f.node !== cp || (await k.run(['get', '--raw', '/readyz']).then((o) => o.trim() === 'ok', () => false))
          if (now && now !== old && healthy) break
          await sleep(50)
        }
        const row = (rows[f.what] ??= {recovery: [], floor: []})
        row.recovery.push(Date.now() - t)
        row.floor.push(floor)
      }
    }
    await sleep(2000)
    writing = false
    await writer
    for (let i = 0; i < 100 && !acknowledged.every((n) => seen.has(n)); i++) await sleep(200)
    watching = false
    await watcher
    client.close()
    const stored = new Set(((await k.json(['get', 'configmaps', '-n', 'writes'])).items as Array<{metadata: {name: string}}>).map((c) => c.metadata.name))
    console.log('fault                    recovery s (median)   floor s (process start in the node)')
    for (const [what, row] of Object.entries(rows)) console.log(`${what.padEnd(25)}${String(round(median(row.recovery) / 1000, 2)).padEnd(22)}${round(median(row.floor) / 1000, 2)}`)
    console.log(`writes: ${acknowledged.length} acknowledged, ${acknowledged.filter((n) => !stored.has(n)).length} lost (goal 0)`)
    console.log(`watch: ${acknowledged.filter((n) => !seen.has(n)).length} missed, ${[...seen.values()].filter((c) => c > 1).length} duplicated (goal 0)`)
  } finally {
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
