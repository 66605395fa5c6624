// Runs the built skiff CLI and the real kubectl as subprocesses, the way a user would.
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const repo = join(import.meta.dirname, '../..')

/** Output and exit code of a finished command. */
export interface Run {
  stdout: string
  stderr: string
  code: number
}

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number} = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, {cwd: repo, env: {...process.env, ...opts.env}, maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 300_000}, (err, stdout, stderr) => {
      resolve({stdout: String(stdout), stderr: String(stderr), code: err ? ((err as any).code as number) ?? 1 : 0})
    })
    if (opts.input !== undefined) child.stdin!.end(opts.input)
  })
}

/** Runs `./bin/run.js ARGS`. */
export function skiff(args: string[], opts: {env?: NodeJS.ProcessEnv; timeoutMs?: number} = {}): Promise<Run> {
  return run(join(repo, 'bin/run.js'), args, opts)
}

/** A kubectl bound to one kubeconfig and a private discovery cache. */
export function kubectlFor(kubeconfig: string, cacheDir: string) {
  const base = ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir]
  const runK = (args: string[], input?: string) => run('kubectl', [...base, ...args], {input, timeoutMs: 60_000})
  return {
    run: runK,
    spawn: (args: string[]): ChildProcess => spawn('kubectl', [...base, ...args], {cwd: repo}),
    /** `kubectl ARGS -o json`, parsed; throws with kubectl's stderr when it fails. */
    async json(args: string[]): Promise<any> {
      const r = await runK([...args, '-o', 'json'])
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`)
      return JSON.parse(r.stdout)
    },
  }
}

/**
 * Deletes a test cluster with the CLI, and then by label with docker directly, so a broken build
 * or a failed test never leaves containers, networks or volumes behind.
 */
export async function deleteClusterHard(name: string, kubeconfig: string): Promise<void> {
  await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
  const label = `label=io.skiff.cluster=${name}`
  const ids = (await run('docker', ['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean)
  if (ids.length) await run('docker', ['rm', '-fv', ...ids])
  const nets = (await run('docker', ['network', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean)
  if (nets.length) await run('docker', ['network', 'rm', ...nets])
  const vols = (await run('docker', ['volume', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean)
  if (vols.length) await run('docker', ['volume', 'rm', '-f', ...vols])
}

/** A running `kubectl port-forward` and the local port it listens on. */
export interface PortForward {
  port: number
  stop(): void
}

/** Starts `kubectl ARGS` (a port-forward to a random local port) and resolves once it says where it forwards from. */
export function startPortForward(args: string[]): Promise<PortForward> {
  const pf = spawn('kubectl', args)
  let out = ''
  pf.stderr.on('data', (d) => (out += d))
  return new Promise<PortForward>((resolve, reject) => {
    pf.stdout.on('data', (d) => {
      out += d
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)
      if (m) resolve({port: Number(m[1]), stop: () => pf.kill('SIGINT')})
    })
    pf.on('close', (code) => reject(new Error(`kubectl port-forward exited ${code}: ${out}`)))
  })
}

/** Creates the cluster an e2e file shares (kubeconfig in its own file, current context untouched) with `image` loaded into its nodes. */
export async function createSharedCluster(name: string, kubeconfig: string, image: string): Promise<void> {
  const built = await run('scripts/build-busybox-image.sh', [image])
  if (built.code !== 0) throw new Error(`building ${image} failed:\n${built.stderr}`)
  const res = await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 580_000})
  if (res.code !== 0) throw new Error(`cluster create failed:\n${res.stdout}\n${res.stderr}`)
  const loaded = await skiff(['image', 'load', image, '--name', name])
  if (loaded.code !== 0) throw new Error(`image load failed:\n${loaded.stderr}`)
}

/**
 * Registers the before/after hooks of an e2e file's shared cluster (createSharedCluster, then a hard delete and the
 * temp directory removed even when a test failed) and returns its kubectl, usable from the tests.
 */
export function useSharedCluster(name: string, image: string): {k: ReturnType<typeof kubectlFor>; cluster: {readonly kubeconfig: string; readonly dir: string}} {
  let dir = ''
  let kubectl: ReturnType<typeof kubectlFor> | undefined
  const use = () => {
    if (!kubectl) throw new Error('the shared cluster is not created yet')
    return kubectl
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `skiff-${name}-`))
    kubectl = kubectlFor(join(dir, 'config'), join(dir, 'cache'))
    await createSharedCluster(name, join(dir, 'config'), image)
  })
  after(async () => {
    if (!dir) return
    await deleteClusterHard(name, join(dir, 'config'))
    await rm(dir, {recursive: true, force: true})
  })
  return {
    k: {run: (...a) => use().run(...a), spawn: (...a) => use().spawn(...a), json: (...a) => use().json(...a)},
    cluster: {get kubeconfig() { return join(dir, 'config') }, get dir() { return dir }},
  }
}

