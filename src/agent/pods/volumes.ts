// Pod volumes on the node's filesystem: emptyDir, hostPath, and configMap/secret/downwardAPI/projected (incl. service-account token) files written atomically (a ..data symlink swap, as the kubelet does) so updates land in place.
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import type {DownwardAPIVolumeFile, KeyToPath, Pod, Volume, VolumeProjection} from '../../api/types/workloads.js'
import {resolveClaim} from './claim-volumes.js'
import {ConfigError, type ObjectLookup, type PodRuntimeFacts, podFieldValue, resourceFieldValue} from './env.js'
import {podFsUser} from './security-context.js'
import {OwnershipMemo, ownedFileMode, setVolumeOwnership} from './volume-ownership.js'

/** A configMap or secret source: which keys to project (all when none), and whether the object may be missing. */
interface KeySource {
  name?: string
  items?: KeyToPath[]
  optional?: boolean
}

/** The pod volumes whose ownership this agent process has set. */
const ownership = new OwnershipMemo()

/** Where pod directories live inside the node container (the inner dockerd resolves binds in the same mount namespace). */
export const DEFAULT_PODS_ROOT = '/var/lib/skiff/pods'

/** A file of a projected volume: relative path, bytes, mode, and the uid to own it when not the agent's. */
export interface ProjectedFile {
  path: string
  data: Buffer
  mode: number
  owner?: number
}

/** Directory of one volume of a pod. */
export function volumeDir(root: string, podUID: string, volume: string): string {
  return path.join(root, podUID, 'volumes', volume)
}

function decodeSecret(data: Record<string, string> | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'utf8')
  return out
}

function keyFiles(kind: 'ConfigMap' | 'Secret', src: KeySource, data: Record<string, Buffer>, defaultMode: number): ProjectedFile[] {
  if (!src.items || src.items.length === 0) return Object.keys(data).map((k) => ({path: k, data: data[k], mode: defaultMode}))
  const out: ProjectedFile[] = []
  for (const item of src.items) {
    if (!(item.key in data)) {
      if (src.optional) continue
      throw new ConfigError(kind === 'Secret' ? `references non-existent secret key: ${item.key}` : `configmap references non-existent config key: ${item.key}`)
    }
    out.push({path: item.path, data: data[item.key], mode: item.mode ?? defaultMode})
  }
  return out
}

/** Where projected serviceAccountToken sources get their tokens (PodTokens; see tokens.ts). */
export interface TokenProvider {
  token(pod: Pod, volume: string, src: NonNullable<VolumeProjection['serviceAccountToken']>): Promise<string>
  /** When the pod's earliest token is due for renewal (epoch ms). */
  nextRefresh?(podUID: string): number | undefined
  /** Drops a removed pod's tokens. */
  forget?(podUID: string): void
}

/** Key of a projected volume's source in the token map projectVolume reads. */
function tokenKey(volume: string, index: number): string {
  return `${volume}/${index}`
}

