// Acceptance: real kubectl v1.32 against the apiserver over etcd with the quota controller running: a quota of 2 pods refuses the third, a deletion frees it; LimitRange defaults and default tolerations land on pods.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {ApiClient} from '../../../src/client/api-client.js'
import {ControllerManager} from '../../../src/controllers/manager.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

describe('ResourceQuota, LimitRanger and DefaultTolerationSeconds with kubectl (etcd)', function () {
  this.timeout(90_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const abort = new AbortController()
  let manager: Promise<void>
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  const fails = async (...args: string[]): Promise<string> => {
    try { await kubectl(...args) } catch (e) { return String((e as {stderr?: string}).stderr) }
    throw new Error(`kubectl ${args.join(' ')} succeeded`)
  }
  const used = (ns: string, name: string) => kubectl('get', 'quota', name, '-n', ns, '-o', 'jsonpath={.status.used.pods}')

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store)
    dir = await mkdtemp(join(tmpdir(), 'skiff-quota-'))
    await writeKubeconfig(join(dir, 'config'), server)
    const client = new ApiClient({server: `https://127.0.0.1:${server.port}`, ca: server.ca, cert: server.admin.cert, key: server.admin.key})
    manager = new ControllerManager({client, log: () => {}, enabled: ['resourcequota']}).run(abort.signal)
  })
  after(async () => {
    abort.abort()
    await manager
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('a quota of 2 pods refuses the third with Kubernetes\' message; deleting one frees the slot', async () => {
    await kubectl('create', 'namespace', 'team')
    // kubectl create quota sends a protobuf body.
    assert.match(await kubectl('create', 'quota', 'two', '-n', 'team', '--hard=pods=2,configmaps=10'), /resourcequota\/two created/)
    await waitFor('quota status', async () => (await used('team', 'two')) === '0', 20_000, 100)
    await kubectl('run', 'a', '-n', 'team', '--image=busybox', '--restart=Never')
    await kubectl('run', 'b', '-n', 'team', '--image=busybox', '--restart=Never')
    const err = await fails('run', 'c', '-n', 'team', '--image=busybox', '--restart=Never')
    assert.match(err, /Error from server \(Forbidden\): pods "c" is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2/)
    const table = await kubectl('get', 'quota', '-n', 'team')
    assert.match(table, /^NAME\s+AGE\s+REQUEST\s+LIMIT\s*$/m)
    assert.match(table, /^two\s+\S+\s+configmaps: 0\/10, pods: 2\/2\s*$/m)
    const described = await kubectl('describe', 'quota', 'two', '-n', 'team')
    assert.match(described, /^Name:\s+two$/m)
    assert.match(described, /^Resource\s+Used\s+Hard$/m)
    assert.match(described, /^pods\s+2\s+2$/m)
    assert.match(described, /^configmaps\s+0\s+10$/m)
    await kubectl('delete', 'pod', 'a', '-n', 'team', '--wait=false')
    // The controller recounts from the live pods after the deletion.
    await waitFor('quota freed', async () => (await used('team', 'two')) === '1', 20_000, 100)
    assert.match(await kubectl('run', 'c', '-n', 'team', '--image=busybox', '--restart=Never'), /pod\/c created/)
    assert.equal(await used('team', 'two'), '2')
  })

  it('a burst of concurrent creates takes exactly the quota\'s slots (each charge is a compare-and-swap in etcd)', async () => {
    await kubectl('create', 'namespace', 'burst')
    await kubectl('create', 'quota', 'three', '-n', 'burst', '--hard=pods=3')
    await waitFor('quota status', async () => (await used('burst', 'three')) === '0', 20_000, 100)
    const results = await Promise.allSettled(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((p) => kubectl('run', p, '-n', 'burst', '--image=busybox', '--restart=Never')))
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    assert.equal(refused.length, 3, JSON.stringify(results))
    for (const r of refused) assert.match(String(r.reason.stderr), /exceeded quota: three, requested: pods=1, used: pods=3, limited: pods=3/)
    const pods = JSON.parse(await kubectl('get', 'pods', '-n', 'burst', '-o', 'json')).items
    assert.equal(pods.length, 3)
    assert.equal(await used('burst', 'three'), '3')
  })

  it('counts any kind by count/<resource>.<group>; deleting one frees it as soon as the controller sees it', async () => {
    await kubectl('create', 'namespace', 'apps')
    await kubectl('create', 'quota', 'one-deploy', '-n', 'apps', '--hard=count/deployments.apps=1')
    const deploys = () => kubectl('get', 'quota', 'one-deploy', '-n', 'apps', '-o', 'jsonpath={.status.used.count/deployments\\.apps}')
    await waitFor('quota status', async () => (await deploys()) === '0', 20_000, 100)
    await kubectl('create', 'deployment', 'web', '-n', 'apps', '--image=busybox')
    const err = await fails('create', 'deployment', 'api', '-n', 'apps', '--image=busybox')
    assert.match(err, /deployments.apps "api" is forbidden: exceeded quota: one-deploy, requested: count\/deployments.apps=1, used: count\/deployments.apps=1, limited: count\/deployments.apps=1/)
    await kubectl('delete', 'deployment', 'web', '-n', 'apps')
    // Well within the 30 s full resync: the deletion itself triggers the recount.
    await waitFor('deployment freed', async () => (await deploys()) === '0', 10_000, 100)
    assert.match(await kubectl('create', 'deployment', 'api', '-n', 'apps', '--image=busybox'), /deployment.apps\/api created/)
  })

  it('a compute quota asks for explicit limits in Kubernetes\' words', async () => {
    await kubectl('create', 'namespace', 'sized')
    await kubectl('create', 'quota', 'compute', '-n', 'sized', '--hard=limits.cpu=1,limits.memory=1Gi')
    await waitFor('quota status', async () => (await kubectl('get', 'quota', 'compute', '-n', 'sized', '-o', 'jsonpath={.status.used}')).includes('limits.cpu'), 20_000, 100)
    const err = await fails('run', 'bare', '-n', 'sized', '--image=busybox', '--restart=Never')
    assert.match(err, /pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; limits.memory for: bare/)
  })

  it('LimitRange defaults and DefaultTolerationSeconds tolerations appear on a new pod; bounds refuse a big one', async () => {
    await kubectl('create', 'namespace', 'limited')
    const file = join(dir, 'lr.yaml')
    await writeFile(file, `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: limited}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
    max: {cpu: "1"}
`)
    assert.match(await kubectl('apply', '-f', file), /limitrange\/defaults created/)
    assert.match(await kubectl('get', 'limitrange', '-n', 'limited'), /^NAME\s+CREATED AT\s*\ndefaults\s+\d{4}-\d\d-\d\dT/m)
    assert.match(await kubectl('describe', 'limitrange', 'defaults', '-n', 'limited'), /Container\s+cpu\s+-\s+1\s+100m\s+500m\s+-/)
    await kubectl('run', 'web', '-n', 'limited', '--image=busybox', '--restart=Never')
    const pod = JSON.parse(await kubectl('get', 'pod', 'web', '-n', 'limited', '-o', 'json'))
    assert.deepEqual(pod.spec.containers[0].resources, {limits: {cpu: '500m', memory: '256Mi'}, requests: {cpu: '100m', memory: '128Mi'}})
    assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web')
    assert.deepEqual(pod.spec.tolerations, [
      {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
      {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
    ])
    const err = await fails('run', 'big', '-n', 'limited', '--image=busybox', '--restart=Never', '--overrides', JSON.stringify({spec: {containers: [{name: 'big', image: 'busybox', resources: {limits: {cpu: '2'}}}]}}))
    assert.match(err, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\./)
  })
})
