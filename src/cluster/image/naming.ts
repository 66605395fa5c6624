// The node image's name: skiff/node:<version>-<hash of the build context>, so a changed context means a new image.
import {createHash} from 'node:crypto'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import {packageVersion} from '../version.js'

/** Repository of the node images skiff builds; the tag is `<version>-<content hash>`. */
export const NODE_IMAGE_REPO = 'skiff/node'

/** Files of images/node that go into the build context (build/ is produced by scripts/bundle-node.mjs). */
export const CONTEXT_FILES = ['Dockerfile', 'entrypoint', 'build']

/** The node image build context directory under a package root. */
export function nodeImageDir(root: string): string {
  return path.join(root, 'images', 'node')
}

/** Image name for a version and content hash; Docker tags allow [A-Za-z0-9_.-], so `+build` metadata becomes `_`. */
export function nodeImageName(version: string, hash: string): string {
  return `${NODE_IMAGE_REPO}:${version.replace(/[^A-Za-z0-9_.-]/g, '_')}-${hash}`
}

/** Every regular file under dir, as paths relative to it ('' when dir is missing). */
export async function listFiles(dir: string, rel = ''): Promise<string[]> {
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
  const dir = nodeImageDir(root)
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
