// The skiff version, read once from package.json (used in labels and the node image tag).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {repoRoot} from './image.js'

let cached: string | undefined

/** The version in package.json. */
export function skiffVersion(): string {
  cached ??= JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version as string
  return cached
}
