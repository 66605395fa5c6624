// The node image: its content hash and name, and ensureNodeImage, which bundles, finds or builds a base, and builds it.
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type Dockerode from 'dockerode'
import * as tar from 'tar'
import {SkiffError} from '../errors.js'
import {Labels} from '../api/contract.js'

/** Repository of the node images skiff builds; the tag is `<version>-<content hash>`. */
export const NODE_IMAGE_REPO = 'skiff/node'
/** Preferred base; used when present locally or pullable. */
export const DEBIAN_BASE = 'debian:bookworm-slim'
/** Registry-free fallback base, made with debootstrap + docker import. */
export const DEBOOTSTRAP_BASE = process.env.SKIFF_DEBOOTSTRAP_IMAGE ?? 'skiff/debian-base:bookworm'
const DEBIAN_MIRROR = process.env.SKIFF_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'

/** Files of images/node that go into the build context (build/ is produced by scripts/bundle-node.mjs). */
const CONTEXT_FILES = ['Dockerfile', 'entrypoint', 'build']

/**
 * The repository (or installed package) root: the nearest ancestor of this module holding skiff's package.json.
 * Walking up works the same from src/cluster (tsx) and dist/cluster (compiled).
 */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = path.join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'skiff') return dir
      } catch {
        // Not ours or unreadable: keep walking up.
      }
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`cannot find skiff's package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

function packageVersion(root: string): string {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string
}

/** Image name for a version and content hash; Docker tags allow [A-Za-z0-9_.-], so `+build` metadata becomes `_`. */
export function nodeImageName(version: string, hash: string): string {
  return `${NODE_IMAGE_REPO}:${version.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}`
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await fs.readdir(path.join(dir, rel), {withFileTypes: true})
  } catch {
    return out
  }
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

/**
 * sha256 (12 hex) over the node image's build context and the package version. The ~100 MB Node.js runtime is
 * represented by its size plus build/node.version (written next to it by the bundle step) rather than read in
 * full: hashing it would add a noticeable pause to every `cluster create`.
 */
export async function nodeImageContextHash(root: string): Promise<string> {
  const dir = path.join(root, 'images', 'node')
  const files: string[] = []
  for (const f of CONTEXT_FILES) {
    const st = await fs.stat(path.join(dir, f)).catch(() => undefined)
    if (st?.isDirectory()) files.push(...(await listFiles(dir, f)))
    else if (st?.isFile()) files.push(f)
  }
  files.sort()
  const h = createHash('sha256')
  h.update(`version\0${packageVersion(root)}\0`)
  for (const f of files) {
    const full = path.join(dir, f)
    h.update(`${f}\0`)
    if (f === 'build/node') h.update(`size:${(await fs.stat(full)).size}`)
    else h.update(await fs.readFile(full))
    h.update('\0')
  }
  return h.digest('hex').slice(0, 12)
}

/** The node image name for the current build context, e.g. `skiff/node:0.1.0-0123456789ab`. */
export async function defaultNodeImage(root: string): Promise<string> {
  return nodeImageName(packageVersion(root), await nodeImageContextHash(root))
}

export interface EnsureNodeImageOptions {
  /** An explicit image (from the cluster config); default: the built-in node image for this build context. */
  image?: string
  repoRoot: string
  onProgress?: (line: string) => void
  /** Rebundle the components and rebuild the image even if it exists. */
  rebuild?: boolean
}

export interface EnsureNodeImageResult {
  image: string
  /** True when this call built the image. */
  built: boolean
  /** The base image it was (or is being) built from; '' when unknown (an image that already existed). */
  base: string
}

async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect()
    return true
  } catch (error) {
    if ((error as {statusCode?: number}).statusCode === 404) return false
    throw error
  }
}

/** Keeps the last lines of a step's output so a failure can show what went wrong. */
class Tail {
  private lines: string[] = []
  constructor(private readonly max = 40) {}
  push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.max) this.lines.shift()
  }
  toString(): string {
    return this.lines.join('\n')
  }
}

/** Runs a command, streaming its output lines to onLine; rejects with the command's last output lines. */
function run(cmd: string, args: string[], onLine: (line: string) => void, opts: {stdin?: 'ignore'} = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new Tail()
    const child = spawn(cmd, args, {stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'], env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}})
    const feed = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue
        tail.push(line)
        onLine(line)
      }
    }
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    child.on('error', (error) => reject(new Error(`${cmd} could not be started: ${error.message}`)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`))
    })
  })
}

/** Follows a Docker progress stream (build/pull/import), forwarding text lines and failing on an error event. */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream, step: string, onLine: (line: string) => void): Promise<unknown[]> {
  const tail = new Tail()
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: unknown[]) => {
        const failed = (output ?? []).find((o) => (o as {error?: string}).error) as {error?: string} | undefined
        if (err || failed) reject(new Error(`${step} failed: ${err?.message ?? failed?.error}\n${tail}`))
        else resolve(output)
      },
      (event: {stream?: string; status?: string; progress?: string; error?: string}) => {
        const text = event.stream ?? event.error ?? (event.status ? `${event.status}${event.progress ? ` ${event.progress}` : ''}` : '')
        for (const line of text.split('\n')) {
          if (!line.trim()) continue
          tail.push(line)
          onLine(line)
        }
      },
    )
  })
}

