// ensureNodeImage: finds the node image or bundles, picks a base and builds it; plus the explicit cleanup of old tags.
import {existsSync} from 'node:fs'
import * as path from 'node:path'
import * as tar from 'tar'
import {Labels} from '../../api/contract.js'
import {SkiffError} from '../../errors.js'
import type {OnProgress, Provider} from '../provider.js'
import {packageVersion} from '../version.js'
import {ensureBaseImage} from './base.js'
import {ensureBundle} from './bundle.js'
import {CONTEXT_FILES, NODE_IMAGE_REPO, nodeImageContextHash, nodeImageDir, nodeImageName} from './naming.js'

export interface EnsureNodeImageOptions {
  /** An explicit image (from the cluster config); default: the built-in node image for this build context. */
  image?: string
  repoRoot: string
  onProgress?: OnProgress
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

/** Builds images/node into `image` from `base`, labelled with the content hash. */
async function buildNodeImage(provider: Provider, root: string, image: string, base: string, hash: string, onProgress: OnProgress): Promise<void> {
  const dir = nodeImageDir(root)
  const context = tar.c({cwd: dir, portable: true}, CONTEXT_FILES.filter((f) => existsSync(path.join(dir, f)))) as unknown as NodeJS.ReadableStream
  await provider.buildImage({context, tag: image, buildArgs: {BASE: base}, labels: {[Labels.imageHash]: hash, [Labels.version]: packageVersion(root)}}, onProgress)
}

/** A user-chosen image is used as-is: skiff cannot build it, only look for it or pull it. */
async function ensureForeignImage(provider: Provider, image: string, onProgress: OnProgress): Promise<EnsureNodeImageResult> {
  if (await provider.imageID(image)) return {image, built: false, base: ''}
  try {
    onProgress(`pulling ${image}`)
    await provider.pullImage(image, onProgress)
    return {image, built: false, base: ''}
  } catch (error) {
    throw new SkiffError(`node image ${image} is not present and cannot be pulled: ${(error as Error).message}`, {
      suggestions: ['remove `image` from the cluster config to use the built-in node image', `load it with \`docker load\``],
      cause: error,
    })
  }
}

/**
 * Returns a node image that exists in the engine, building it when needed. Progress goes to onProgress; errors
 * carry the failing step's output.
 */
export async function ensureNodeImage(provider: Provider, opts: EnsureNodeImageOptions): Promise<EnsureNodeImageResult> {
  const onProgress = opts.onProgress ?? (() => {})
  const root = opts.repoRoot
  if (opts.image && !opts.image.startsWith(`${NODE_IMAGE_REPO}:`)) return ensureForeignImage(provider, opts.image, onProgress)

  if (opts.image && !opts.rebuild && (await provider.imageID(opts.image))) return {image: opts.image, built: false, base: ''}
  await ensureBundle(root, opts.rebuild ?? false, onProgress)
  const hash = await nodeImageContextHash(root)
  const image = opts.image ?? nodeImageName(packageVersion(root), hash)
  if (!opts.rebuild && (await provider.imageID(image))) return {image, built: false, base: ''}

  const base = await ensureBaseImage(provider, onProgress)
  onProgress(`building node image ${image} from ${base}`)
  await buildNodeImage(provider, root, image, base, hash, onProgress)
  return {image, built: true, base}
}

/**
 * Removes skiff/node images other than `keep` that are older than `olderThanMs` and used by no container. Every
 * source change makes a new image (only the last layers differ, but tags pile up); this is the cleanup. Not called
 * implicitly: another process may have just resolved an older tag and be about to start a container from it.
 */
export async function pruneNodeImages(provider: Provider, opts: {keep: string[]; olderThanMs?: number; dryRun?: boolean; now?: number}): Promise<string[]> {
  const cutoff = (opts.now ?? Date.now()) - (opts.olderThanMs ?? 10 * 60_000)
  const removed: string[] = []
  for (const img of await provider.listImages(`${NODE_IMAGE_REPO}:*`)) {
    if (img.inUse || img.createdMs > cutoff) continue
    for (const tag of img.tags) {
      if (!tag.startsWith(`${NODE_IMAGE_REPO}:`) || opts.keep.includes(tag)) continue
      if (!opts.dryRun && !(await provider.removeImage(tag))) continue
      removed.push(tag)
    }
  }
  return removed
}
