// bench/cli: wall time of `skiff get pods` beside `kubectl get pods` on the same cluster (median of 10 each, alternating).
// Usage: node --import tsx bench/cli.ts [--runs 10]
// Floors in the same run: `skiff --version` (oclif's own start-up) and `kubectl version --client`.
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {arg, median, repo, round, skiff} from './lib.js'

const runs = Number(arg('runs', '10'))
const name = `bench-cli-${process.pid}`

/** Milliseconds one command takes, start to exit; throws when it fails. */
function timed(cmd: string, args: string[]): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {cwd: repo, maxBuffer: 16 << 20}, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve(performance.now() - started)))
  })
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-cli-'))
  const kubeconfig = join(dir, 'config')
  try {
    await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig, '--no-switch-context'])
    const bin = join(repo, 'bin/run.js')
    const commands: Record<string, [string, string[]]> = {
      'skiff get pods -A': [bin, ['get', 'pods', '-A', '--kubeconfig', kubeconfig]],
      'kubectl get pods -A': ['kubectl', ['get', 'pods', '-A', '--kubeconfig', kubeconfig]],
      'floor: skiff --version': [bin, ['--version']],
      'floor: kubectl version --client': ['kubectl', ['version', '--client']],
    }
    const times = new Map<string, number[]>(Object.keys(commands).map((k) => [k, []]))
    // One untimed run of each warms discovery caches and the page cache, as a user's second command would be.
    for (const [cmd, args] of Object.values(commands)) await timed(cmd, args)
    for (let i = 0; i < runs; i++) for (const [what, [cmd, args]] of Object.entries(commands)) times.get(what)!.push(await timed(cmd, args))
    console.log(`median of ${runs} runs each, alternating, warm caches`)
    console.log('| command | median | min |\n|---|---|---|')
    for (const [what, xs] of times) console.log(`| ${what} | ${round(median(xs), 0)} ms | ${round(Math.min(...xs), 0)} ms |`)
  } finally {
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

await main()