/** Newest modification time of any file under dir (0 when missing); cheap: stats only. */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0
  const files = await listFiles(dir)
  await Promise.all(
    files.map(async (f) => {
      const st = await fs.stat(path.join(dir, f)).catch(() => undefined)
      if (st && st.mtimeMs > newest) newest = st.mtimeMs
    }),
  )
  return newest
}

/**
 * Makes sure images/node/build is there and, in a source checkout, not older than the sources (so a developer
 * never runs a stale bundle). An installed package ships build/ and has no sources, so nothing happens there.
 */
async function ensureBundle(root: string, force: boolean, onProgress: (line: string) => void): Promise<void> {
  const bundle = path.join(root, 'images', 'node', 'build', 'lib', 'skiff-node.cjs')
  const runtime = path.join(root, 'images', 'node', 'build', 'node')
  const script = path.join(root, 'scripts', 'bundle-node.mjs')
  // SKIFF_NODE_ENTRY (also read by the bundle script) lets tests bundle a stub entry point.
  const entry = process.env.SKIFF_NODE_ENTRY ?? path.join(root, 'src', 'components', 'node.ts')
  const haveSources = existsSync(script) && existsSync(entry)
  const present = existsSync(bundle) && existsSync(runtime)
  if (present && !force) {
    if (!haveSources) return
    const built = (await fs.stat(bundle)).mtimeMs
    if ((await newestMtime(path.join(root, 'src'))) <= built) return
    onProgress('sources changed since the node bundle was built: rebundling')
  }
  if (!haveSources) {
    if (present) return
    throw new SkiffError(`the node image build context is incomplete: ${path.relative(root, bundle)} or the Node.js runtime is missing`, {
      suggestions: ['in a source checkout run `npm run build` (or `node scripts/bundle-node.mjs`)', 'reinstall skiff'],
    })
  }
  const mod = (await import(pathToFileURL(script).href)) as {bundleNode: (o: {repoRoot: string; onProgress: (l: string) => void}) => Promise<unknown>}
  try {
    await mod.bundleNode({repoRoot: root, onProgress})
  } catch (error) {
    throw new SkiffError(`bundling the node components failed: ${(error as Error).message}`, {cause: error})
  }
}

