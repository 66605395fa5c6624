#!/usr/bin/env node
// Prepares images/node/build/: the in-node components bundled into one CJS file, etcd3's protos, and a Node.js runtime binary.
//
// Layout produced (lib/ and proto/ must be siblings: etcd3 loads `${__dirname}/../proto/rpc.proto`):
//   images/node/build/lib/skiff-node.cjs
//   images/node/build/proto/*.proto
//   images/node/build/node            (official Node.js binary from the npm package node-linux-<arch>)
//   images/node/build/node.version    (which runtime version `node` is; hashed instead of the 100 MB binary)
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

const execFileP = promisify(execFile)

/** Node.js major version the node image runs; the image's runtime is ours to choose (DESIGN.md). */
export const NODE_RUNTIME_MAJOR = 22

/** Where downloaded runtime tarballs are kept, so each machine downloads one only once. */
export function cacheDir() {
  return process.env.SKIFF_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'skiff')
}

function runtimeArch() {
  const arch = process.env.SKIFF_NODE_ARCH ?? process.arch
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`unsupported architecture for the node image runtime: ${arch}`)
  return arch
}

function semverCompare(a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i]
  return 0
}

async function npm(args, cwd) {
  try {
    return await execFileP('npm', args, {cwd, maxBuffer: 64 * 1024 * 1024})
  } catch (error) {
    throw new Error(`npm ${args.join(' ')} failed: ${error.stderr || error.message}`)
  }
}

/**
 * Returns the path of a cached node-linux-<arch> tarball, downloading it with `npm pack` when none is cached.
 * A cached tarball of the right major wins without asking the registry, so offline rebuilds work.
 */
async function ensureRuntimeTarball(log) {
  const arch = runtimeArch()
  const pkg = `node-linux-${arch}`
  const dir = cacheDir()
  await fs.mkdir(dir, {recursive: true})
  const pinned = process.env.SKIFF_NODE_RUNTIME_VERSION
  const cached = (await fs.readdir(dir))
    .map((f) => new RegExp(`^${pkg}-(\\d+\\.\\d+\\.\\d+)\\.tgz$`).exec(f)?.[1])
    .filter((v) => v && (pinned ? v === pinned : v.startsWith(`${NODE_RUNTIME_MAJOR}.`)))
    .sort(semverCompare)
  if (cached.length > 0) {
    const version = cached.at(-1)
    return {version, file: path.join(dir, `${pkg}-${version}.tgz`)}
  }
  let version = pinned
  if (!version) {
    const {stdout} = await npm(['view', `${pkg}@${NODE_RUNTIME_MAJOR}`, 'version', '--json'], dir)
    const parsed = JSON.parse(stdout)
    const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    if (versions.length === 0) throw new Error(`no ${pkg}@${NODE_RUNTIME_MAJOR} version found on the npm registry`)
    version = versions.sort(semverCompare).at(-1)
  }
  log(`downloading Node.js ${version} runtime (${pkg}) into ${dir}`)
  // Packing into a temp name first keeps a half-written tarball from ever looking cached.
  const tmp = await fs.mkdtemp(path.join(dir, '.pack-'))
  try {
    await npm(['pack', `${pkg}@${version}`, '--pack-destination', tmp, '--silent'], tmp)
    await fs.rename(path.join(tmp, `${pkg}-${version}.tgz`), path.join(dir, `${pkg}-${version}.tgz`))
  } finally {
    await fs.rm(tmp, {recursive: true, force: true})
  }
  return {version, file: path.join(dir, `${pkg}-${version}.tgz`)}
}

/** Puts bin/node of the cached runtime package at build/node unless the same version is already there. */
async function placeRuntime(buildDir, log) {
  const {version, file} = await ensureRuntimeTarball(log)
  const marker = path.join(buildDir, 'node.version')
  const target = path.join(buildDir, 'node')
  const strip = process.env.SKIFF_NO_STRIP ? '' : await which('strip')
  const tag = `${runtimeArch()} ${version}${strip ? ' stripped' : ''}\n`
  if (existsSync(target) && existsSync(marker) && (await fs.readFile(marker, 'utf8')) === tag) return version
  const tar = await import('tar')
  const tmp = await fs.mkdtemp(path.join(buildDir, '.runtime-'))
  try {
    await tar.x({file, cwd: tmp, filter: (p) => p === 'package/bin/node'})
    const bin = path.join(tmp, 'package', 'bin', 'node')
    if (!existsSync(bin)) throw new Error(`${file} has no package/bin/node`)
    await fs.chmod(bin, 0o755)
    // The official binary carries debug info; stripping it saves about 18 MB per image with no runtime effect.
    if (strip) await execFileP(strip, [bin])
    await fs.rename(bin, target)
  } finally {
    await fs.rm(tmp, {recursive: true, force: true})
  }
  await fs.writeFile(marker, tag)
  log(`placed Node.js ${version} at ${path.relative(process.cwd(), target)}`)
  return version
}

