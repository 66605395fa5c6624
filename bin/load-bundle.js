// Loads the CLI bundle as a CommonJS module compiled with a V8 code cache kept in the user's cache dir (Node 20 has no module.enableCompileCache).
//
// Why: compiling the bundle's source is most of what is left of start-up once it is one file. V8 can instead take
// the code it compiled in an earlier run (vm.Script cachedData), including every function that run called, and
// skip parsing and compiling them. The cache is written after a run whose command was not in it yet, so each
// command pays for compiling once, then starts from the cache.
'use strict'
const {mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {createRequire} = Module
const {homedir} = require('node:os')
const {dirname, join} = require('node:path')
const vm = require('node:vm')

/**
 * The cache dir oclif gives skiff (config.cacheDir): SKIFF_CACHE_DIR, else the platform's user cache dir; none
 * without a home directory, rather than a relative path that would put a cache in whatever the working directory is.
 */
function cacheDir() {
  if (process.env.SKIFF_CACHE_DIR) return process.env.SKIFF_CACHE_DIR
  const home = homedir()
  if (!home) return undefined
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'skiff')
  return join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'skiff')
}

/**
 * What a run adds to the cache: the words of its command (`get pods`, `cluster create`), so a command seen once is
 * not written again. Only word-like arguments count, at most two, so names and paths never make new keys; a run
 * that starts with a flag (`--version`, `--help`) is keyed by that flag's name.
 */
function commandKey(argv) {
  const words = []
  for (const a of argv) {
    if (!/^[a-z][a-z-]*$/.test(a) || words.length === 2) break
    words.push(a)
  }
  return words.join(' ') || (/^--?[a-z][a-z-]*$/.test(argv[0] ?? '') ? argv[0] : '')
}

/** Past this many commands a cache is no longer rewritten: the commands a user runs most came first. */
const MAX_KEYS = 64
/** Caches kept side by side (one per build and runtime): several checkouts or installs sharing a cache dir each keep theirs. */
const MAX_FILES = 4

/** Reads a cache file: a 4-byte header length, a JSON header ({keys}), then V8's cached data. */
function readCache(file) {
  try {
    const data = readFileSync(file)
    const n = data.readUInt32LE(0)
    return {keys: JSON.parse(data.subarray(4, 4 + n).toString('utf8')).keys, data: data.subarray(4 + n)}
  } catch {
    return undefined
  }
}

/** Writes a cache file atomically, then removes all but the MAX_FILES most recently written caches beside it. */
function writeCache(dir, file, keys, data) {
  mkdirSync(dir, {recursive: true})
  const header = Buffer.from(JSON.stringify({keys}))
  const len = Buffer.alloc(4)
  len.writeUInt32LE(header.length)
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.concat([len, header, data]))
  renameSync(tmp, file)
  const caches = readdirSync(dir)
    .filter((f) => /^cli-.*\.bin$/.test(f))
    .map((f) => ({path: join(dir, f), at: statSync(join(dir, f), {throwIfNoEntry: false})?.mtimeMs ?? 0}))
    .sort((a, b) => b.at - a.at)
  for (const old of caches.slice(MAX_FILES)) rmSync(old.path, {force: true})
}

/** The bundle's build id, from its last line (written by scripts/bundle-cli.mjs). */
function buildId(source) {
  return /\/\/# skiff-build=([0-9a-f]+)\n?$/.exec(source.slice(-64))?.[1]
}

/** Evaluates `file` as the CommonJS module require() would make of it, compiled from and into the code cache. */
function compileCached(file, source, id, dir) {
  const cacheFile = join(dir, `cli-${id}-${process.version}-${process.arch}.bin`)
  const cached = readCache(cacheFile)
  const key = commandKey(process.argv.slice(2))
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData: cached?.data,
  })
  const known = cached && !script.cachedDataRejected ? cached.keys : []
  if (!known.includes(key) && known.length < MAX_KEYS) {
    // After the command, so the cache holds every function it ran, not only the top level.
    process.once('exit', () => {
      try {
        writeCache(dir, cacheFile, [...known, key], script.createCachedData())
      } catch {
        // A read-only or full cache dir only costs the next run its compile time.
      }
    })
  }
  const mod = new Module(file, undefined)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(dirname(file))
  // In require's cache first, so oclif's require() of the same file (its command target) finds this instance.
  Module._cache[file] = mod
  try {
    script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file))
  } catch (error) {
    delete Module._cache[file] // as require() does, so nothing finds a half-evaluated module
    throw error
  }
  mod.loaded = true
  return mod.exports
}

/**
 * The bundle's exports; plain require() when the code cache is not wanted (SKIFF_NO_COMPILE_CACHE) or the file is
 * not a build of bundle-cli. `dynamicImport` is the caller's own import(): a function of a module Node loaded, where
 * import() always works, for the bundle's import() calls to go through.
 */
function loadBundle(file, dynamicImport) {
  if (process.env.SKIFF_NO_COMPILE_CACHE) return require(file)
  let source
  try {
    // The bundle is ASCII (scripts/bundle-cli.mjs), so latin1 reads it exactly, without UTF-8 decoding.
    source = readFileSync(file, 'latin1')
  } catch {
    return require(file) // reports the missing bundle the way Node does
  }
  const id = buildId(source)
  const base = cacheDir()
  if (!id || !base) return require(file)
  // A script compiled from a code cache has no working import() on Node 20; the bundle's calls come here instead.
  globalThis[Symbol.for('skiff.import')] = dynamicImport
  return compileCached(file, source, id, join(base, 'compile-cache'))
}

module.exports = {loadBundle}
