// Keeps the node components' bundle (images/node/build) present and, in a source checkout, no older than the sources.
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import {pathToFileURL} from 'node:url'
import {SkiffError} from '../../errors.js'
import type {OnProgress} from '../provider.js'
import {listFiles, nodeImageDir} from './naming.js'

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
export async function ensureBundle(root: string, force: boolean, onProgress: OnProgress): Promise<void> {
  // One bundle per node process (scripts/bundle-node.mjs), written together: the node part's stands for all of them.
  const bundle = path.join(nodeImageDir(root), 'build', 'lib', 'skiff-node.cjs')
  const runtime = path.join(nodeImageDir(root), 'build', 'node')
  const script = path.join(root, 'scripts', 'bundle-node.mjs')
  // SKIFF_NODE_ENTRY (also read by the bundle script) lets tests bundle a stub entry point.
  const entry = process.env.SKIFF_NODE_ENTRY ?? path.join(root, 'src', 'components', 'entries', 'node.ts')
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
  const mod = (await import(pathToFileURL(script).href)) as {bundleNode: (o: {repoRoot: string; onProgress: OnProgress}) => Promise<unknown>}
  try {
    await mod.bundleNode({repoRoot: root, onProgress})
  } catch (error) {
    throw new SkiffError(`bundling the node components failed: ${(error as Error).message}`, {cause: error})
  }
}
