// `skiff doctor`'s checks as pure functions of what was read from the engine and the host (tests feed them fake inputs).
import {rangesOverlap} from '../../api/net/cidr.js'
import {ClusterDefaults} from '../../api/contract.js'
import type {EngineInfo} from '../provider.js'

/** The range cluster networks are picked from (src/cluster/plan.ts pickSubnet). */
export const CLUSTER_NETWORK_POOL = '172.30.0.0/15'

/** One result row. */
export interface CheckResult {
  name: string
  status: 'ok' | 'warn' | 'fail'
  detail: string
  /** How to fix it (warn and fail only). */
  fix?: string
}

/** A route of the host's main table. */
export interface Route {
  iface: string
  cidr: string
}

/** Everything the checks read. Undefined fields could not be read. */
export interface DoctorInputs {
  engine?: EngineInfo
  engineError?: string
  /** Filesystem type of /sys/fs/cgroup: cgroup2fs on a cgroup v2 host. */
  cgroupFs?: string
  inotifyInstances?: number
  inotifyWatches?: number
  pidMax?: number
  threadsMax?: number
  /** Free bytes where the engine keeps its data. */
  freeDiskBytes?: number
  freeDiskPath?: string
  routes?: Route[]
}

const GiB = 1024 ** 3
const sysctlFix = (key: string, value: number) => `sudo sysctl -w ${key}=${value}; to keep it: echo '${key} = ${value}' | sudo tee -a /etc/sysctl.d/99-skiff.conf`

/** Parses /proc/net/route (little-endian hex addresses and masks) into CIDRs. */
export function parseRoutes(text: string): Route[] {
  const out: Route[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8) continue
    const ip = (hex: string) => {
      const n = Number.parseInt(hex, 16)
      return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]
    }
    const dest = ip(f[1]).join('.')
    const prefix = ip(f[7]).reduce((bits, octet) => bits + octet.toString(2).replace(/0/g, '').length, 0)
    out.push({iface: f[0], cidr: `${dest}/${prefix}`})
  }
  return out
}

function engineCheck(i: DoctorInputs): CheckResult {
  if (!i.engine) return {name: 'Docker engine', status: 'fail', detail: i.engineError ?? 'not reachable', fix: 'Start Docker (`sudo systemctl start docker`) or set DOCKER_HOST; scripts/install-docker.sh installs it.'}
  const [major, minor] = i.engine.version.split('.').map(Number)
  if (major < 20 || (major === 20 && minor < 10)) return {name: 'Docker engine', status: 'warn', detail: `version ${i.engine.version} (API ${i.engine.apiVersion}) is older than 20.10`, fix: 'Upgrade Docker to 20.10 or later (cgroup v2 and static network addresses need it).'}
  return {name: 'Docker engine', status: 'ok', detail: `version ${i.engine.version} (API ${i.engine.apiVersion})${i.engine.local ? '' : ', remote: the host checks below describe this machine, not the engine\'s'}`}
}

function cgroupCheck(i: DoctorInputs): CheckResult {
  const v = i.engine?.cgroupVersion ?? (i.cgroupFs === 'cgroup2fs' ? '2' : i.cgroupFs ? '1' : undefined)
  if (v === undefined) return {name: 'cgroups', status: 'warn', detail: 'cannot tell the cgroup version', fix: 'Check that /sys/fs/cgroup is mounted.'}
  if (v === '2') return {name: 'cgroups', status: 'ok', detail: `v2${i.engine?.cgroupDriver ? ` (${i.engine.cgroupDriver} driver)` : ''}`}
  return {name: 'cgroups', status: 'warn', detail: 'v1: nodes work and their limits hold, but v2 is what current kernels and Kubernetes expect', fix: 'Boot with systemd.unified_cgroup_hierarchy=1 (add it to GRUB_CMDLINE_LINUX, then update-grub and reboot).'}
}

function inotifyChecks(i: DoctorInputs): CheckResult[] {
  const out: CheckResult[] = []
  const one = (name: string, key: string, v: number | undefined, min: number, want: number, why: string) => {
    if (v === undefined) out.push({name, status: 'warn', detail: `cannot read ${key}`, fix: `Check /proc/sys/${key.replace(/\./g, '/')}.`})
    else if (v < min) out.push({name, status: 'fail', detail: `${key} = ${v}, below ${min}: ${why}`, fix: sysctlFix(key, want)})
    else if (v < want) out.push({name, status: 'warn', detail: `${key} = ${v}; ${want} is recommended for several nodes`, fix: sysctlFix(key, want)})
    else out.push({name, status: 'ok', detail: `${key} = ${v}`})
  }
  one('inotify instances', 'fs.inotify.max_user_instances', i.inotifyInstances, 128, 512, 'each node runs several watchers; nodes fail with "too many open files"')
  one('inotify watches', 'fs.inotify.max_user_watches', i.inotifyWatches, 8192, 524288, 'pods with file watchers fail')
  return out
}

