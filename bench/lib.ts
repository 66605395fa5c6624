// Shared helpers of the benchmarks: arguments, percentiles, the CLI and kubectl, and running a script inside a pod's network namespace.
import {execFile} from 'node:child_process'
import * as net from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'

export const exec = promisify(execFile)
export const repo = join(import.meta.dirname, '..')

/** The value after `--name` on the command line, or the default. */
export function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : def
}

/** The p-th percentile (nearest rank). */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const median = (xs: number[]) => pct(xs, 50)
export const round = (x: number, digits = 1) => Number(x.toFixed(digits))

/** Runs the skiff CLI of this checkout. */
export const skiff = (args: string[]) => exec(join(repo, 'bin/run.js'), args, {cwd: repo, maxBuffer: 64 << 20, timeout: 600_000})

/** Runs kubectl against one kubeconfig; resolves stdout. */
export function kubectl(kubeconfig: string) {
  const run = async (args: string[], input?: string): Promise<string> => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], {maxBuffer: 64 << 20, timeout: 300_000})
    const out = new Promise<string>((resolve, reject) => {
      let stdout = ''
      let stderr = ''
      child.stdout?.on('data', (d) => (stdout += d))
      child.stderr?.on('data', (d) => (stderr += d))
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim()}`))))
    })
    child.stdin?.end(input ?? '')
    return out
  }
  return {run, json: async (args: string[]) => JSON.parse(await run([...args, '-o', 'json']))}
}

/** The PID (in the node) of a pod's first container, to enter its network namespace. */
export async function podPid(node: string, containerID: string): Promise<number> {
  const id = containerID.replace(/^containerd:\/\//, '')
  const {stdout} = await exec('docker', ['exec', node, 'ctr', '-n', 'k8s.io', 'task', 'ls'])
  const line = stdout.split('\n').find((l) => l.startsWith(id))
  if (!line) throw new Error(`no task ${id} on ${node}`)
  return Number(line.split(/\s+/)[1])
}

/**
 * Runs a Node.js script in a pod's network namespace (the node's own Node.js binary, entered with nsenter): the
 * pod's network path exactly (its veth, the node's NAT and routes), without needing Node.js in the pod's image.
 * The script prints one JSON line, which is returned parsed.
 */
export async function inPodNetwork<T>(node: string, pid: number, script: string, timeoutMs = 120_000): Promise<T> {
  const {stdout} = await exec('docker', ['exec', node, 'nsenter', '-t', String(pid), '-n', '/usr/local/bin/node', '-e', script], {maxBuffer: 64 << 20, timeout: timeoutMs})
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T
}

/** The Node.js source of a closed-loop HTTP/1.0 load generator: `conc` clients for `ms`, one request per connection. */
export function httpLoadScript(host: string, port: number, ms: number, conc: number): string {
  return `
const net = require('net'); let done = 0, errors = 0; const end = Date.now() + ${ms}; const lat = [];
function one() {
  if (Date.now() >= end) return Promise.resolve();
  const t = process.hrtime.bigint();
  return new Promise((res) => {
    const s = net.connect(${port}, ${JSON.stringify(host)}, () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
    let got = 0; s.on('data', (d) => (got += d.length));
    s.on('close', () => { if (got > 0) { done++; lat.push(Number(process.hrtime.bigint() - t) / 1e6) } else errors++; res() });
    s.on('error', () => {});
  }).then(one);
}
Promise.all(Array.from({length: ${conc}}, one)).then(() => {
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({rps: done / (${ms} / 1000), errors, p50: lat[Math.floor(lat.length / 2)] ?? 0, p99: lat[Math.floor(lat.length * 0.99)] ?? 0}));
});`
}

/** A TCP port nothing on 127.0.0.1 listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = (srv.address() as net.AddressInfo)
      srv.close(() => resolve(port))
    })
  })
}
