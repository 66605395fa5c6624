// Acceptance: real kubectl v1.32 against the apiserver over etcd; a namespace enforcing restricted refuses a privileged pod.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'

const run = promisify(execFile)

describe('PodSecurity admission with kubectl (etcd)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  const fails = async (...args: string[]): Promise<string> => {
    try { await kubectl(...args) } catch (e) { return String((e as {stderr?: string}).stderr) }
    throw new Error(`kubectl ${args.join(' ')} succeeded`)
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store)
    dir = await mkdtemp(join(tmpdir(), 'skiff-psa-'))
    await writeKubeconfig(join(dir, 'config'), server)
  })
  after(async () => {
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('refuses a privileged pod in a restricted namespace with the upstream message; admits a compliant one', async () => {
    await kubectl('create', 'namespace', 'locked')
    await kubectl('label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted')
    const priv = join(dir, 'priv.yaml')
    await writeFile(priv, `apiVersion: v1
kind: Pod
metadata: {name: x, namespace: locked}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers: [{name: c, image: busybox, securityContext: {privileged: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]
`)
    const err = await fails('create', '-f', priv)
    assert.match(err, /pods "x" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/)
    const ok = join(dir, 'ok.yaml')
    await writeFile(ok, `apiVersion: v1
kind: Pod
metadata: {name: good, namespace: locked}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]
`)
    assert.match(await kubectl('create', '-f', ok), /pod\/good created/)
    // Without the label nothing is enforced: the same privileged pod is admitted elsewhere.
    await kubectl('create', 'namespace', 'open')
    const open = join(dir, 'open.yaml')
    await writeFile(open, `apiVersion: v1
kind: Pod
metadata: {name: x, namespace: open}
spec:
  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]
`)
    assert.match(await kubectl('create', '-f', open), /pod\/x created/)
  })

  it('warn mode admits the pod and kubectl prints the would-violate warning', async () => {
    await kubectl('create', 'namespace', 'warned')
    await kubectl('label', 'namespace', 'warned', 'pod-security.kubernetes.io/warn=baseline')
    const file = join(dir, 'warned.yaml')
    await writeFile(file, `apiVersion: v1
kind: Pod
metadata: {name: x, namespace: warned}
spec:
  containers: [{name: c, image: busybox, securityContext: {privileged: true}}]
`)
    const {stdout, stderr} = await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), 'create', '-f', file])
    assert.match(stdout, /pod\/x created/)
    assert.match(stderr, /Warning: would violate PodSecurity "baseline:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/)
    // A Deployment's template is only warned about, even where enforce is set.
    const dep = await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), 'create', 'deployment', 'd', '-n', 'locked', '--image', 'busybox'])
    assert.match(dep.stdout, /deployment.apps\/d created/)
    assert.match(dep.stderr, /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/)
  })
})