function pidCheck(i: DoctorInputs): CheckResult {
  if (i.pidMax === undefined) return {name: 'pid limits', status: 'warn', detail: 'cannot read kernel.pid_max', fix: 'Check /proc/sys/kernel/pid_max.'}
  const limit = Math.min(i.pidMax, i.threadsMax ?? Infinity)
  const detail = `kernel.pid_max = ${i.pidMax}${i.threadsMax !== undefined ? `, kernel.threads-max = ${i.threadsMax}` : ''}`
  if (limit < 32768) return {name: 'pid limits', status: 'fail', detail: `${detail}: too few processes for a few nodes and their pods`, fix: sysctlFix(i.pidMax < 32768 ? 'kernel.pid_max' : 'kernel.threads-max', 4194304)}
  if (limit < 65536) return {name: 'pid limits', status: 'warn', detail, fix: sysctlFix('kernel.pid_max', 4194304)}
  return {name: 'pid limits', status: 'ok', detail}
}

function diskCheck(i: DoctorInputs): CheckResult {
  const where = i.freeDiskPath ?? 'the engine\'s data directory'
  if (i.freeDiskBytes === undefined) return {name: 'free disk', status: 'warn', detail: `cannot read the free space of ${where}`, fix: 'Check `docker system df` and `df -h`.'}
  const gib = (i.freeDiskBytes / GiB).toFixed(1)
  if (i.freeDiskBytes < 2 * GiB) return {name: 'free disk', status: 'fail', detail: `${gib} GiB free at ${where}: a node image and its pods' images need more`, fix: 'Free space: `docker system prune`, `skiff cluster delete --all`, or remove old skiff/node images.'}
  if (i.freeDiskBytes < 10 * GiB) return {name: 'free disk', status: 'warn', detail: `${gib} GiB free at ${where}`, fix: 'Keep 10 GiB free for node images and pod images: `docker system prune`.'}
  return {name: 'free disk', status: 'ok', detail: `${gib} GiB free at ${where}`}
}

/** Routes overlapping a range; for the cluster network pool, Docker's own bridges do not count (new networks avoid them). */
export function subnetChecks(i: DoctorInputs): CheckResult[] {
  if (!i.routes) return [{name: 'subnets', status: 'warn', detail: 'cannot read /proc/net/route', fix: 'Run doctor on the machine the engine runs on.'}]
  const real = i.routes.filter((r) => !r.cidr.endsWith('/0'))
  const dockerBridge = (r: Route) => r.iface === 'docker0' || r.iface.startsWith('br-')
  const ranges: [string, string, boolean, string][] = [
    ['pod subnet', ClusterDefaults.podCIDR, false, 'Set networking.podSubnet in the cluster config to a free /16 (e.g. 10.200.0.0/16).'],
    ['service subnet', ClusterDefaults.serviceCIDR, false, 'Set networking.serviceSubnet in the cluster config to a free /16 (e.g. 10.100.0.0/16).'],
    ['cluster networks', CLUSTER_NETWORK_POOL, true, 'Nodes get a /24 of 172.30.0.0/15 that no Docker network uses; remove the route or the VPN that claims it.'],
  ]
  return ranges.map(([name, cidr, skipBridges, fix]) => {
    const clashes = real.filter((r) => !(skipBridges && dockerBridge(r)) && rangesOverlap(r.cidr, cidr))
    // A skiff cluster's own routes: none on the host (pod and service ranges live inside the nodes).
    if (clashes.length === 0) return {name, status: 'ok', detail: `${cidr}: no host route overlaps`}
    const whole = clashes.some((r) => rangesOverlap(r.cidr, cidr) && Number(r.cidr.split('/')[1]) <= Number(cidr.split('/')[1]))
    return {
      name,
      status: skipBridges && !whole ? 'warn' : 'fail',
      detail: `${cidr} overlaps host route${clashes.length > 1 ? 's' : ''} ${clashes.map((r) => `${r.cidr} (${r.iface})`).join(', ')}: pods could not reach what those routes lead to`,
      fix,
    }
  })
}

/** Every check, in table order. */
export function runChecks(i: DoctorInputs): CheckResult[] {
  return [engineCheck(i), cgroupCheck(i), ...inotifyChecks(i), pidCheck(i), diskCheck(i), ...subnetChecks(i)]
}

/** The results as aligned table lines, a fix under each problem. */
export function doctorTable(results: CheckResult[], paint: {ok: (s: string) => string; warn: (s: string) => string; fail: (s: string) => string} = {ok: (s) => s, warn: (s) => s, fail: (s) => s}): string[] {
  const label = {ok: 'OK', warn: 'WARN', fail: 'FAIL'}
  const w = Math.max(5, ...results.map((r) => r.name.length))
  const lines = [`${'CHECK'.padEnd(w)}   STATUS   DETAIL`]
  for (const r of results) {
    lines.push(`${r.name.padEnd(w)}   ${paint[r.status](label[r.status].padEnd(6))}   ${r.detail}`)
    if (r.fix && r.status !== 'ok') lines.push(`${''.padEnd(w)}            fix: ${r.fix}`)
  }
  return lines
}
