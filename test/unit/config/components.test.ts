// Optional built-in components: the config's `components` section is decoded strictly, reaches every node's
// environment, and turns off what the CLI reserves on the host, what the apiserver bootstraps and which loops run.
import assert from 'node:assert/strict'
import {disabledComponents, NodeEnv, OPTIONAL_COMPONENTS} from '../../../src/api/contract.js'
import {nodeRuntime, preflight} from '../../../src/cluster/create/actions.js'
import type {CreateContext} from '../../../src/cluster/create/context.js'
import type {ClusterPKI} from '../../../src/cluster/pki.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {configFromFlags, decodeConfigText} from '../../../src/config/load.js'
import {renderConfig} from '../../../src/config/render.js'
import {clusterConfigSchema} from '../../../src/config/schema.js'
import type {ClusterConfig} from '../../../src/config/types.js'
import {defaultControllers, enabledControllers} from '../../../src/controllers/registry.js'
import {MemoryStore} from '../../../src/store/index.js'
import {startTestServer} from '../../helpers/apiserver.js'
import {FakeProvider} from '../commands/fakes.js'

const head = ['apiVersion: skiff.dev/v1alpha1', 'kind: Cluster', 'nodes:', '  - role: control-plane', '  - role: worker']
const load = (...lines: string[]) => decodeConfigText([...head, ...lines, ''].join('\n'), 'c.yaml')

/** The node environments `cluster create` would give each node of a config. */
function nodeEnvs(config: ClusterConfig): Record<string, string>[] {
  const plan = planCluster(config, '172.30.0.0/24')
  const pair = {cert: 'C', key: 'K'}
  const pki = {ca: pair, apiServer: pair, controller: pair, scheduler: pair, proxy: pair, kubeletClient: pair, admin: pair, etcd: {ca: pair, server: pair, apiServerClient: pair}, nodes: Object.fromEntries(plan.nodes.map((n) => [n.name, pair]))} as unknown as ClusterPKI
  const ctx = {config, plan, pki, image: 'img', apiServerPort: 1234} as unknown as CreateContext
  return plan.nodes.map((n) => nodeRuntime(ctx, n).env)
}

