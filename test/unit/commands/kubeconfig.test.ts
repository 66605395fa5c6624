// `skiff cluster kubeconfig` as glue over a fake engine: recovers admin.conf from the control plane and rewrites the server.
import assert from 'node:assert/strict'
import yaml from 'js-yaml'
import {NodeFiles} from '../../../src/api/contract.js'
import {useProviderFactory} from '../../../src/cli/provider.js'
import {buildKubeconfig, type Kubeconfig} from '../../../src/cluster/kubeconfig.js'
import {FakeProvider} from './fakes.js'
import {runSkiff} from './run.js'

const admin = buildKubeconfig('demo', 'https://127.0.0.1:6443', 'CA', 'CERT', 'KEY')

describe('skiff cluster kubeconfig', () => {
  let fake: FakeProvider
  let restore: () => void

  beforeEach(() => {
    fake = new FakeProvider(
      [{name: 'demo', apiServerPort: 40123, nodes: [{name: 'demo-control-plane', id: 'c', role: 'control-plane', state: 'running', image: 'i'}, {name: 'demo-worker', id: 'w', role: 'worker', state: 'running', image: 'i'}]}],
      {'demo-control-plane': {[NodeFiles.adminKubeconfig]: yaml.dump(admin)}},
    )
    restore = useProviderFactory(() => fake)
  })
  afterEach(() => restore())

  it('prints the admin kubeconfig pointed at the published host port', async () => {
    const {stdout, error} = await runSkiff(['cluster', 'kubeconfig', 'demo'])
    assert.equal(error, undefined)
    const printed = yaml.load(stdout) as Kubeconfig
    assert.equal(printed.clusters[0].cluster.server, 'https://127.0.0.1:40123')
    assert.equal(printed.users[0].user['client-key-data'], Buffer.from('KEY').toString('base64'))
    assert.ok(fake.calls.includes(`readFile demo-control-plane ${NodeFiles.adminKubeconfig}`))
  })

  it('addresses the control-plane node by name with --internal, and returns the config with --json', async () => {
    const {stdout, result} = await runSkiff<Kubeconfig>(['cluster', 'kubeconfig', 'demo', '--internal', '--json'])
    assert.equal(result?.clusters[0].cluster.server, 'https://demo-control-plane:6443')
    assert.equal(JSON.parse(stdout).clusters[0].cluster.server, 'https://demo-control-plane:6443')
  })

  it('fails with exit code 4 for a cluster that does not exist', async () => {
    const {error} = await runSkiff(['cluster', 'kubeconfig', 'nope'])
    assert.match(error?.message ?? '', /cluster "nope" does not exist/)
    assert.equal(error?.oclif?.exit, 4)
  })
})