async function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd)
    if (dir && existsSync(p)) return p
  }
  return ''
}

/** Bundles src/components/node.ts and everything it imports into build/lib/skiff-node.cjs. */
async function bundleComponents(repoRoot, buildDir, entry) {
  const esbuild = await import('esbuild')
  const outfile = path.join(buildDir, 'lib', 'skiff-node.cjs')
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    outfile,
    // Written by us, atomically: several `cluster create` runs may bundle at once while another tars the context.
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    minify: false,
    logLevel: 'silent',
    // Lets an entry outside the repo (a test stub) resolve the repo's packages.
    nodePaths: [path.join(repoRoot, 'node_modules')],
    // Native addons cannot be bundled; the libraries that reach for them (ssh2 via dockerode) fall back to JS when
    // the require fails, which it will, as the .node files are not in the image.
    external: ['cpu-features', '*.node'],
    // The sources are ESM; in a CJS bundle import.meta is empty, so give import.meta.url its CJS equivalent.
    banner: {js: "const __skiff_import_meta_url = require('node:url').pathToFileURL(__filename).href;"},
    define: {'import.meta.url': '__skiff_import_meta_url'},
  })
  for (const f of result.outputFiles) await writeAtomic(f.path, f.contents)
  return {outfile, warnings: result.warnings}
}

/** Writes via a temp file and rename, so readers see the old or the new content, never a partial file. */
async function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`
  await fs.writeFile(tmp, data)
  await fs.rename(tmp, file)
}

/** Copies etcd3's protos, rewriting only files whose content differs (see writeAtomic for why). */
async function copyProtos(src, dest) {
  await fs.mkdir(dest, {recursive: true})
  for (const name of await fs.readdir(src)) {
    const data = await fs.readFile(path.join(src, name))
    const current = await fs.readFile(path.join(dest, name)).catch(() => undefined)
    if (!current || !current.equals(data)) await writeAtomic(path.join(dest, name), data)
  }
}

/**
 * Produces images/node/build/. Idempotent and cheap when nothing changed (the runtime is reused, the bundle is
 * rebuilt, which takes well under a second).
 */
export async function bundleNode({repoRoot, entry: entryOverride, onProgress = () => {}} = {}) {
  const root = repoRoot ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const buildDir = path.join(root, 'images', 'node', 'build')
  // SKIFF_NODE_ENTRY lets tests bundle a stub instead of the real components.
  const entry = path.resolve(entryOverride ?? process.env.SKIFF_NODE_ENTRY ?? path.join(root, 'src', 'components', 'node.ts'))
  if (!existsSync(entry)) throw new Error(`cannot bundle the node components: ${entry} does not exist`)
  await fs.mkdir(path.join(buildDir, 'lib'), {recursive: true})

  const t0 = Date.now()
  const {outfile, warnings} = await bundleComponents(root, buildDir, entry)
  for (const w of warnings) onProgress(`esbuild warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`)
  const size = (await fs.stat(outfile)).size
  onProgress(`bundled ${path.relative(root, entry)} -> ${path.relative(root, outfile)} (${Math.round(size / 1024)} KiB, ${Date.now() - t0} ms)`)

  const protoSrc = path.join(root, 'node_modules', 'etcd3', 'proto')
  if (!existsSync(protoSrc)) throw new Error(`${protoSrc} is missing: run npm install`)
  await copyProtos(protoSrc, path.join(buildDir, 'proto'))

  const version = await placeRuntime(buildDir, onProgress)
  return {buildDir, bundle: outfile, nodeVersion: version}
}

/** Content digest of the bundle, handy for logs. */
export async function bundleDigest(file) {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 12)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  bundleNode({onProgress: (line) => console.log(line)}).then(
    (r) => console.log(`node image build context ready in ${r.buildDir} (Node.js ${r.nodeVersion})`),
    (error) => {
      console.error(error.message ?? error)
      process.exit(1)
    },
  )
}
