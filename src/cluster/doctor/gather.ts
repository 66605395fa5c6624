// Reads what `skiff doctor` checks: the engine's info, and this machine's cgroups, sysctls, free disk and routes (files only, no traffic).
import {readFile, statfs} from 'node:fs/promises'
import type {NodeProvider, Provider} from '../provider.js'
import {type DoctorInputs, parseRoutes} from './checks.js'

const readNumber = async (path: string) => {
  const n = Number((await readFile(path, 'utf8').catch(() => '')).trim())
  return Number.isFinite(n) && n > 0 ? n : undefined
}

async function freeBytes(paths: string[]): Promise<{path: string; bytes: number} | undefined> {
  for (const path of paths) {
    try {
      const s = await statfs(path)
      return {path, bytes: s.bavail * s.bsize}
    } catch {
      // not readable here (a root-only Docker directory): try the next
    }
  }
  return undefined
}

/** Gathers the inputs; what cannot be read stays undefined (the check then warns). */
export async function gatherInputs(provider: Provider & Partial<Pick<NodeProvider, 'engineInfo'>>): Promise<DoctorInputs> {
  const inputs: DoctorInputs = {}
  try {
    await provider.ping()
    if (provider.engineInfo) inputs.engine = await provider.engineInfo()
  } catch (err) {
    inputs.engineError = (err as Error).message
  }
  const [fs, instances, watches, pidMax, threadsMax, routes] = await Promise.all([
    statfs('/sys/fs/cgroup').then((s) => (s.type === 0x63677270 ? 'cgroup2fs' : s.type === 0x01021994 ? 'tmpfs' : `0x${s.type.toString(16)}`), () => undefined),
    readNumber('/proc/sys/fs/inotify/max_user_instances'),
    readNumber('/proc/sys/fs/inotify/max_user_watches'),
    readNumber('/proc/sys/kernel/pid_max'),
    readNumber('/proc/sys/kernel/threads-max'),
    readFile('/proc/net/route', 'utf8').then(parseRoutes, () => undefined),
  ])
  Object.assign(inputs, {cgroupFs: fs, inotifyInstances: instances, inotifyWatches: watches, pidMax, threadsMax, routes})
  const disk = await freeBytes([...(inputs.engine?.rootDir ? [inputs.engine.rootDir] : []), '/var/lib/docker', '/'])
  if (disk) Object.assign(inputs, {freeDiskBytes: disk.bytes, freeDiskPath: disk.path})
  return inputs
}