/** Fetches the tokens of the volume's serviceAccountToken sources (ConfigError when the API refuses, as a FailedMount). */
async function volumeTokens(pod: Pod, volume: Volume, provider: TokenProvider | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const sources = volume.projected?.sources ?? []
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i].serviceAccountToken
    if (!src || !provider) continue
    try {
      out.set(tokenKey(volume.name, i), await provider.token(pod, volume.name, src))
    } catch (err) {
      throw new ConfigError(`failed to fetch token: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return out
}

/**
 * The files a configMap/secret/downwardAPI/projected volume holds; undefined for other volume types. Throws ConfigError
 * for missing objects. Token sources take their token from `tokens` (fetched beforehand; left out when absent).
 */
export function projectVolume(pod: Pod, volume: Volume, lookup: ObjectLookup, facts: PodRuntimeFacts, tokens: Map<string, string> = new Map()): ProjectedFile[] | undefined {
  const ns = pod.metadata?.namespace ?? 'default'
  const cmFiles = (src: KeySource, defaultMode: number): ProjectedFile[] => {
    const cm = lookup.configMap(ns, src.name ?? '')
    if (!cm) {
      if (src.optional) return []
      throw new ConfigError(`configmap "${src.name}" not found`)
    }
    return keyFiles('ConfigMap', src, Object.fromEntries(Object.entries(cm).map(([k, v]) => [k, Buffer.from(v, 'utf8')])), defaultMode)
  }
  const secretFiles = (src: KeySource, name: string, defaultMode: number): ProjectedFile[] => {
    const s = lookup.secret(ns, name)
    if (!s) {
      if (src.optional) return []
      throw new ConfigError(`secret "${name}" not found`)
    }
    return keyFiles('Secret', src, decodeSecret(s), defaultMode)
  }
  const downwardFiles = (src: {items?: DownwardAPIVolumeFile[]}, defaultMode: number): ProjectedFile[] =>
    (src.items ?? []).map((item) => {
      let text = ''
      const ref = item.resourceFieldRef
      if (item.fieldRef) text = podFieldValue(pod, item.fieldRef.fieldPath, facts)
      else if (ref) {
        const c = (pod.spec?.containers ?? []).find((x) => x.name === ref.containerName)
        text = resourceFieldValue(c, ref, facts)
      }
      return {path: item.path, data: Buffer.from(text, 'utf8'), mode: item.mode ?? defaultMode}
    })
  if (volume.configMap) return cmFiles(volume.configMap, volume.configMap.defaultMode ?? 0o644)
  if (volume.secret) return secretFiles(volume.secret, volume.secret.secretName ?? '', volume.secret.defaultMode ?? 0o644)
  if (volume.downwardAPI) return downwardFiles(volume.downwardAPI, volume.downwardAPI.defaultMode ?? 0o644)
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644
    const out: ProjectedFile[] = []
    const sources = volume.projected.sources ?? []
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]
      const token = tokens.get(tokenKey(volume.name, i))
      if (s.configMap) out.push(...cmFiles(s.configMap, mode))
      else if (s.secret) out.push(...secretFiles(s.secret, s.secret.name ?? '', mode))
      else if (s.downwardAPI) out.push(...downwardFiles(s.downwardAPI, mode))
      else if (s.serviceAccountToken && token !== undefined) out.push(tokenFile(pod, s.serviceAccountToken.path, token, mode))
      // clusterTrustBundle sources need an API skiff does not serve yet: left out.
    }
    return out
  }
  return undefined
}

/**
 * A projected token file. When the pod has an fsGroup or one uid for all its containers, the token is private (0600)
 * and given to that uid, the fsGroup's read bit added later: a token is a credential, unlike a configMap file.
 */
function tokenFile(pod: Pod, file: string, token: string, defaultMode: number): ProjectedFile {
  const fsUser = podFsUser(pod)
  const fsGroup = pod.spec?.securityContext?.fsGroup
  const privateMode = fsUser !== undefined || fsGroup !== undefined
  return {path: file, data: Buffer.from(token, 'utf8'), mode: privateMode ? 0o600 : defaultMode, owner: fsUser}
}

/** `..2024_01_02_03_04_05.123456789`-style name of a payload directory (timestamp plus a random suffix). */
function payloadDirName(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const stamp = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`
  return `..${stamp}.${Math.floor(Math.random() * 1e9)}`
}

async function readCurrent(dir: string, files: ProjectedFile[]): Promise<boolean> {
  // True when the payload behind ..data has exactly these files with these contents and modes.
  const data = path.join(dir, '..data')
  try {
    for (const f of files) {
      const full = path.join(data, f.path)
      const [buf, st] = await Promise.all([fs.readFile(full), fs.stat(full)])
      if (!buf.equals(f.data) || (st.mode & 0o777) !== (f.mode & 0o777)) return false
    }
    const listed = await listFiles(data)
    return listed.length === files.length
  } catch {
    return false
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await fs.readdir(dir, {withFileTypes: true})) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)))
    else out.push(rel)
  }
  return out
}

/**
 * Writes files into dir atomically: a new payload directory, then `..data` is swapped to it with one rename, so a
 * reader in a container sees either the old or the new set, never a mix. Top-level names are symlinks through
 * `..data`. Returns false when the content was already current (nothing written).
 */
export async function writeAtomic(dir: string, files: ProjectedFile[], now = new Date()): Promise<boolean> {
  for (const f of files) {
    if (path.isAbsolute(f.path) || f.path.split('/').some((s) => s === '..' || s.startsWith('..'))) throw new ConfigError(`invalid path ${f.path}`)
  }
  await fs.mkdir(dir, {recursive: true})
  if (await readCurrent(dir, files)) return false
  const payload = payloadDirName(now)
  const payloadPath = path.join(dir, payload)
  await fs.mkdir(payloadPath, {mode: 0o755})
  for (const f of files) {
    const full = path.join(payloadPath, f.path)
    await fs.mkdir(path.dirname(full), {recursive: true})
    await fs.writeFile(full, f.data, {mode: f.mode & 0o777})
    await fs.chmod(full, f.mode & 0o777)
    if (f.owner !== undefined) await fs.chown(full, f.owner, -1)
  }
  let oldPayload: string | undefined
  try {
    oldPayload = await fs.readlink(path.join(dir, '..data'))
  } catch {
    oldPayload = undefined
  }
  const tmpLink = path.join(dir, '..data_tmp')
  await fs.rm(tmpLink, {force: true})
  await fs.symlink(payload, tmpLink)
  await fs.rename(tmpLink, path.join(dir, '..data'))
  const wanted = new Set(files.map((f) => f.path.split('/')[0]))
  for (const name of wanted) {
    const link = path.join(dir, name)
    try {
      await fs.readlink(link)
    } catch {
      await fs.symlink(path.join('..data', name), link)
    }
  }
  for (const e of await fs.readdir(dir)) {
    if (e.startsWith('..')) continue
    if (!wanted.has(e)) await fs.rm(path.join(dir, e), {force: true, recursive: true})
  }
  if (oldPayload && oldPayload !== payload && oldPayload.startsWith('..')) await fs.rm(path.join(dir, oldPayload), {recursive: true, force: true})
  return true
}

