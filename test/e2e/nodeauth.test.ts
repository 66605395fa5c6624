// End to end: least privilege for the cluster's own components: a worker reads only its own pods' Secrets, the agent's :10250 refuses anonymous callers, and logs/exec still work.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {NodeFiles, NodePorts} from '../../src/api/contract.js'
import {createSharedCluster, deleteClusterHard, kubectlFor} from '../helpers/cli.js'

const name = `na${process.pid % 100000}`
const cp = `${name}-control-plane`
const IMAGE = 'skiff/busybox:test'
const NS = 'na'

/** One HTTPS request from inside a node container (the cluster network is reached only that way), with or without the node's own client certificate. */
const REQUEST = `
const https = require('node:https'), fs = require('node:fs')
const [url, method, withCert, body] = process.argv.slice(1)
const o = {method, rejectUnauthorized: false, headers: {'Content-Type': 'application/merge-patch+json', Accept: 'application/json'}}
if (withCert === 'cert') Object.assign(o, {cert: fs.readFileSync('${NodeFiles.nodeCert}'), key: fs.readFileSync('${NodeFiles.nodeKey}')})
const req = https.request(url, o, (res) => { let d = ''; res.on('data', (c) => d += c); res.on('end', () => console.log(JSON.stringify({code: res.statusCode, body: d}))) })
req.on('error', (e) => { console.log(JSON.stringify({code: 0, body: String(e)})) })
req.end(body || undefined)
`

async function fromNode(node: string, url: string, opts: {method?: string; cert?: boolean; body?: object} = {}): Promise<{code: number; body: string}> {
  const args = ['exec', node, 'node', '-e', REQUEST, url, opts.method ?? 'GET', opts.cert === false ? 'anonymous' : 'cert', opts.body ? JSON.stringify(opts.body) : '']
  const {stdout} = await promisify(execFile)('docker', args, {timeout: 30_000})
  return JSON.parse(stdout.trim())
}

describe('least privilege for components (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let nodeA: string
  let nodeB: string
  let ipA: string
  let cpIP: string
  const api = (path: string) => `https://${cpIP}:${NodePorts.apiServer}${path}`

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-na-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, IMAGE)
    const nodes = (await k.json(['get', 'nodes'])).items as {metadata: {name: string}; status: {addresses: {type: string; address: string}[]}}[]
    const workers = nodes.filter((n) => !n.metadata.name.endsWith('-control-plane')).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    assert.equal(workers.length, 2, 'two workers')
    ;[nodeA, nodeB] = workers.map((w) => w.metadata.name)
    const ipOf = (n: (typeof nodes)[number]) => n.status.addresses.find((a) => a.type === 'InternalIP')!.address
    ipA = ipOf(workers[0])
    cpIP = ipOf(nodes.find((n) => n.metadata.name === cp)!)
    const docs = [
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS}},
      {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'only-a', namespace: NS}, stringData: {token: 'for-node-a-only'}},
      {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'holder', namespace: NS}, spec: {
        terminationGracePeriodSeconds: 0, nodeName: nodeA,
        containers: [{name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo holder-started; exec sleep 3600'], volumeMounts: [{name: 's', mountPath: '/s'}]}],
        volumes: [{name: 's', secret: {secretName: 'only-a'}}],
      }},
    ]
    const r = await k.run(['apply', '-f', '-'], docs.map((d) => `---\n${JSON.stringify(d)}`).join('\n'))
    assert.equal(r.code, 0, r.stderr)
    const ready = await k.run(['-n', NS, 'wait', '--for=condition=Ready', 'pod/holder', '--timeout=120s'])
    assert.equal(ready.code, 0, `the agent mounts its pod's Secret under the Node authorizer: ${ready.stderr}`)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('the admin is kubernetes-admin in kubeadm:cluster-admins, not system:masters', async () => {
    const who = await k.json(['auth', 'whoami'])
    const user = (who.status as {userInfo: {username: string; groups: string[]}}).userInfo
    assert.equal(user.username, 'kubernetes-admin')
    assert.ok(user.groups.includes('kubeadm:cluster-admins'), String(user.groups))
    assert.ok(!user.groups.includes('system:masters'), String(user.groups))
  })

  it('worker B cannot read the Secret used only by a pod on worker A (403), worker A can (200)', async () => {
    const path = api(`/api/v1/namespaces/${NS}/secrets/only-a`)
    const b = await fromNode(nodeB, path)
    assert.equal(b.code, 403, b.body)
    assert.match(JSON.parse(b.body).message, new RegExp(`User "system:node:${nodeB}" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node '${nodeB}' and this object`))
    const a = await fromNode(nodeA, path)
    assert.equal(a.code, 200, a.body)
    assert.equal(Buffer.from(JSON.parse(a.body).data.token, 'base64').toString(), 'for-node-a-only')
    // Nor can any node list Secrets: only named reads of related objects.
    const list = await fromNode(nodeA, api(`/api/v1/namespaces/${NS}/secrets`))
    assert.equal(list.code, 403, list.body)
  })

  it('NodeRestriction: worker B may not modify worker A, nor its own restricted labels', async () => {
    const other = await fromNode(nodeB, api(`/api/v1/nodes/${nodeA}`), {method: 'PATCH', body: {metadata: {labels: {evil: 'yes'}}}})
    assert.equal(other.code, 403, other.body)
    assert.match(JSON.parse(other.body).message, new RegExp(`node "${nodeB}" is not allowed to modify node "${nodeA}"`))
    const own = await fromNode(nodeB, api(`/api/v1/nodes/${nodeB}`), {method: 'PATCH', body: {metadata: {labels: {'node-restriction.kubernetes.io/pool': 'x'}}}})
    assert.equal(own.code, 403, own.body)
    assert.match(JSON.parse(own.body).message, /is not allowed to modify labels: node-restriction.kubernetes.io\/pool/)
  })

  it("the agent's :10250 answers 401 to an anonymous client and 403 to another node; kubectl logs and exec still work", async () => {
    const url = `https://${ipA}:${NodePorts.agent}/pods`
    const anonymous = await fromNode(nodeB, url, {cert: false})
    assert.equal(anonymous.code, 401, anonymous.body)
    const otherNode = await fromNode(nodeB, url)
    assert.equal(otherNode.code, 403, otherNode.body)
    assert.match(otherNode.body, new RegExp(`user=system:node:${nodeB}, verb=get, resource=nodes, subresource=proxy`))
    // The apiserver's kubelet client is allowed (system:kubelet-api-admin).
    const logs = await k.run(['-n', NS, 'logs', 'holder'])
    assert.equal(logs.code, 0, logs.stderr)
    assert.match(logs.stdout, /holder-started/)
    const exec = await k.run(['-n', NS, 'exec', 'holder', '--', 'cat', '/s/token'])
    assert.equal(exec.code, 0, exec.stderr)
    assert.equal(exec.stdout, 'for-node-a-only')
  })
})
