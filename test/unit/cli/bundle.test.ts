// The CLI bundle's start-up shortcuts: oclif fast paths answer as the calls they replace, and dist/skiff.cjs runs from its compile cache.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const root = join(import.meta.dirname, '../../..')
const require = createRequire(import.meta.url)
const fast = require(join(root, 'scripts/stubs/oclif-fast-paths.cjs')) as {
  compareIds(a: string, b: string): number
  satisfies(version: string, range: string): boolean
  matchesPackage(name: string, pattern: string): boolean
}
// The copies oclif itself loads: what the fast paths stand in for.
const fromOclif = createRequire(require.resolve('@oclif/core'))
const semver = fromOclif('semver') as {satisfies(version: string, range: string): boolean}
const {minimatch} = fromOclif('minimatch') as {minimatch(name: string, pattern: string): boolean}

describe('oclif fast paths (scripts/stubs/oclif-fast-paths.cjs)', () => {
  it('orders command ids as localeCompare does', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const chars = 'abcdefghijklmnopqrstuvwxyz:-'
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const ids = [...Object.keys(manifest.commands), 'autocomplete', 'a', 'a-', 'a:', 'a-b', 'a:b', 'ab', '', 'Get', 'get2', 'z:1']
    for (let i = 0; i < 2000; i++) ids.push(Array.from({length: 1 + Math.floor(rand() * 8)}, () => chars[Math.floor(rand() * chars.length)]).join(''))
    for (let i = 0; i < ids.length; i++) {
      for (const j of [i + 1, Math.floor(rand() * ids.length)]) {
        const [a, b] = [ids[i], ids[j % ids.length]]
        assert.equal(Math.sign(fast.compareIds(a, b)), Math.sign(a.localeCompare(b)), `${a} vs ${b}`)
      }
    }
  })

  it('checks engines ranges as semver does', () => {
    const versions = ['20.9.0', '20.8.9', '20.20.2', '21.0.0', '18.19.1', '22.23.5', '20.9.1', '19.99.99']
    const ranges = ['>=20.9', '>=20.9.0', '>= 20', '>=18.0.0', '>=21', '^20.9.0', '>=20.9 <23', '20.x']
    for (const v of versions) for (const r of ranges) assert.equal(fast.satisfies(v, r), semver.satisfies(v, r), `${v} in ${r}`)
  })

  it('matches package names as minimatch does', () => {
    const names = ['@oclif/plugin-autocomplete', '@oclif/plugin-help', 'oclif-plugin-x', '@oclif/core', 'chalk']
    const patterns = ['@oclif/plugin-autocomplete', '@oclif/plugin-*', 'oclif-plugin-*', '@oclif/*', 'chalk', '@(oclif)/core', '!chalk']
    for (const n of names) for (const p of patterns) assert.equal(fast.matchesPackage(n, p), minimatch(n, p), `${n} ~ ${p}`)
  })
})

describe('the CLI bundle (dist/skiff.cjs)', function () {
  this.timeout(60_000)
  const bundle = join(root, 'dist/skiff.cjs')
  const bin = join(root, 'bin/run.js')
  let cacheDir: string

  before(function () {
    if (!existsSync(bundle)) this.skip() // built by `npm run build`, which scripts/test.sh runs first
    cacheDir = mkdtempSync(join(tmpdir(), 'skiff-compile-cache-'))
  })
  after(() => cacheDir && rmSync(cacheDir, {recursive: true, force: true}))

  const run = (args: string[]) =>
    new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(process.execPath, [bin, ...args], {env: {...process.env, SKIFF_CACHE_DIR: cacheDir}}, (err, stdout, stderr) =>
        resolve({code: err ? Number(err.code ?? 1) : 0, stdout, stderr}),
      )
    })
  const cacheFile = () => readdirSync(join(cacheDir, 'compile-cache')).map((f) => join(cacheDir, 'compile-cache', f))

  it('exports every command of the manifest for oclif\'s explicit discovery', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {summary?: string}>}
    const {COMMANDS} = require(bundle) as {COMMANDS: Record<string, {summary?: string}>}
    assert.deepEqual(Object.keys(COMMANDS).sort(), Object.keys(manifest.commands).sort())
    for (const [id, entry] of Object.entries(manifest.commands)) assert.equal(COMMANDS[id].summary, entry.summary, id)
  })

  it('writes a compile cache on the first run of a command and starts from it on the next', async () => {
    const first = await run(['--version'])
    assert.equal(first.code, 0, first.stderr)
    const [file] = cacheFile()
    const written = statSync(file).mtimeMs
    const second = await run(['--version'])
    assert.equal(second.stdout, first.stdout)
    assert.equal(second.stderr, '')
    // Rewritten only when the cache was rejected or the command was new to it.
    assert.equal(statSync(file).mtimeMs, written)
  })

  it('keeps the caches of a few builds side by side and removes older ones', async () => {
    const dir = join(cacheDir, 'compile-cache')
    for (let i = 1; i <= 5; i++) {
      const old = join(dir, `cli-0000000${i}-v0.0.0-x64.bin`)
      writeFileSync(old, '')
      utimesSync(old, new Date(Date.now() - i * 3600_000), new Date(Date.now() - i * 3600_000))
    }
    assert.equal((await run(['--help'])).code, 0)
    const left = readdirSync(dir).sort()
    assert.equal(left.length, 4)
    // This build's, just rewritten for the new command, and the three most recent others.
    assert.deepEqual(left.filter((f) => f.startsWith('cli-0000000')), ['cli-00000001-v0.0.0-x64.bin', 'cli-00000002-v0.0.0-x64.bin', 'cli-00000003-v0.0.0-x64.bin'])
    for (const f of left) if (f.startsWith('cli-0000000')) rmSync(join(dir, f))
  })

  it('keeps import() working in a script compiled from the cache (oclif imports ESM plugins with it)', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await run(['autocomplete', 'bash'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /Setup Instructions for SKIFF CLI Autocomplete/)
    }
    assert.equal(cacheFile().length, 1)
  })
})