/** debootstrap a minimal bookworm and import it, for machines where no registry can be reached. */
async function buildDebootstrapBase(docker: Dockerode, onProgress: (line: string) => void): Promise<void> {
  const isRoot = process.getuid?.() === 0
  const haveDebootstrap = existsSync('/usr/sbin/debootstrap') || existsSync('/usr/bin/debootstrap')
  const howTo = [
    `load a Debian base image, e.g. \`docker pull ${DEBIAN_BASE}\` on a machine that can reach a registry, then \`docker save\`/\`docker load\` it here`,
    'or run `sudo scripts/build-base-image.sh` (debootstrap) and retry',
  ]
  if (!isRoot) {
    throw new SkiffError(`no Debian base image is available: ${DEBIAN_BASE} is not present and cannot be pulled, and building one with debootstrap needs root`, {suggestions: howTo})
  }
  if (!haveDebootstrap) {
    if (!existsSync('/usr/bin/apt-get')) throw new SkiffError(`no Debian base image is available and debootstrap is not installed (no apt-get here)`, {suggestions: howTo})
    onProgress('installing debootstrap')
    await run('apt-get', ['update', '-qq'], onProgress)
    await run('apt-get', ['install', '-y', '-qq', 'debootstrap'], onProgress)
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skiff-rootfs-'))
  try {
    onProgress(`building base image ${DEBOOTSTRAP_BASE} with debootstrap (about a minute, once per machine)`)
    await run('debootstrap', ['--variant=minbase', 'bookworm', dir, DEBIAN_MIRROR], onProgress)
    // Package caches only bloat the image; the node Dockerfile runs apt-get update itself.
    await run('sh', ['-c', `rm -rf "${dir}"/var/cache/apt/archives/*.deb "${dir}"/var/lib/apt/lists/*`], onProgress)
    const tarProc = spawn('tar', ['-C', dir, '-c', '.'], {stdio: ['ignore', 'pipe', 'pipe']})
    const tarErr = new Tail()
    tarProc.stderr.on('data', (b: Buffer) => tarErr.push(b.toString()))
    const tarDone = new Promise<void>((resolve, reject) => {
      tarProc.on('error', reject)
      tarProc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar of the base root filesystem failed (exit ${code}):\n${tarErr}`))))
    })
    const [repo, tag] = DEBOOTSTRAP_BASE.split(':')
    const stream = await docker.importImage(tarProc.stdout, {repo, tag})
    await Promise.all([followProgress(docker, stream, `docker import of ${DEBOOTSTRAP_BASE}`, onProgress), tarDone])
    onProgress(`built base image ${DEBOOTSTRAP_BASE}`)
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}

/**
 * Picks the base image: SKIFF_BASE_IMAGE, else debian:bookworm-slim or our debootstrap image when present, else a
 * pulled debian:bookworm-slim, else a freshly debootstrapped one.
 */
async function ensureBaseImage(docker: Dockerode, onProgress: (line: string) => void): Promise<string> {
  const forced = process.env.SKIFF_BASE_IMAGE
  if (forced) {
    if (!(await imageExists(docker, forced))) throw new SkiffError(`SKIFF_BASE_IMAGE=${forced} is not present in the local Docker engine`)
    return forced
  }
  for (const candidate of [DEBIAN_BASE, DEBOOTSTRAP_BASE]) if (await imageExists(docker, candidate)) return candidate
  try {
    onProgress(`pulling ${DEBIAN_BASE}`)
    const stream = await docker.pull(DEBIAN_BASE)
    await followProgress(docker, stream, `docker pull ${DEBIAN_BASE}`, onProgress)
    return DEBIAN_BASE
  } catch (error) {
    onProgress(`cannot pull ${DEBIAN_BASE} (${(error as Error).message.split('\n')[0]}); falling back to debootstrap`)
  }
  await buildDebootstrapBase(docker, onProgress)
  return DEBOOTSTRAP_BASE
}

/** Builds images/node into `image` from `base`, labelled with the content hash. */
async function buildNodeImage(docker: Dockerode, root: string, image: string, base: string, hash: string, onProgress: (line: string) => void): Promise<void> {
  const dir = path.join(root, 'images', 'node')
  const context = tar.c({cwd: dir, portable: true}, CONTEXT_FILES.filter((f) => existsSync(path.join(dir, f))))
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: image,
    buildargs: {BASE: base},
    labels: {[Labels.imageHash]: hash, [Labels.version]: packageVersion(root)},
    rm: true,
    forcerm: true,
  })
  await followProgress(docker, stream, `building ${image} from ${base}`, onProgress)
  if (!(await imageExists(docker, image))) throw new Error(`building ${image} reported success but the image is not there`)
}

/**
 * Returns a node image that exists in the local engine, building it when needed. Progress goes to onProgress;
 * errors carry the failing step's output.
 */
export async function ensureNodeImage(docker: Dockerode, opts: EnsureNodeImageOptions): Promise<EnsureNodeImageResult> {
  const onProgress = opts.onProgress ?? (() => {})
  const root = opts.repoRoot

  if (opts.image && !opts.image.startsWith(`${NODE_IMAGE_REPO}:`)) {
    // A user-chosen image is used as-is: skiff cannot build it, only look for it or pull it.
    if (await imageExists(docker, opts.image)) return {image: opts.image, built: false, base: ''}
    try {
      onProgress(`pulling ${opts.image}`)
      await followProgress(docker, await docker.pull(opts.image), `docker pull ${opts.image}`, onProgress)
      return {image: opts.image, built: false, base: ''}
    } catch (error) {
      throw new SkiffError(`node image ${opts.image} is not present and cannot be pulled: ${(error as Error).message}`, {
        suggestions: ['remove `image` from the cluster config to use the built-in node image', `load it with \`docker load\``],
        cause: error,
      })
    }
  }

  if (opts.image && !opts.rebuild && (await imageExists(docker, opts.image))) return {image: opts.image, built: false, base: ''}
  await ensureBundle(root, opts.rebuild ?? false, onProgress)
  const hash = await nodeImageContextHash(root)
  const image = opts.image ?? nodeImageName(packageVersion(root), hash)
  if (!opts.rebuild && (await imageExists(docker, image))) return {image, built: false, base: ''}

  const base = await ensureBaseImage(docker, onProgress)
  onProgress(`building node image ${image} from ${base}`)
  await buildNodeImage(docker, root, image, base, hash, onProgress)
  return {image, built: true, base}
}

/**
 * Removes skiff/node images other than `keep` that are older than `olderThanMs` and used by no container. Every
 * source change makes a new image (only the last layers differ, but tags pile up); this is the cleanup. Not called
 * implicitly: another process may have just resolved an older tag and be about to start a container from it.
 */
export async function pruneNodeImages(docker: Dockerode, opts: {keep: string[]; olderThanMs?: number; dryRun?: boolean}): Promise<string[]> {
  const cutoff = Date.now() - (opts.olderThanMs ?? 10 * 60_000)
  const inUse = new Set((await docker.listContainers({all: true})).map((c) => c.ImageID))
  const removed: string[] = []
  for (const img of await docker.listImages({filters: JSON.stringify({reference: [`${NODE_IMAGE_REPO}:*`]})})) {
    if (inUse.has(img.Id) || img.Created * 1000 > cutoff) continue
    for (const tag of img.RepoTags ?? []) {
      if (!tag.startsWith(`${NODE_IMAGE_REPO}:`) || opts.keep.includes(tag)) continue
      if (!opts.dryRun) {
        // No force: Docker refuses while a container still uses it, which is the safety we want.
        const ok = await docker.getImage(tag).remove().then(() => true, () => false)
        if (!ok) continue
      }
      removed.push(tag)
    }
  }
  return removed
}
