// `skiff cluster delete` and `cluster create`'s refusal, as glue over a fake engine and a scratch kubeconfig.
import assert from 'node:assert/strict'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {useProviderFactory} from '../../../src/cli/provider.js'
import type {DeleteResult} from '../../../src/cluster/delete.js'
import {buildKubeconfig, mergeKubeconfig, type Kubeconfig} from '../../../src/cluster/kubeconfig.js'
import {FakeProvider} from './fakes.js'
import {runSkiff} from './run.js'

const cluster = (name: string) => ({name, nodes: [{name: `${name}-control-plane`, id: name, role: 'control-plane' as const, state: 'running', image: 'i'}]})

describe('skiff cluster delete / create (fake engine)', () => {
  let fake: FakeProvider
  let restore: () => void
  let dir: string
  let kubeconfig: string

  beforeEach(async () => {
    fake = new FakeProvider([cluster('demo'), cluster('ci')])
    restore = useProviderFactory(() => fake)
    dir = await mkdtemp(join(tmpdir(), 'skiff-cmd-'))
    kubeconfig = join(dir, 'config')
    await mergeKubeconfig(kubeconfig, buildKubeconfig('demo', 'https://127.0.0.1:1', 'CA', 'C', 'K'), true)
    await mergeKubeconfig(kubeconfig, buildKubeconfig('ci', 'https://127.0.0.1:2', 'CA', 'C', 'K'), false)
  })
  afterEach(async () => {
    restore()
    await rm(dir, {recursive: true, force: true})
  })

  it('delete removes the named cluster and its kubeconfig entries only', async () => {
    const {stdout, result} = await runSkiff<{deleted: DeleteResult[]}>(['cluster', 'delete', 'demo', '--kubeconfig', kubeconfig])
    assert.match(stdout, /Deleted cluster "demo" \(1 containers, 1 volumes, 1 network\)/)
    assert.deepEqual(result?.deleted.map((d) => [d.name, d.existed, d.kubeconfigEntries]), [['demo', true, true]])
    assert.deepEqual(fake.clusters.map((c) => c.name), ['ci'])
    const kc = yaml.load(await readFile(kubeconfig, 'utf8')) as Kubeconfig
    assert.deepEqual(kc.contexts.map((c) => c.name), ['skiff-ci'])
  })

  it('delete --all removes every cluster; a missing name succeeds saying so', async () => {
    await runSkiff(['cluster', 'delete', '--all', '--kubeconfig', kubeconfig])
    assert.deepEqual(fake.clusters, [])
    const again = await runSkiff(['cluster', 'delete', 'demo', '--kubeconfig', kubeconfig])
    assert.equal(again.error, undefined)
    assert.match(again.stdout, /Cluster "demo" does not exist; nothing to delete/)
  })

  it('create refuses an existing name with exit code 4 before making anything', async () => {
    const {error} = await runSkiff(['cluster', 'create', 'demo', '--kubeconfig', kubeconfig])
    assert.match(error?.message ?? '', /cluster "demo" already exists/)
    assert.equal(error?.oclif?.exit, 4)
    assert.deepEqual(fake.calls, ['ping', 'getCluster demo', 'networks'])
  })
})
