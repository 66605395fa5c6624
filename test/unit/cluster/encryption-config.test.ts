// `cluster create` gives each cluster its own EncryptionConfiguration, on the control plane only.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {NodeFiles} from '../../../src/api/contract.js'
import {nodeRuntime} from '../../../src/cluster/create/actions.js'
import type {CreateContext} from '../../../src/cluster/create/context.js'
import {createClusterPKI} from '../../../src/cluster/pki.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {loadConfigFile} from '../../../src/config/load.js'
import {parseEncryptionConfig} from '../../../src/store/encryption.js'

describe('the per-cluster encryption config', () => {
  it('holds a fresh 32-byte AES-GCM key for secrets, then identity', async () => {
    const opts = {clusterName: 'a', controlPlaneName: 'a-cp', controlPlaneIP: '172.30.0.2', serviceIP: '10.96.0.1', nodeNames: ['a-cp']}
    const [one, two] = [await createClusterPKI(opts), await createClusterPKI(opts)]
    const doc = yaml.load(one.encryptionConfig) as {resources: Array<{resources: string[]; providers: Array<{aesgcm?: {keys: Array<{name: string; secret: string}>}; identity?: object}>}>}
    assert.deepEqual(doc.resources[0].resources, ['secrets'])
    assert.equal(Buffer.from(doc.resources[0].providers[0].aesgcm!.keys[0].secret, 'base64').length, 32)
    assert.deepEqual(doc.resources[0].providers[1], {identity: {}})
    assert.notEqual(one.encryptionConfig, two.encryptionConfig)
    assert.equal(parseEncryptionConfig(one.encryptionConfig).toStorage('/registry/core/secrets/d/x', Buffer.from('{}')).subarray(0, 8).toString(), 'k8s:enc:')
  })

  it('is written into the control-plane node only', async () => {
    const config = await loadConfigFile(join(import.meta.dirname, '../../../templates/cluster.yaml'))
    const plan = planCluster(config, '172.30.0.0/24')
    const pair = {cert: 'C', key: 'K'}
    const pki = {ca: pair, apiServer: pair, controller: pair, scheduler: pair, proxy: pair, kubeletClient: pair, admin: pair, nodes: Object.fromEntries(plan.nodes.map((n) => [n.name, pair])), etcd: {ca: pair, server: pair, apiServerClient: pair}, encryptionConfig: 'CONFIG'}
    const ctx = {config, plan, pki, image: 'img', apiServerPort: 1234} as unknown as CreateContext
    assert.equal(nodeRuntime(ctx, plan.controlPlane).files[NodeFiles.encryptionConfig], 'CONFIG')
    const worker = plan.nodes.find((n) => n.role === 'worker')
    assert.ok(worker, 'the template has a worker')
    assert.equal(nodeRuntime(ctx, worker).files[NodeFiles.encryptionConfig], undefined)
    // etcd's credentials go to the control plane only, with etcdctl's environment pointing at them.
    const cp = nodeRuntime(ctx, plan.controlPlane)
    assert.equal(cp.files[NodeFiles.etcdClientKey], 'K')
    assert.equal(cp.env.ETCDCTL_CERT, NodeFiles.etcdClientCert)
    assert.equal(nodeRuntime(ctx, worker).files[NodeFiles.etcdServerKey], undefined)
  })
})
