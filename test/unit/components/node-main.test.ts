// In-process control plane: apiserver (MemoryStore) + controller manager + agent with a fake runtime probe; the node turns Ready,
// its lease is renewed, a silent node goes Unknown, and the agent restores its own Ready.
import assert from 'node:assert/strict'
import {createPublicKey} from 'node:crypto'
import https from 'node:https'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {KubeObject} from '../../../src/api/types.js'
import {ApiClient} from '../../../src/client/api-client.js'
import {freePort} from '../../../src/cluster/create/actions.js'
import {createClusterPKI, type ClusterPKI} from '../../../src/cluster/pki.js'
import {clusterRanges} from '../../../src/api/contract.js'
import {runNode, type RunningNode} from '../../../src/components/node-main.js'
import {MemoryStore} from '../../../src/store/index.js'
import {waitFor} from '../../helpers/wait.js'

const cond = (node: KubeObject, type: string) => node.status?.conditions?.find((c: any) => c.type === type)

describe('control-plane node components (in-process)', function () {
  this.timeout(30000)
  const NAME = 'dev-control-plane'
  let pki: ClusterPKI
  let dir: string
  const WORKER = 'dev-worker'
  let node: RunningNode
  let worker: RunningNode
  let workerDir: string
  let admin: ApiClient
  const lines: string[] = []

  before(async () => {
    pki = await createClusterPKI({clusterName: 'dev', controlPlaneName: NAME, controlPlaneIP: '127.0.0.1', serviceIP: '10.96.0.1', nodeNames: [NAME, WORKER]})
    dir = await mkdtemp(join(tmpdir(), 'skiff-node-'))
    const files: Record<string, string> = {
      'ca.crt': pki.ca.cert,
      'ca.key': pki.ca.key,
      'apiserver.crt': pki.apiServer.cert,
      'apiserver.key': pki.apiServer.key,
      'node.crt': pki.nodes[NAME].cert,
      'node.key': pki.nodes[NAME].key,
      'controller.crt': pki.controller.cert,
      'controller.key': pki.controller.key,
      'scheduler.crt': pki.scheduler.cert,
      'scheduler.key': pki.scheduler.key,
      'apiserver-kubelet-client.crt': pki.kubeletClient.cert,
      'apiserver-kubelet-client.key': pki.kubeletClient.key,
      'proxy.crt': pki.proxy.cert,
      'proxy.key': pki.proxy.key,
    }
    for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text)
    const port = await freePort('127.0.0.1')
    // The worker starts first, as it may in a real cluster: it must keep trying until the apiserver answers.
    workerDir = await mkdtemp(join(tmpdir(), 'skiff-worker-'))
    for (const [f, text] of Object.entries({'ca.crt': pki.ca.cert, 'node.crt': pki.nodes[WORKER].cert, 'node.key': pki.nodes[WORKER].key})) await writeFile(join(workerDir, f), text)
    worker = await runNode({
      agentServerPort: null,
      role: 'worker',
      pkiDir: workerDir,
      env: {SKIFF_NODE_NAME: WORKER, SKIFF_NODE_IP: '172.30.0.3', SKIFF_POD_CIDR: '10.244.1.0/24', SKIFF_APISERVER: `https://127.0.0.1:${port}`, SKIFF_TAINT_CONTROL_PLANE: 'true'},
      runtime: {ping: async () => {}, version: async () => 'containerd://1.6.20'},
      agentTimings: {leaseRenewMs: 200},
      logWriter: (l) => lines.push(`[worker] ${l}`),
    })
    const t0 = Date.now()
    node = await runNode({
      agentServerPort: null,
      role: 'control-plane',
      pkiDir: dir,
      store: new MemoryStore(),
      apiServerPort: port,
      apiServerHost: '127.0.0.1',
      env: {
        SKIFF_NODE_NAME: NAME,
        SKIFF_NODE_IP: '172.30.0.2',
        SKIFF_POD_CIDR: '10.244.0.0/24',
        SKIFF_SERVICE_CIDR: '10.96.0.0/16',
        SKIFF_TAINT_CONTROL_PLANE: 'true',
        SKIFF_NODE_GRACE_PERIOD: '1',
      },
      runtime: {ping: async () => {}, version: async () => 'containerd://1.6.20'},
      agentTimings: {leaseRenewMs: 200},
      logWriter: (l) => lines.push(l),
    })
    await node.ready
    lines.push(`ready in ${Date.now() - t0} ms`)
    admin = new ApiClient({server: `https://127.0.0.1:${port}`, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key})
  })

  after(async () => {
    admin?.close()
    await worker?.stop()
    await node?.stop()
    await rm(dir, {recursive: true, force: true})
    await rm(workerDir, {recursive: true, force: true})
    if (process.env.SKIFF_TEST_VERBOSE) console.log(lines.join(''))
  })

  it('registers the node Ready with labels, taint, capacity and nodeInfo', async () => {
    const n = await admin.get({version: 'v1', resource: 'nodes', name: NAME})
    assert.equal(cond(n, 'Ready')?.status, 'True')
    assert.equal(cond(n, 'Ready')?.reason, 'KubeletReady')
    assert.equal(n.metadata.labels!['node-role.kubernetes.io/control-plane'], '')
    assert.deepEqual(n.spec.taints, [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
    assert.equal(n.spec.podCIDR, '10.244.0.0/24')
    assert.equal(n.status.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20')
    assert.ok(n.status.capacity.cpu && n.status.capacity.memory)
    assert.deepEqual(n.status.addresses[0], {type: 'InternalIP', address: '172.30.0.2'})
  })

  it('registers a worker that started before the apiserver, without role label or taint', async () => {
    await worker.ready
    const n = await admin.get({version: 'v1', resource: 'nodes', name: WORKER})
    assert.equal(cond(n, 'Ready')?.status, 'True')
    assert.equal(n.metadata.labels!['node-role.kubernetes.io/control-plane'], undefined)
    assert.equal(n.spec.taints, undefined)
    assert.equal(n.spec.podCIDR, '10.244.1.0/24')
  })

  it('renews its lease, owned by the node', async () => {
    const ref = {group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease', name: NAME}
    const first = await admin.get(ref)
    assert.equal(first.spec.holderIdentity, NAME)
    assert.match(first.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    assert.equal(first.metadata.ownerReferences?.[0].kind, 'Node')
    await waitFor('a lease renewal', async () => (await admin.get(ref)).spec.renewTime !== first.spec.renewTime, 3000, 50)
  })

  it('marks a node without heartbeats Unknown and taints it unreachable', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const ghost = await admin.create({version: 'v1', resource: 'nodes'}, {apiVersion: 'v1', kind: 'Node', metadata: {name: 'ghost'}})
    await admin.update({version: 'v1', resource: 'nodes', name: 'ghost', subresource: 'status'}, {
      ...ghost,
      status: {conditions: [{type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now}]},
    })
    const marked = await waitFor('ghost to turn Unknown', async () => {
        const n = await admin.get({version: 'v1', resource: 'nodes', name: 'ghost'})
        return cond(n, 'Ready')?.status === 'Unknown' && n.spec.taints?.length === 2 && n
      }, 5000, 50)
    assert.equal(cond(marked, 'Ready').reason, 'NodeStatusUnknown')
    assert.deepEqual(
      marked.spec.taints.map((t: any) => `${t.key}:${t.effect}`),
      ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
    )
    // Meanwhile the live node (renewing every 200 ms, grace 1 s) is untouched.
    const live = await admin.get({version: 'v1', resource: 'nodes', name: NAME})
    assert.equal(cond(live, 'Ready').status, 'True')
    assert.equal(live.spec.taints.length, 1)
  })

  it('restores Ready when something marks the live node Unknown', async () => {
    const n = await admin.get({version: 'v1', resource: 'nodes', name: NAME})
    const conditions = n.status.conditions.map((c: any) => (c.type === 'Ready' ? {...c, status: 'Unknown', reason: 'NodeStatusUnknown'} : c))
    await admin.update({version: 'v1', resource: 'nodes', name: NAME, subresource: 'status'}, {...n, status: {...n.status, conditions}})
    await waitFor('Ready again', async () => cond(await admin.get({version: 'v1', resource: 'nodes', name: NAME}), 'Ready')?.status === 'True', 3000, 50)
  })

  it('signs service-account tokens with the cluster CA key, published in /openid/v1/jwks', async () => {
    const {port} = admin.server
    const text = await new Promise<string>((resolve, reject) => {
      https.get({host: '127.0.0.1', port, path: '/openid/v1/jwks', ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key}, (res) => {
        let body = ''
        res.on('data', (d) => { body += d })
        res.on('end', () => resolve(body))
      }).on('error', reject)
    })
    const caJwk = createPublicKey(pki.ca.key).export({format: 'jwk'})
    const [key] = JSON.parse(text).keys
    assert.deepEqual({x: key.x, y: key.y, alg: key.alg}, {x: caJwk.x, y: caJwk.y, alg: 'ES256'})
  })

  it('takes the service range from the node environment, or the default', () => {
    const serviceCIDROf = (env: NodeJS.ProcessEnv) => clusterRanges(env).serviceCIDR
    assert.equal(serviceCIDROf({SKIFF_SERVICE_CIDR: '10.100.0.0/16'}), '10.100.0.0/16')
    assert.equal(serviceCIDROf({SKIFF_SERVICE_CIDR: 'nonsense'}), '10.96.0.0/16')
    assert.equal(serviceCIDROf({}), '10.96.0.0/16')
  })
})
