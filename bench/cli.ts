// bench/cli: wall time of `skiff get pods` beside `kubectl get pods` on the same cluster (median of 10 each, alternating).
// Usage: node --import tsx bench/cli.ts [--runs 10]
// Floors in the same run: `skiff --version` (oclif's own start-up), `kubectl version --client` and `node -e 0` (the
// runtime's own start-up, under which no Node.js CLI can go). `skiff get pods -A` runs once more without the compile
// cache (bin/load-bundle.js), as a first run after an install or upgrade does.
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {arg, median, repo, round, skiff} from './lib.js'

const runs = Number(arg('runs', '10'))
const name = `bench-cli-${process.pid}`

/** Milliseconds one command takes, start to exit; throws when it fails. */
function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const opts = {cwd: repo, maxBuffer: 16 << 20, env: {...process.env, ...env}}
    execFile(cmd, args, opts, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve(performance.now() - started)))
  })
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-cli-'))
  const kubeconfig = join(dir, 'config')
  try {
    await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig, '--no-switch-context'])
    const bin = join(repo, 'bin/run.js')
    const getPods = ['get', 'pods', '-A', '--kubeconfig', kubeconfig]
    const commands: Record<string, [string, string[], NodeJS.ProcessEnv?]> = {
      'skiff get pods -A': [bin, getPods],
      'kubectl get pods -A': ['kubectl', getPods],
      'skiff get pods -A, no compile cache': [bin, getPods, {SKIFF_NO_COMPILE_CACHE: '1'}],
      'floor: skiff --version': [bin, ['--version']],
      'floor: kubectl version --client': ['kubectl', ['version', '--client']],
      'floor: node -e 0': [process.execPath, ['-e', '0']],
    }
    const times = new Map<string, number[]>(Object.keys(commands).map((k) => [k, []]))
    // One untimed run of each warms discovery caches and the page cache, as a user's second command would be.
    for (const [cmd, args, env] of Object.values(commands)) await timed(cmd, args, env)
    for (let i = 0; i < runs; i++) for (const [what, [cmd, args, env]] of Object.entries(commands)) times.get(what)!.push(await timed(cmd, args, env))
    console.log(`median of ${runs} runs each, alternating, warm caches`)
    console.log('| command | median | min |\n|---|---|---|')
    for (const [what, xs] of times) console.log(`| ${what} | ${round(median(xs), 0)} ms | ${round(Math.min(...xs), 0)} ms |`)
  } finally {
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

await main()
