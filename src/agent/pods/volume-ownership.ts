// fsGroup volume ownership: a volume's files given to the pod's fsGroup, group-readable (and writable unless read-only), directories setgid, as the kubelet's SetVolumeOwnership.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'

/** Group bits every file gets: read and write, or read only for a read-only volume. */
const RW_MASK = 0o660
const RO_MASK = 0o440
/** Directories also get group search, and setgid so files created later belong to the group too. */
const EXEC_MASK = 0o110
const SETGID = 0o2000

/** How ownership is changed: every time (Always, the default) or only when the volume's root does not match yet. */
export type ChangePolicy = 'Always' | 'OnRootMismatch' | string | undefined

/** True when the root directory already has the group, the mode bits and setgid (OnRootMismatch then skips the walk). */
export async function rootMatches(dir: string, fsGroup: number, readOnly: boolean): Promise<boolean> {
  const st = await fs.stat(dir).catch(() => undefined)
  if (!st?.isDirectory() || st.gid !== fsGroup) return false
  const want = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK
  return (st.mode & want) === want && (st.mode & SETGID) !== 0
}

/** One entry's change: group fsGroup (owner kept), the mask added to its mode. Symlinks are left alone: a chmod would reach their target. */
async function changeOne(file: string, st: import('node:fs').Stats, fsGroup: number, readOnly: boolean): Promise<void> {
  if (st.isSymbolicLink()) return
  let mask = readOnly ? RO_MASK : RW_MASK
  if (st.isDirectory()) mask |= EXEC_MASK | SETGID
  // As the kubelet, a failing entry is skipped rather than failing the volume (a file may vanish under a running pod).
  await fs.chown(file, st.uid, fsGroup).catch(() => {})
  await fs.chmod(file, (st.mode & 0o7777) | mask).catch(() => {})
}

/** Walks depth-first, children before their directory, so a directory's new mode never blocks the walk below it. */
async function walk(file: string, visit: (file: string, st: import('node:fs').Stats) => Promise<void>): Promise<void> {
  const st = await fs.lstat(file).catch(() => undefined)
  if (!st) return
  if (st.isDirectory()) {
    for (const name of await fs.readdir(file).catch(() => [] as string[])) await walk(path.join(file, name), visit)
  }
  await visit(file, st)
}

/**
 * Gives a volume to fsGroup. Does nothing without an fsGroup, or when the policy is OnRootMismatch and the root
 * already matches. Returns true when it walked the volume.
 */
export async function setVolumeOwnership(dir: string, fsGroup: number | undefined, opts: {readOnly?: boolean; policy?: ChangePolicy} = {}): Promise<boolean> {
  if (fsGroup === undefined) return false
  const readOnly = opts.readOnly === true
  if (opts.policy === 'OnRootMismatch' && (await rootMatches(dir, fsGroup, readOnly))) return false
  await walk(dir, (file, st) => changeOne(file, st, fsGroup, readOnly))
  return true
}

/** Mode of a file in a read-only volume once ownership is set: what the file will end up with, so a rewrite check compares like with like. */
export function ownedFileMode(mode: number, fsGroup: number | undefined): number {
  return fsGroup === undefined ? mode : mode | RO_MASK
}

/**
 * The volumes of each pod whose ownership was already set since the agent started (the kubelet sets it at mount time,
 * once per mount, not on every sync). Keys are `<pod uid>/<volume>`.
 */
export class OwnershipMemo {
  private readonly done = new Set<string>()

  has(podUID: string, volume: string): boolean {
    return this.done.has(`${podUID}/${volume}`)
  }

  add(podUID: string, volume: string): void {
    this.done.add(`${podUID}/${volume}`)
  }

  forget(podUID: string): void {
    for (const k of this.done) if (k.startsWith(`${podUID}/`)) this.done.delete(k)
  }
}
