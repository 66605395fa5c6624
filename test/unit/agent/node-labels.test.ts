// Node labels from the cluster config reach the Node the agent registers: CLI env → agent config → Node object.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {agentConfigFromEnv, parseNodeLabels} from '../../../src/agent/config.js'
import {buildNode, mergeNodeOnRegister, type NodeFacts} from '../../../src/agent/node-object.js'
import {nodeRuntime} from '../../../src/cluster/create/actions.js'
import type {CreateContext} from '../../../src/cluster/create/context.js'
import type {ClusterPKI} from '../../../src/cluster/pki.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {loadConfigFile} from '../../../src/config/load.js'

const facts = (config: ReturnType<typeof agentConfigFromEnv>): NodeFacts => ({
  name: config.nodeName,
  role: config.role,
  internalIP: config.nodeIP,
  podCIDR: config.podCIDR,
  taintControlPlane: config.taintControlPlane,
  labels: config.labels,
  capacity: {cpu: '2', memory: '4Gi', pods: '110'},
  arch: 'amd64',
  kernelVersion: '6.1.0',
  osImage: 'Debian',
  containerRuntimeVersion: 'containerd://1.6.20',
  machineID: 'm',
  systemUUID: 'u',
  bootID: 'b',
})

describe('node labels from the cluster config', () => {
  it('travel from templates/cluster.yaml through the node env to the registered Node', async () => {
    const config = await loadConfigFile(join(import.meta.dirname, '../../../templates/cluster.yaml'))
    const plan = planCluster(config, '172.30.0.0/24')
    const pair = {cert: 'C', key: 'K'}
    const pki = {ca: pair, apiServer: pair, controller: pair, scheduler: pair, proxy: pair, kubeletClient: pair, admin: pair, nodes: Object.fromEntries(plan.nodes.map((n) => [n.name, pair]))} as unknown as ClusterPKI
    const ctx = {config, plan, pki, image: 'img', apiServerPort: 1234} as unknown as CreateContext
    const labelled = plan.nodes.find((n) => n.labels.tier === 'web')
    assert.ok(labelled, 'the template has a worker labelled tier=web')
    const node = buildNode(facts(agentConfigFromEnv(nodeRuntime(ctx, labelled).env, labelled.role)))
    assert.equal(node.metadata.labels!.tier, 'web')
    assert.equal(node.metadata.labels!['kubernetes.io/hostname'], labelled.name)

    const plain = plan.nodes.find((n) => n.role === 'worker' && n !== labelled)!
    const other = buildNode(facts(agentConfigFromEnv(nodeRuntime(ctx, plain).env, 'worker')))
    assert.equal(other.metadata.labels!.tier, undefined)
  })

  it('are added to an existing Node on re-registration, and the agent-owned labels win', () => {
    const env = {SKIFF_NODE_NAME: 'w1', SKIFF_NODE_IP: '172.30.0.3', SKIFF_NODE_LABELS: JSON.stringify({tier: 'web', 'kubernetes.io/hostname': 'spoof'})}
    const f = facts(agentConfigFromEnv(env, 'worker'))
    assert.equal(buildNode(f).metadata.labels!['kubernetes.io/hostname'], 'w1')
    const existing = {...buildNode({...f, labels: undefined}), metadata: {name: 'w1', uid: 'u1', labels: {team: 'a'}}}
    const merged = mergeNodeOnRegister(existing, f)
    assert.equal(merged?.metadata.labels!.tier, 'web')
    assert.equal(merged?.metadata.labels!.team, 'a')
  })

  it('rejects a malformed label variable instead of registering a node without them', () => {
    assert.equal(parseNodeLabels(undefined), undefined)
    assert.deepEqual(parseNodeLabels('{"a":"b"}'), {a: 'b'})
    assert.throws(() => parseNodeLabels('[1]'), /SKIFF_NODE_LABELS must be a JSON object of strings/)
    assert.throws(() => parseNodeLabels('{"a":1}'), /SKIFF_NODE_LABELS/)
    assert.throws(() => parseNodeLabels('tier=web'), /SKIFF_NODE_LABELS/)
  })
})
