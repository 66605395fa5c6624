// Checks the pure parts of the node image code: the content hash reacts to exactly the files that matter, and names are well-formed.
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {defaultNodeImage, nodeImageContextHash, nodeImageName} from '../../../src/cluster/image/index.js'
import {repoRoot} from '../../../src/cluster/version.js'

describe('node image', () => {
  let root: string

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'skiff-image-test-'))
    await fs.writeFile(path.join(root, 'package.json'), JSON.stringify({name: 'skiff', version: '1.2.3'}))
    const node = path.join(root, 'images', 'node')
    await fs.mkdir(path.join(node, 'build', 'lib'), {recursive: true})
    await fs.mkdir(path.join(node, 'build', 'proto'), {recursive: true})
    await fs.writeFile(path.join(node, 'Dockerfile'), 'FROM scratch\n')
    await fs.writeFile(path.join(node, 'entrypoint'), '#!/bin/sh\n')
    await fs.writeFile(path.join(node, 'build', 'lib', 'skiff-node.cjs'), 'console.log(1)\n')
    await fs.writeFile(path.join(node, 'build', 'proto', 'rpc.proto'), 'syntax = "proto3";\n')
    await fs.writeFile(path.join(node, 'build', 'node'), Buffer.alloc(1000, 1))
    await fs.writeFile(path.join(node, 'build', 'node.version'), 'x64 22.0.0\n')
  })

  afterEach(async () => {
    await fs.rm(root, {recursive: true, force: true})
  })

  it('hashes to 12 hex digits, deterministically', async () => {
    const a = await nodeImageContextHash(root)
    assert.match(a, /^[0-9a-f]{12}$/)
    assert.equal(await nodeImageContextHash(root), a)
  })

  for (const file of ['Dockerfile', 'entrypoint', 'build/lib/skiff-node.cjs', 'build/proto/rpc.proto', 'build/node.version']) {
    it(`changes when ${file} changes`, async () => {
      const before = await nodeImageContextHash(root)
      await fs.appendFile(path.join(root, 'images', 'node', file), '# changed\n')
      assert.notEqual(await nodeImageContextHash(root), before)
    })
  }

  it('changes when a build file is added, and with the package version', async () => {
    const before = await nodeImageContextHash(root)
    await fs.writeFile(path.join(root, 'images', 'node', 'build', 'lib', 'extra.cjs'), '')
    const added = await nodeImageContextHash(root)
    assert.notEqual(added, before)
    await fs.writeFile(path.join(root, 'package.json'), JSON.stringify({name: 'skiff', version: '1.2.4'}))
    assert.notEqual(await nodeImageContextHash(root), added)
  })

  it('represents the runtime binary by its size (it is too big to read on every create)', async () => {
    const before = await nodeImageContextHash(root)
    const bin = path.join(root, 'images', 'node', 'build', 'node')
    await fs.writeFile(bin, Buffer.alloc(1000, 2))
    assert.equal(await nodeImageContextHash(root), before, 'same size, same version marker')
    await fs.writeFile(bin, Buffer.alloc(1001, 2))
    assert.notEqual(await nodeImageContextHash(root), before)
  })

  it('ignores files outside the build context', async () => {
    const before = await nodeImageContextHash(root)
    await fs.writeFile(path.join(root, 'images', 'node', 'README.md'), 'notes')
    assert.equal(await nodeImageContextHash(root), before)
  })

  it('still hashes when build/ is missing', async () => {
    await fs.rm(path.join(root, 'images', 'node', 'build'), {recursive: true})
    assert.match(await nodeImageContextHash(root), /^[0-9a-f]{12}$/)
  })

  it('names images skiff/node:<version>-<hash>', async () => {
    assert.equal(nodeImageName('0.1.0', 'abcdef012345'), 'skiff/node:0.1.0-abcdef012345')
    assert.equal(nodeImageName('1.0.0-rc.1+build.5', 'abcdef012345'), 'skiff/node:1.0.0-rc.1_build.5-abcdef012345')
    assert.match(await defaultNodeImage(root), /^skiff\/node:1\.2\.3-[0-9a-f]{12}$/)
  })

  it('finds the repository root from its own location', () => {
    const r = repoRoot()
    assert.ok(existsSync(path.join(r, 'package.json')))
    assert.ok(existsSync(path.join(r, 'src', 'cluster', 'version.ts')))
  })
})
