// Service accounts for pods, in-process over etcd with real kubectl: ServiceAccount admission, the default-SA and root CA controllers, and the agent's TokenRequest.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {PodTokens} from '../../../src/agent/pods/tokens.js'
import {realClock} from '../../../src/api/clock.js'
import type {Pod} from '../../../src/api/types/workloads.js'
import {serviceAccountAdmission} from '../../../src/apiserver/admission/service-account.js'
import {ServiceAccountTokens} from '../../../src/apiserver/serviceaccount/tokens.js'
import {ApiClient} from '../../../src/client/api-client.js'
import {ControllerManager} from '../../../src/controllers/manager.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer, writeKubeconfig} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

describe('service accounts for pods (kubectl, etcd, controllers)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let client: ApiClient
  let dir: string
  const abort = new AbortController()
  let manager: Promise<void>
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, 'admin'), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  const apply = (yaml: string) => new Promise<string>((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', join(dir, 'admin'), '--cache-dir', join(dir, 'cache'), 'apply', '-f', '-'], (err, stdout, stderr) => (err ? reject(Object.assign(err, {stderr})) : resolve(stdout)))
    child.stdin!.end(yaml)
  })
  const pod = (name: string, ns: string, extra = '') => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"${ns}"},"spec":{${extra}"containers":[{"name":"c","image":"busybox"}]}}`

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    const keyPem = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
    server = await startTestServer(store, {serviceAccountTokens: ServiceAccountTokens.fromPem(keyPem), admission: [serviceAccountAdmission()]})
    dir = await mkdtemp(join(tmpdir(), 'skiff-sapods-'))
    await writeKubeconfig(join(dir, 'admin'), server)
    client = new ApiClient({server: `https://127.0.0.1:${server.port}`, ca: server.ca, cert: server.admin.cert, key: server.admin.key})
    manager = new ControllerManager({client, rootCA: server.ca, enabled: ['serviceaccount', 'root-ca-cert-publisher']}).run(abort.signal)
  })
  after(async () => {
    abort.abort()
    await manager
    client?.close()
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('a pod created right after its namespace waits for `default`, and gets the kube-api-access volume', async () => {
    await kubectl('create', 'namespace', 'fresh')
    await apply(pod('first', 'fresh'))
    const p = JSON.parse(await kubectl('get', 'pod', 'first', '-n', 'fresh', '-o', 'json'))
    assert.equal(p.spec.serviceAccountName, 'default')
    assert.match(p.spec.volumes[0].name, /^kube-api-access-[a-z0-9]{5}$/)
    assert.equal(p.spec.containers[0].volumeMounts[0].mountPath, '/var/run/secrets/kubernetes.io/serviceaccount')
  })

  it('kube-root-ca.crt holds the CA in every namespace and comes back when deleted', async () => {
    const ca = async (ns: string) => {
      try {
        return JSON.parse(await kubectl('get', 'configmap', 'kube-root-ca.crt', '-n', ns, '-o', 'json')).data['ca.crt']
      } catch {
        return undefined
      }
    }
    for (const ns of ['default', 'fresh']) await waitFor(`kube-root-ca.crt in ${ns}`, async () => (await ca(ns)) === server.ca, 10_000, 50)
    await kubectl('delete', 'configmap', 'kube-root-ca.crt', '-n', 'fresh')
    await waitFor('kube-root-ca.crt recreated', async () => (await ca('fresh')) === server.ca, 10_000, 50)
  })

  it('refuses an unknown ServiceAccount with Kubernetes\' message', async () => {
    await assert.rejects(apply(pod('ghosted', 'fresh', '"serviceAccountName":"ghost",')), (err: {stderr?: string}) => {
      assert.match(err.stderr ?? '', /pods "ghosted" is forbidden: error looking up service account fresh\/ghost: serviceaccount "ghost" not found/)
      return true
    })
  })

  it('the agent\'s TokenRequest gets a token bound to the pod that authenticates as the ServiceAccount', async () => {
    await kubectl('create', 'serviceaccount', 'robot', '-n', 'fresh')
    await apply(pod('client', 'fresh', '"serviceAccountName":"robot",'))
    const p = await client.get<Pod>({version: 'v1', resource: 'pods', namespace: 'fresh', name: 'client'})
    const tokens = new PodTokens((namespace, name, body) => client.create({version: 'v1', resource: 'serviceaccounts', namespace, name, subresource: 'token'}, body), realClock)
    const token = await tokens.token(p, p.spec!.volumes![0].name, {path: 'token', expirationSeconds: 3607})
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())
    assert.equal(claims['kubernetes.io'].pod.uid, p.metadata.uid)
    assert.equal(claims.exp - claims.iat, 3607)
    const who = await server.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {headers: {Authorization: `Bearer ${token}`}, anonymous: true, body: {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}})
    assert.equal(who.status, 201, who.text)
    assert.equal(who.json.status.userInfo.username, 'system:serviceaccount:fresh:robot')
    const next = tokens.nextRefresh(p.metadata.uid!)!
    assert.ok(Math.abs(next - (claims.iat * 1000 + 0.8 * 3607_000)) < 2000, 'renewal planned at 80% of the life')
  })
})
