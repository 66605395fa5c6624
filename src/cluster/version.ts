// The one reader of package.json: where skiff's package root is and which version it is (labels, the node image tag).
import {existsSync, readFileSync} from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'

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

/** The version in root's package.json, read afresh (tests point root at a scratch package). */
export function packageVersion(root: string): string {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string
}

let cached: string | undefined

/** This skiff's own version, read once. */
export function skiffVersion(): string {
  cached ??= packageVersion(repoRoot())
  return cached
}
