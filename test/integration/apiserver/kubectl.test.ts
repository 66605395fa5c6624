// Acceptance: real kubectl v1.32 against the apiserver over a real local etcd.
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

describe('kubectl against the apiserver (etcd)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args])).stdout

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store)
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-'))
    await writeKubeconfig(join(dir, 'config'), server)
  })
  after(async () => {
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('version, api-resources, get ns', async () => {
    assert.match(await kubectl('version'), /Server Version: v1\.32/)
    const resources = await kubectl('api-resources')
    assert.match(resources, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/)
    assert.match(await kubectl('get', 'ns'), /kube-system\s+Active/)
  })

  it('auth whoami shows the certificate\'s user and groups', async () => {
    const who = await kubectl('auth', 'whoami')
    assert.match(who, /Username\s+admin/)
    assert.match(who, /Groups\s+\[system:masters system:authenticated\]/)
    const asJson = JSON.parse(await kubectl('auth', 'whoami', '-o', 'json'))
    assert.equal(asJson.status.userInfo.username, 'admin')
  })

  it('services get a cluster IP and node ports; a taken address is refused with 422; apply keeps what was allocated', async () => {
    await kubectl('create', 'service', 'nodeport', 'web', '--tcp=80:8080')
    const web = JSON.parse(await kubectl('get', 'svc', 'web', '-o', 'json'))
    assert.match(web.spec.clusterIP, /^10\.96\.\d+\.\d+$/)
    assert.deepEqual(web.spec.clusterIPs, [web.spec.clusterIP])
    const nodePort = web.spec.ports[0].nodePort
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`)
    assert.match(await kubectl('get', 'svc', 'web'), new RegExp(`NodePort\\s+${web.spec.clusterIP.replace(/\./g, '\\.')}\\s+<none>\\s+80:${nodePort}/TCP`))
    const clash = await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), 'create', 'service', 'clusterip', 'other', '--tcp=80', `--clusterip=${web.spec.clusterIP}`]).catch((e) => e)
    assert.match(String(clash.stderr), new RegExp(`spec\\.clusterIPs: Invalid value: \\[\\]string\\{"${web.spec.clusterIP.replace(/\./g, '\\.')}"\\}: failed to allocate IP ${web.spec.clusterIP.replace(/\./g, '\\.')}: provided IP is already allocated`))
    // kubectl apply of a manifest without clusterIP or nodePort (as written by hand) keeps both.
    const manifest = JSON.stringify({apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {type: 'NodePort', selector: {app: 'web'}, ports: [{name: '80-8080', port: 80, targetPort: 8080}]}})
    await writeFile(join(dir, 'svc.json'), manifest)
    await kubectl('apply', '-f', join(dir, 'svc.json'))
    const after = JSON.parse(await kubectl('get', 'svc', 'web', '-o', 'json'))
    assert.equal(after.spec.clusterIP, web.spec.clusterIP)
    assert.equal(after.spec.ports[0].nodePort, nodePort)
    assert.deepEqual(after.spec.selector, {app: 'web'})
    await kubectl('delete', 'svc', 'web')
  })

  it('create, get -o yaml, label, annotate, patch (merge, json, strategic), delete', async () => {
    assert.match(await kubectl('create', 'configmap', 'x', '--from-literal=a=b'), /configmap\/x created/)
    assert.match(await kubectl('get', 'cm', 'x', '-o', 'yaml'), /a: b/)
    await kubectl('label', 'cm', 'x', 'tier=fe')
    await kubectl('annotate', 'cm', 'x', 'note=hi')
    await kubectl('patch', 'cm', 'x', '--type', 'merge', '-p', '{"data":{"m":"1"}}')
    await kubectl('patch', 'cm', 'x', '--type', 'json', '-p', '[{"op":"add","path":"/data/j","value":"2"}]')
    await kubectl('patch', 'cm', 'x', '--type', 'strategic', '-p', '{"data":{"s":"3"}}')
    const got = JSON.parse(await kubectl('get', 'cm', 'x', '-o', 'json'))
    assert.deepEqual(got.data, {a: 'b', m: '1', j: '2', s: '3'})
    assert.equal(got.metadata.labels.tier, 'fe')
    assert.equal(got.metadata.annotations.note, 'hi')
    await kubectl('delete', 'cm', 'x')
    await assert.rejects(kubectl('get', 'cm', 'x'), /NotFound/)
  })

  it('apply a Deployment, then apply a change (generation 2)', async () => {
    const manifest = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
`
    await writeFile(join(dir, 'd.yaml'), manifest(1))
    assert.match(await kubectl('apply', '-f', join(dir, 'd.yaml')), /created/)
    await writeFile(join(dir, 'd.yaml'), manifest(2))
    assert.match(await kubectl('apply', '-f', join(dir, 'd.yaml')), /configured/)
    assert.equal(await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation} {.spec.replicas}'), '2 2')
    assert.match(await kubectl('scale', 'deploy', 'web', '--replicas=3'), /scaled/)
  })

  it('get cm -w sees an update', async () => {
    await kubectl('create', 'configmap', 'w', '--from-literal=a=1')
    const proc = spawn('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), 'get', 'cm', 'w', '-w'])
    let out = ''
    proc.stdout.on('data', d => { out += d })
    await waitFor('the watch to list w', async () => /w\s+1\s/.test(out), 10_000, 50)
    await kubectl('patch', 'cm', 'w', '--type', 'merge', '-p', '{"data":{"b":"2"}}')
    await waitFor('the watch to show the update', async () => /w\s+2\s/.test(out), 10_000, 50)
    proc.kill()
    assert.match(out, /w\s+2\s/)
  })
})