/**
 * Prepares every volume of pod under root and returns volume name → host path. Idempotent; projected volumes are
 * rewritten only when changed. Claims resolve to their bound volume's directory (which outlives the pod).
 */
export async function prepareVolumes(pod: Pod, root: string, lookup: ObjectLookup, facts: PodRuntimeFacts, tokens?: TokenProvider): Promise<Map<string, string>> {
  const uid = pod.metadata.uid ?? ''
  const out = new Map<string, string>()
  const psc = pod.spec?.securityContext ?? {}
  const fsGroup = psc.fsGroup
  // Ownership is set once per volume of a pod (the kubelet does it when it mounts), again when the agent restarts.
  const own = async (v: Volume, dir: string, opts: {readOnly?: boolean; policy?: string; force?: boolean}) => {
    if (fsGroup === undefined || (ownership.has(uid, v.name) && !opts.force)) return
    await setVolumeOwnership(dir, fsGroup, opts)
    ownership.add(uid, v.name)
  }
  for (const v of pod.spec?.volumes ?? []) {
    const dir = volumeDir(root, uid, v.name)
    if (v.hostPath) {
      out.set(v.name, await prepareHostPath(v.hostPath))
      continue
    }
    if (v.persistentVolumeClaim || v.ephemeral) {
      if (!lookup.claim || !lookup.volume) throw new ConfigError(`volume "${v.name}": persistentVolumeClaim volumes are not supported by this agent`)
      // A generic ephemeral volume is the claim its controller made for this pod: <pod>-<volume>.
      const claimName = v.persistentVolumeClaim?.claimName ?? `${pod.metadata.name}-${v.name}`
      const owner = v.ephemeral ? {name: String(pod.metadata.name), uid} : undefined
      const mount = resolveClaim({claim: lookup.claim, volume: lookup.volume}, pod.metadata.namespace ?? 'default', claimName, owner)
      out.set(v.name, await prepareHostPath({path: mount.path, type: mount.hostPathType}))
      if (mount.local) await own(v, mount.path, {readOnly: v.persistentVolumeClaim?.readOnly === true, policy: psc.fsGroupChangePolicy})
      continue
    }
    const files = projectVolume(pod, v, lookup, facts, v.projected ? await volumeTokens(pod, v, tokens) : undefined)
    if (files) {
      // The files get the modes ownership will leave them with, so an unchanged payload is seen as current.
      const written = await writeAtomic(dir, files.map((f) => ({...f, mode: ownedFileMode(f.mode, fsGroup)})))
      // These volumes are read-only to containers and never follow fsGroupChangePolicy; a new payload is walked again.
      await own(v, dir, {readOnly: true, force: written})
    } else if (v.emptyDir) {
      await fs.mkdir(dir, {recursive: true, mode: 0o777})
      // Pods commonly run as non-root and expect a writable emptyDir, as the kubelet makes it (0777); the permission
      // bits only, so the setgid bit fsGroup adds stays.
      const st = await fs.stat(dir)
      if ((st.mode & 0o777) !== 0o777) await fs.chmod(dir, 0o777)
      await own(v, dir, {policy: psc.fsGroupChangePolicy})
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown'
      throw new ConfigError(`volume "${v.name}": ${kind} volumes are not supported by this agent`)
    }
    out.set(v.name, dir)
  }
  return out
}

async function prepareHostPath(hp: NonNullable<Volume['hostPath']>): Promise<string> {
  const p = hp.path
  const type = hp.type ?? ''
  const st = await fs.stat(p).catch(() => undefined)
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) await fs.mkdir(p, {recursive: true, mode: 0o755})
      else if (!st.isDirectory()) throw new ConfigError(`hostPath type check failed: ${p} is not a directory`)
      break
    case 'FileOrCreate':
      if (!st) {
        await fs.mkdir(path.dirname(p), {recursive: true})
        await fs.writeFile(p, '', {mode: 0o644})
      } else if (!st.isFile()) throw new ConfigError(`hostPath type check failed: ${p} is not a file`)
      break
    case 'Directory':
      if (!st?.isDirectory()) throw new ConfigError(`hostPath type check failed: ${p} is not a directory`)
      break
    case 'File':
      if (!st?.isFile()) throw new ConfigError(`hostPath type check failed: ${p} is not a file`)
      break
    case 'Socket':
      if (!st?.isSocket()) throw new ConfigError(`hostPath type check failed: ${p} is not a socket file`)
      break
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new ConfigError(`hostPath type check failed: ${p} is not a character device`)
      break
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new ConfigError(`hostPath type check failed: ${p} is not a block device`)
      break
    default:
      // Unset type: no checks; docker creates a missing directory for the bind.
      break
  }
  return p
}

/** Removes a pod's directory (volumes included); hostPath volumes are never touched. */
export async function removePodDir(root: string, podUID: string): Promise<void> {
  ownership.forget(podUID)
  const dir = path.join(root, podUID)
  if (existsSync(dir)) await fs.rm(dir, {recursive: true, force: true})
}