describe('optional components in the cluster config', () => {
  it('are all on by default and turned off one by one with false', () => {
    assert.deepEqual(load().components, {dns: true, ingress: true, loadBalancer: true, networkPolicy: true, storage: true})
    const c = load('components:', '  dns: false', '  ingress: false', '  storage: true')
    assert.deepEqual(c.components, {dns: false, ingress: false, loadBalancer: true, networkPolicy: true, storage: true})
    assert.deepEqual(load('components: {}').components, load().components)
  })

  it('refuse an unknown component and a value that is not a boolean, naming the line', () => {
    assert.throws(() => load('components:', '  dns: false', '  traefik: false'), (err: Error) => {
      assert.match(err.message, /^invalid cluster config c\.yaml:8: unknown field "components\.traefik" \(allowed: dns, ingress, loadBalancer, networkPolicy, storage\)/)
      return true
    })
    assert.throws(() => load('components:', '  loadBalancer: 0'), /c\.yaml:7: components\.loadBalancer must be true or false, got 0/)
    assert.throws(() => load('components:', '  dns: "false"'), /c\.yaml:7: components\.dns must be true or false, got "false"/)
    assert.throws(() => load('components: [dns]'), /c\.yaml:6: components must be a mapping/)
  })

  it('are the names the schema lists', () => {
    assert.deepEqual(Object.keys(clusterConfigSchema.properties!.components.properties!), [...OPTIONAL_COMPONENTS])
  })

  it('--disable turns off on top of the file, never on, and refuses unknown names', () => {
    const base = load('components:', '  storage: false')
    const c = configFromFlags(base, {disable: ['dns']})
    assert.deepEqual(c.components, {dns: false, ingress: true, loadBalancer: true, networkPolicy: true, storage: false})
    assert.equal(base.components.dns, true, 'the loaded config is not changed')
    assert.throws(() => configFromFlags(undefined, {disable: ['coredns']}), /--disable coredns: unknown component \(known: dns, ingress, loadBalancer, networkPolicy, storage\)/)
  })

  it('reach every node as SKIFF_DISABLE, which the node parts read back', () => {
    const off = nodeEnvs(load('components:', '  ingress: false', '  dns: false', '  networkPolicy: false'))
    assert.equal(off.length, 2)
    for (const env of off) {
      assert.equal(env[NodeEnv.disable], 'dns,ingress,networkPolicy')
      assert.deepEqual([...disabledComponents(env)], ['dns', 'ingress', 'networkPolicy'])
    }
    const on = nodeEnvs(load())
    for (const env of on) {
      assert.equal(env[NodeEnv.disable], undefined)
      assert.equal(disabledComponents(env).size, 0)
    }
    // A name from a newer CLI is ignored rather than failing the node.
    assert.deepEqual([...disabledComponents({[NodeEnv.disable]: 'storage, metrics'})], ['storage'])
  })

  it('without ingress no host ports are reserved and the control plane gets no Ingress ports; without loadBalancer no host engine', async () => {
    const provider = new FakeProvider()
    Object.assign(provider, {networks: async () => ({names: [], subnets: []}), containerExists: async () => false, hostSocket: async () => '/var/run/docker.sock'})
    const run = async (config: ClusterConfig) => {
      const ctx = {config, provider, opts: {}, startedAt: 0, milestones: {}} as unknown as CreateContext
      await preflight(ctx)
      return ctx
    }
    const off = await run(load('components:', '  ingress: false', '  loadBalancer: false'))
    assert.equal(off.ingressPorts, undefined)
    assert.equal(off.hostDockerSocket, undefined)
    const on = await run(load('networking:', '  ingressHTTPPort: 0', '  ingressHTTPSPort: 0'))
    assert.ok(on.ingressPorts!.http > 0 && on.ingressPorts!.https > 0)
    assert.equal(on.hostDockerSocket, '/var/run/docker.sock')
  })

  it('storage off drops the local-path provisioner and nothing else', () => {
    const all = Object.keys(defaultControllers)
    assert.deepEqual(enabledControllers(new Set()), all)
    assert.deepEqual(enabledControllers(new Set(['storage'])), all.filter((n) => n !== 'local-path-provisioner'))
    assert.ok(enabledControllers(new Set(['storage'])).includes('persistentvolume-binder'))
  })

  it("the apiserver bootstraps no kube-dns Service, IngressClass or StorageClass for components turned off", async () => {
    const off = await startTestServer(new MemoryStore(), {disabledComponents: new Set(['dns', 'ingress', 'storage'])})
    const on = await startTestServer(new MemoryStore())
    try {
      assert.equal((await off.request('GET', '/api/v1/namespaces/kube-system/services/kube-dns')).status, 404)
      assert.deepEqual((await off.request('GET', '/apis/networking.k8s.io/v1/ingressclasses')).json.items, [])
      assert.deepEqual((await off.request('GET', '/apis/storage.k8s.io/v1/storageclasses')).json.items, [])
      // The rest is there as always.
      assert.equal((await off.request('GET', '/api/v1/namespaces/default/services/kubernetes')).status, 200)
      assert.equal((await on.request('GET', '/api/v1/namespaces/kube-system/services/kube-dns')).json.spec.clusterIP, '10.96.0.10')
      assert.equal((await on.request('GET', '/apis/networking.k8s.io/v1/ingressclasses')).json.items.length, 1)
      assert.equal((await on.request('GET', '/apis/storage.k8s.io/v1/storageclasses')).json.items.length, 1)
    } finally {
      await off.close()
      await on.close()
    }
  })

  it('config init writes the components it turns off', () => {
    const text = renderConfig({name: 'dev', workers: 1, disable: ['ingress', 'storage']})
    assert.match(text, /components:\n {2}ingress: false\n {2}storage: false\n/)
    assert.deepEqual(decodeConfigText(text, 'x').components, {dns: true, ingress: false, loadBalancer: true, networkPolicy: true, storage: false})
    assert.doesNotMatch(renderConfig({name: 'dev', workers: 1}), /components/)
  })
})
