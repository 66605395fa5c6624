// Node capacity from the container's own cgroup limits (v1 or v2), so a node limited to 2 CPUs / 4 GiB reports exactly that.
import {readFileSync, statfsSync} from 'node:fs'
import * as os from 'node:os'

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']

/**
 * Formats a byte count the way a Kubernetes BinarySI Quantity serializes: the largest power-of-1024 suffix that
 * keeps the number whole (25769803776 -> "24Gi", 16786681856 -> "16393244Ki"), plain digits otherwise.
 */
export function formatBytes(bytes: number): string {
  let n = Math.floor(bytes)
  if (n < 1024) return String(n)
  let exp = 0
  while (exp < BINARY_SUFFIXES.length - 1 && n % 1024 === 0) {
    n /= 1024
    exp++
  }
  // A count not divisible by 1024 stays in bytes, which is also what Kubernetes prints.
  return `${n}${BINARY_SUFFIXES[exp]}`
}

/** Formats CPU cores as a Quantity: whole cores as "2", fractions as millicores ("1500m"). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000)
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`
}

/** One line of /proc/self/cgroup: hierarchy id, controllers, path. */
export interface CgroupLine {
  controllers: string[]
  path: string
}

/** Parses /proc/self/cgroup (`0::/path` on v2; `4:memory:/docker/abc` or `3:cpu,cpuacct:/x` on v1). */
export function parseProcCgroup(text: string): CgroupLine[] {
  const out: CgroupLine[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim())
    if (m) out.push({controllers: m[1] ? m[1].split(',') : [], path: m[2] || '/'})
  }
  return out
}

/** Cores allowed by cgroup v2 `cpu.max` ("max 100000" or "150000 100000"); undefined when unlimited. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/)
  if (!quota || quota === 'max') return undefined
  return cpuFromCfs(Number(quota), Number(period ?? 100000))
}

/** Cores allowed by a CFS quota and period (cgroup v1); undefined when the quota is -1 or nonsense. */
export function cpuFromCfs(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined
  return quota / period
}

/**
 * Bytes allowed by a memory limit file (v2 `memory.max` "max" or bytes; v1 `memory.limit_in_bytes`, where "no limit"
 * is a huge number); undefined when unlimited or above the machine's RAM.
 */
export function parseMemoryLimit(text: string, totalRam: number): number | undefined {
  const t = text.trim()
  if (!t || t === 'max') return undefined
  const n = Number(t)
  if (!Number.isFinite(n) || n <= 0 || n >= totalRam) return undefined
  return n
}

/** Reads files; a seam so the cgroup logic is testable against a fake tree. */
export type ReadFile = (path: string) => string | undefined

const readOrUndefined: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** The container's CPU and memory limits found in its cgroups; missing fields mean "no limit found". */
export interface CgroupLimits {
  cpu?: number
  memory?: number
}

/**
 * Finds CPU and memory limits. The node entrypoint remounts the host's whole cgroup tree, so the limits of this
 * container live under the path in /proc/self/cgroup; without the remount that path is `/` and the root files apply.
 * Each candidate is tried in that order.
 */
export function readCgroupLimits(read: ReadFile = readOrUndefined, totalRam = os.totalmem(), root = '/sys/fs/cgroup'): CgroupLimits {
  const lines = parseProcCgroup(read('/proc/self/cgroup') ?? '')
  const join = (...parts: string[]) => parts.join('/').replace(/\/+/g, '/')
  const pathOf = (controller: string) => lines.find((l) => l.controllers.includes(controller))?.path
  const candidates = (dir: string, path: string | undefined) => [...(path && path !== '/' ? [join(dir, path)] : []), dir]
  const limits: CgroupLimits = {}

  const v2 = lines.find((l) => l.controllers.length === 0)
  const isV2 = read(join(root, 'cgroup.controllers')) !== undefined
  if (isV2) {
    for (const dir of candidates(root, v2?.path)) {
      const cpu = read(join(dir, 'cpu.max'))
      if (limits.cpu === undefined && cpu !== undefined) limits.cpu = parseCpuMax(cpu)
      const mem = read(join(dir, 'memory.max'))
      if (limits.memory === undefined && mem !== undefined) limits.memory = parseMemoryLimit(mem, totalRam)
    }
    return limits
  }

  const cpuPath = pathOf('cpu')
  for (const base of [join(root, 'cpu,cpuacct'), join(root, 'cpu')]) {
    for (const dir of candidates(base, cpuPath)) {
      if (limits.cpu !== undefined) break
      const quota = read(join(dir, 'cpu.cfs_quota_us'))
      const period = read(join(dir, 'cpu.cfs_period_us'))
      if (quota !== undefined && period !== undefined) limits.cpu = cpuFromCfs(Number(quota.trim()), Number(period.trim()))
    }
  }
  for (const dir of candidates(join(root, 'memory'), pathOf('memory'))) {
    if (limits.memory !== undefined) break
    const mem = read(join(dir, 'memory.limit_in_bytes'))
    if (mem !== undefined) limits.memory = parseMemoryLimit(mem, totalRam)
  }
  return limits
}

/** Capacity values of a Node, as Quantity strings. */
export type ResourceList = Record<string, string>

/** Computes the Node's capacity: limits from cgroups when present, else the machine's CPUs and RAM. */
export function computeCapacity(opts: {limits: CgroupLimits; hostCpus: number; hostMemory: number; ephemeralStorage?: number; maxPods?: number}): ResourceList {
  const cpu = Math.min(opts.limits.cpu ?? opts.hostCpus, opts.hostCpus)
  const memory = Math.min(opts.limits.memory ?? opts.hostMemory, opts.hostMemory)
  const capacity: ResourceList = {
    cpu: formatCpu(cpu),
    memory: formatBytes(memory),
    pods: String(opts.maxPods ?? 110),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  }
  if (opts.ephemeralStorage !== undefined) capacity['ephemeral-storage'] = formatBytes(opts.ephemeralStorage)
  return capacity
}

/** Size in bytes of the filesystem holding path (where pods' writable layers live), or undefined. */
export function filesystemSize(path: string): number | undefined {
  try {
    const s = statfsSync(path)
    return s.blocks * s.bsize
  } catch {
    return undefined
  }
}

/** Reads this machine's capacity (cgroup limits, CPUs, RAM, disk at storagePath). */
export function readCapacity(storagePath = '/var/lib/containerd'): ResourceList {
  return computeCapacity({
    limits: readCgroupLimits(),
    hostCpus: os.cpus().length || 1,
    hostMemory: os.totalmem(),
    ephemeralStorage: filesystemSize(storagePath) ?? filesystemSize('/'),
  })
}
