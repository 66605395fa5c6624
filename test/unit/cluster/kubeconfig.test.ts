// Kubeconfig merging keeps other users' entries, writes mode 0600 and removes exactly skiff's entries.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {buildKubeconfig, defaultKubeconfigPath, mergeKubeconfig, removeFromKubeconfig} from '../../../src/cluster/kubeconfig.js'

describe('kubeconfig', () => {
  let dir: string
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'skiff-kc-'))))
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  it('merges beside existing entries, switches context and writes 0600', async () => {
    const path = join(dir, 'config')
    await writeFile(path, yaml.dump({apiVersion: 'v1', kind: 'Config', 'current-context': 'other', clusters: [{name: 'other', cluster: {server: 'https://x'}}], users: [{name: 'other', user: {}}], contexts: [{name: 'other', context: {cluster: 'other', user: 'other'}}]}))
    await mergeKubeconfig(path, buildKubeconfig('demo', 'https://127.0.0.1:1234', 'CA', 'CERT', 'KEY'), true)
    const doc: any = yaml.load(await readFile(path, 'utf8'))
    assert.deepEqual(doc.contexts.map((c: any) => c.name), ['other', 'skiff-demo'])
    assert.equal(doc['current-context'], 'skiff-demo')
    assert.equal(doc.clusters[1].cluster.server, 'https://127.0.0.1:1234')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  it('keeps the current context with switchContext false, and replaces an entry of the same name', async () => {
    const path = join(dir, 'config')
    await mergeKubeconfig(path, buildKubeconfig('a', 'https://127.0.0.1:1', 'CA', 'C', 'K'), true)
    await mergeKubeconfig(path, buildKubeconfig('b', 'https://127.0.0.1:2', 'CA', 'C', 'K'), false)
    await mergeKubeconfig(path, buildKubeconfig('a', 'https://127.0.0.1:3', 'CA', 'C', 'K'), false)
    const doc: any = yaml.load(await readFile(path, 'utf8'))
    assert.equal(doc['current-context'], 'skiff-a')
    assert.deepEqual(doc.clusters.map((c: any) => c.cluster.server), ['https://127.0.0.1:3', 'https://127.0.0.1:2'])
  })

  it('removes only the named cluster and clears current-context when it pointed there; idempotent', async () => {
    const path = join(dir, 'config')
    await mergeKubeconfig(path, buildKubeconfig('a', 'https://127.0.0.1:1', 'CA', 'C', 'K'), true)
    await mergeKubeconfig(path, buildKubeconfig('b', 'https://127.0.0.1:2', 'CA', 'C', 'K'), true)
    assert.equal(await removeFromKubeconfig(path, 'b'), true)
    assert.equal(await removeFromKubeconfig(path, 'b'), false)
    const doc: any = yaml.load(await readFile(path, 'utf8'))
    assert.deepEqual(doc.contexts.map((c: any) => c.name), ['skiff-a'])
    assert.equal(doc['current-context'], '')
    assert.equal(await removeFromKubeconfig(join(dir, 'missing'), 'a'), false)
  })

  it('defaults to the first $KUBECONFIG entry', () => {
    assert.equal(defaultKubeconfigPath({KUBECONFIG: '/a/b:/c/d'}), '/a/b')
    assert.match(defaultKubeconfigPath({}), /\.kube\/config$/)
  })
})
