// The node image's base: Debian bookworm from the engine or a registry, else made here with debootstrap.
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {SkiffError} from '../../errors.js'
import type {OnProgress, Provider} from '../provider.js'
import {Tail} from '../tail.js'

/** Preferred base; used when present locally or pullable. */
export const DEBIAN_BASE = 'debian:bookworm-slim'
/** Registry-free fallback base, made with debootstrap + docker import. */
export const DEBOOTSTRAP_BASE = process.env.SKIFF_DEBOOTSTRAP_IMAGE ?? 'skiff/debian-base:bookworm'
const DEBIAN_MIRROR = process.env.SKIFF_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian'

/** Runs a command, streaming its output lines to onLine; rejects with the command's last output lines. */
function run(cmd: string, args: string[], onLine: OnProgress): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new Tail()
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}})
    const feed = (buf: Buffer) => tail.feed(buf.toString(), onLine)
    child.stdout.on('data', feed)
    child.stderr.on('data', feed)
    child.on('error', (error) => reject(new Error(`${cmd} could not be started: ${error.message}`)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`))
    })
  })
}

/** Imports a directory as an image through a `tar -c` stream; fails with tar's own message when tar fails. */
async function importDirectory(provider: Provider, dir: string, image: string, onProgress: OnProgress): Promise<void> {
  const tarProc = spawn('tar', ['-C', dir, '-c', '.'], {stdio: ['ignore', 'pipe', 'pipe']})
  const tarErr = new Tail()
  tarProc.stderr.on('data', (b: Buffer) => tarErr.feed(b.toString()))
  const tarDone = new Promise<void>((resolve, reject) => {
    tarProc.on('error', reject)
    tarProc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar of the base root filesystem failed (exit ${code}):\n${tarErr}`))))
  })
  await Promise.all([provider.importImage(tarProc.stdout, image, onProgress), tarDone])
}

/** debootstrap a minimal bookworm and import it, for machines where no registry can be reached. */
async function buildDebootstrapBase(provider: Provider, onProgress: OnProgress): Promise<void> {
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
    await importDirectory(provider, dir, DEBOOTSTRAP_BASE, onProgress)
    onProgress(`built base image ${DEBOOTSTRAP_BASE}`)
  } finally {
    await fs.rm(dir, {recursive: true, force: true})
  }
}

/**
 * Picks the base image: SKIFF_BASE_IMAGE, else debian:bookworm-slim or our debootstrap image when present, else a
 * pulled debian:bookworm-slim, else a freshly debootstrapped one.
 */
export async function ensureBaseImage(provider: Provider, onProgress: OnProgress): Promise<string> {
  const forced = process.env.SKIFF_BASE_IMAGE
  if (forced) {
    if (!(await provider.imageID(forced))) throw new SkiffError(`SKIFF_BASE_IMAGE=${forced} is not present in the local Docker engine`)
    return forced
  }
  for (const candidate of [DEBIAN_BASE, DEBOOTSTRAP_BASE]) if (await provider.imageID(candidate)) return candidate
  try {
    onProgress(`pulling ${DEBIAN_BASE}`)
    await provider.pullImage(DEBIAN_BASE, onProgress)
    return DEBIAN_BASE
  } catch (error) {
    onProgress(`cannot pull ${DEBIAN_BASE} (${(error as Error).message.split('\n')[0]}); falling back to debootstrap`)
  }
  await buildDebootstrapBase(provider, onProgress)
  return DEBOOTSTRAP_BASE
}
