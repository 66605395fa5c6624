// Reads the eviction signals of this node: memory working set (node cgroup or /proc/meminfo), disk and inodes (statfs), PIDs.
import {promises as fs} from 'node:fs'
import * as os from 'node:os'
import {NodeFiles} from '../api/contract.js'
import {parseMemoryLimit, parseProcCgroup} from './capacity.js'
import type {Observation, Observations} from './eviction.js'

/** Where the pods' data lives (emptyDir, logs, local volumes): the kubelet's nodefs. */
export const NODEFS_PATH = '/var/lib/skiff'
/** containerd's root (images, writable layers): the kubelet's imagefs. */
export const IMAGEFS_PATH = '/var/lib/containerd'

/** Reads a file, undefined when it cannot be read; the seam tests fake a cgroup tree with. */
export type ReadText = (path: string) => Promise<string | undefined>
/** statfs of a path, undefined when it fails. */
export type StatFs = (path: string) => Promise<{bsize: number; blocks: number; bavail: number; files: number; ffree: number} | undefined>

const readText: ReadText = (path) => fs.readFile(path, 'utf8').catch(() => undefined)
const statFs: StatFs = (path) => fs.statfs(path).catch(() => undefined)

/** Sources of one sample; every field has the real machine's as default. */
export interface SignalSources {
  read?: ReadText
  statfs?: StatFs
  /** The node's memory capacity in bytes, as the agent reports it in the Node's capacity. */
  memoryCapacity: number
  totalRam?: number
  nodefs?: string
  imagefs?: string
  cgroupRoot?: string
}

/** Parses `key value` lines (memory.stat) or `Key: value kB` lines (/proc/meminfo) into numbers (bytes for kB). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):?\s+(\d+)(\s*kB)?/.exec(line.trim())
    if (m) out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1))
  }
  return out
}

/**
 * The node's own cgroup (relative to a controller's mount): the parent of the pods' cgroup the entrypoint recorded,
 * else this process's cgroup from /proc/self/cgroup.
 */
export async function nodeCgroupPath(read: ReadText, controller: string): Promise<string> {
  const parent = (await read(NodeFiles.cgroupParent))?.trim()
  if (parent) return parent.replace(/\/pods\/?$/, '') || '/'
  const lines = parseProcCgroup((await read('/proc/self/cgroup')) ?? '')
  const line = lines.find((l) => l.controllers.includes(controller)) ?? lines.find((l) => l.controllers.length === 0)
  return line?.path ?? '/'
}

const join = (...parts: string[]) => parts.join('/').replace(/\/+/g, '/')

/**
 * memory.available as the kubelet computes it: capacity minus the working set (usage minus inactive file pages, which
 * the kernel reclaims first). With a memory limit on the node's cgroup the working set is that cgroup's; without one the
 * node shares the machine, so the machine's (/proc/meminfo) counts.
 */
export async function memoryObservation(src: SignalSources): Promise<Observation | undefined> {
  const read = src.read ?? readText
  const root = src.cgroupRoot ?? '/sys/fs/cgroup'
  const totalRam = src.totalRam ?? os.totalmem()
  const v2 = (await read(join(root, 'cgroup.controllers'))) !== undefined
  const dir = v2 ? join(root, await nodeCgroupPath(read, '')) : join(root, 'memory', await nodeCgroupPath(read, 'memory'))
  const limit = parseMemoryLimit((await read(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'))) ?? '', totalRam)
  if (limit !== undefined) {
    const [usage, stat] = await Promise.all([read(join(dir, v2 ? 'memory.current' : 'memory.usage_in_bytes')), read(join(dir, 'memory.stat'))])
    if (usage !== undefined && stat !== undefined) {
      const inactive = parseKeyValues(stat).get(v2 ? 'inactive_file' : 'total_inactive_file') ?? 0
      const workingSet = Math.max(0, Number(usage.trim()) - inactive)
      return {available: src.memoryCapacity - workingSet, capacity: src.memoryCapacity}
    }
  }
  const meminfo = await read('/proc/meminfo')
  if (meminfo === undefined) return undefined
  const m = parseKeyValues(meminfo)
  const total = m.get('MemTotal')
  const free = m.get('MemFree')
  if (total === undefined || free === undefined) return undefined
  // The root cgroup's usage is everything not free; its inactive file pages are reclaimable.
  const workingSet = Math.max(0, total - free - (m.get('Inactive(file)') ?? 0))
  return {available: src.memoryCapacity - workingSet, capacity: src.memoryCapacity}
}

/**
 * pid.available: the node cgroup's pids.max minus pids.current when the node has a PID limit; else the kernel's
 * pid_max minus the threads running (the 4th field of /proc/loadavg, as sysinfo's procs).
 */
export async function pidObservation(src: Pick<SignalSources, 'read' | 'cgroupRoot'>): Promise<Observation | undefined> {
  const read = src.read ?? readText
  const root = src.cgroupRoot ?? '/sys/fs/cgroup'
  const v2 = (await read(join(root, 'cgroup.controllers'))) !== undefined
  const dir = v2 ? join(root, await nodeCgroupPath(read, '')) : join(root, 'pids', await nodeCgroupPath(read, 'pids'))
  const [max, current] = await Promise.all([read(join(dir, 'pids.max')), read(join(dir, 'pids.current'))])
  const limit = Number(max?.trim())
  if (max !== undefined && current !== undefined && Number.isFinite(limit) && limit > 0) {
    return {available: limit - Number(current.trim()), capacity: limit}
  }
  const [pidMax, loadavg] = await Promise.all([read('/proc/sys/kernel/pid_max'), read('/proc/loadavg')])
  const threads = Number(/\d+\/(\d+)/.exec(loadavg ?? '')?.[1])
  const cap = Number(pidMax?.trim())
  if (!Number.isFinite(cap) || cap <= 0 || !Number.isFinite(threads)) return undefined
  return {available: cap - threads, capacity: cap}
}

/** Bytes and inodes left on the filesystem holding path; undefined when it cannot be stat'ed. */
export async function fsObservations(statfs: StatFs, path: string): Promise<{bytes: Observation; inodes?: Observation} | undefined> {
  const s = await statfs(path)
  if (!s) return undefined
  const bytes = {available: s.bavail * s.bsize, capacity: s.blocks * s.bsize}
  // Some filesystems (overlay on some hosts, tmpfs without nr_inodes) report no inode counts: no signal then.
  return s.files > 0 ? {bytes, inodes: {available: s.ffree, capacity: s.files}} : {bytes}
}

/** Takes one sample of every signal (two statfs calls and a handful of small reads). */
export async function sampleSignals(src: SignalSources): Promise<Observations> {
  const statfs = src.statfs ?? statFs
  const [memory, pid, nodefs, imagefs] = await Promise.all([
    // No known capacity (0): nothing to measure the working set against.
    src.memoryCapacity > 0 ? memoryObservation(src) : undefined,
    pidObservation(src),
    fsObservations(statfs, src.nodefs ?? NODEFS_PATH),
    fsObservations(statfs, src.imagefs ?? IMAGEFS_PATH),
  ])
  const out: Observations = {}
  if (memory) out['memory.available'] = memory
  if (pid) out['pid.available'] = pid
  if (nodefs) {
    out['nodefs.available'] = nodefs.bytes
    if (nodefs.inodes) out['nodefs.inodesFree'] = nodefs.inodes
  }
  if (imagefs) {
    out['imagefs.available'] = imagefs.bytes
    if (imagefs.inodes) out['imagefs.inodesFree'] = imagefs.inodes
  }
  return out
}
