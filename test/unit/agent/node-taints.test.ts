// Node taints from the cluster config reach the Node the agent registers: CLI env → agent config → Node object.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {agentConfigFromEnv, parseNodeTaints} from '../../../src/agent/config.js'
import {buildNode, type NodeFacts} from '../../../src/agent/node-object.js'
import {nodeRuntime} from '../../../src/cluster/create/actions.js'
import type {CreateContext} from '../../../src/cluster/create/context.js'
import type {ClusterPKI} from '../../../src/cluster/pki.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {loadConfigFile} from '../../../src/config/load.js'

const facts = (config: ReturnType<typeof agentConfigFromEnv>): NodeFacts => ({
  name: config.nodeName,
  role: config.role,
  internalIP: config.nodeIP,
  taintControlPlane: config.taintControlPlane,
  taints: config.taints,
  capacity: {cpu: '1', memory: '1Gi', pods: '110'},
  arch: 'amd64',
  kernelVersion: '6.1.0',
  osImage: 'Debian',
  containerRuntimeVersion: 'containerd://1.6.20',
  machineID: 'm',
  systemUUID: 'u',
  bootID: 'b',
})

describe('node taints from the cluster config', () => {
  it('travel from templates/cluster.yaml through the node env to the registered Node', async () => {
    const config = await loadConfigFile(join(import.meta.dirname, '../../../templates/cluster.yaml'))
    const plan = planCluster(config, '172.30.0.0/24')
    const pair = {cert: 'C', key: 'K'}
    const pki = {ca: pair, apiServer: pair, controller: pair, scheduler: pair, proxy: pair, kubeletClient: pair, admin: pair, etcd: {ca: pair, server: pair, apiServerClient: pair}, nodes: Object.fromEntries(plan.nodes.map((n) => [n.name, pair]))} as unknown as ClusterPKI
    const ctx = {config, plan, pki, image: 'img', apiServerPort: 1234} as unknown as CreateContext
    const tainted = plan.nodes.find((n) => n.taints?.length)!
    const node = buildNode(facts(agentConfigFromEnv(nodeRuntime(ctx, tainted).env, 'worker')))
    assert.deepEqual((node.spec as {taints?: unknown}).taints, [{key: 'dedicated', value: 'batch', effect: 'PreferNoSchedule'}])
    const plain = plan.nodes.find((n) => n.role === 'worker' && !n.taints)!
    assert.equal((buildNode(facts(agentConfigFromEnv(nodeRuntime(ctx, plain).env, 'worker'))).spec as {taints?: unknown}).taints, undefined)
  })

  it("are added to the control plane's own taint", () => {
    const env = {SKIFF_NODE_NAME: 'cp', SKIFF_NODE_IP: '172.30.0.2', SKIFF_TAINT_CONTROL_PLANE: 'true', SKIFF_NODE_TAINTS: JSON.stringify([{key: 'gpu', effect: 'NoExecute'}])}
    const node = buildNode(facts(agentConfigFromEnv(env, 'control-plane')))
    assert.deepEqual((node.spec as {taints?: {key: string}[]}).taints!.map((t) => t.key), ['node-role.kubernetes.io/control-plane', 'gpu'])
  })

  it('rejects a malformed taint variable', () => {
    assert.equal(parseNodeTaints(undefined), undefined)
    assert.throws(() => parseNodeTaints('{"key":"a"}'), /SKIFF_NODE_TAINTS must be a JSON list/)
    assert.throws(() => parseNodeTaints('[{"key":"a"}]'), /SKIFF_NODE_TAINTS/)
  })
})
