// The cluster's access chain in process (system:masters, Node authorizer, RBAC with the bootstrap component roles, NodeRestriction) with real kubectl over etcd.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {generateKeyPairSync} from 'node:crypto'
import {clusterAccess, type ClusterAccess} from '../../../src/apiserver/authz/cluster.js'
import {ServiceAccountTokens} from '../../../src/apiserver/serviceaccount/tokens.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

describe('Node authorizer and component roles with real kubectl (etcd)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let access: ClusterAccess
  let server: TestServer
  let dir: string

  const as = (config: string) => async (...args: string[]) => (await run('kubectl', ['--request-timeout=5s', '--kubeconfig', join(dir, config), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  const fails = (config: string) => async (...args: string[]) => {
    try {
      await as(config)(...args)
    } catch (err) {
      return (err as {stderr: string}).stderr
    }
    assert.fail(`kubectl ${args.join(' ')} succeeded`)
  }
  /** `kubectl auth can-i` as the identity: yes or no. */
  const can = async (config: string, ...args: string[]) => {
    try {
      return (await as(config)('auth', 'can-i', ...args)).trim()
    } catch (err) {
      return String((err as {stdout: string}).stdout).trim()
    }
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    access = clusterAccess(store)
    const keyPem = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
    server = await startTestServer(store, {authorizer: access.authorizer, admission: access.admission, serviceAccountTokens: ServiceAccountTokens.fromPem(keyPem)})
    dir = await mkdtemp(join(tmpdir(), 'skiff-nodeauthz-'))
    await writeKubeconfig(join(dir, 'admin'), server, server.admin)
    for (const [file, subject] of [
      ['node-a', 'CN=system:node:a,O=system:nodes'], ['node-b', 'CN=system:node:b,O=system:nodes'],
      ['scheduler', 'CN=system:kube-scheduler'], ['cm', 'CN=system:kube-controller-manager'], ['proxy', 'CN=system:kube-proxy'],
      ['kubeadm', 'CN=kubernetes-admin,O=kubeadm:cluster-admins'],
    ]) await writeKubeconfig(join(dir, file), server, await server.issue(subject))
    const admin = as('admin')
    await admin('create', 'namespace', 'ns')
    await admin('-n', 'ns', 'create', 'secret', 'generic', 'db', '--from-literal=p=1')
    await admin('-n', 'ns', 'create', 'configmap', 'other', '--from-literal=a=1')
    await admin('-n', 'ns', 'create', 'serviceaccount', 'robot')
    const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web', namespace: 'ns'}, spec: {nodeName: 'a', serviceAccountName: 'robot', containers: [{name: 'c', image: 'x', envFrom: [{secretRef: {name: 'db'}}]}]}}
    await run('sh', ['-c', `echo '${JSON.stringify(pod)}' | kubectl --kubeconfig ${join(dir, 'admin')} apply -f -`])
  })
  after(async () => {
    access?.close()
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it("a node reads the Secret of its own pod, by name or one-name list; another node gets Kubernetes' 403", async () => {
    await waitFor('the graph has the pod', async () => (await as('node-a')('-n', 'ns', 'get', 'secret', 'db', '-o', 'name').catch(() => '')).trim() === 'secret/db', 5000, 50)
    assert.equal((await as('node-a')('-n', 'ns', 'get', 'secrets', '--field-selector', 'metadata.name=db', '-o', 'name')).trim(), 'secret/db')
    const err = await fails('node-b')('-n', 'ns', 'get', 'secret', 'db')
    assert.match(err, /secrets "db" is forbidden: User "system:node:b" cannot get resource "secrets" in API group "" in the namespace "ns": no relationship found between node 'b' and this object/)
    assert.match(await fails('node-a')('-n', 'ns', 'get', 'secrets'), /forbidden/)
    assert.match(await fails('node-a')('-n', 'ns', 'get', 'configmap', 'other'), /no relationship found/)
    // Pods and nodes are readable by any node (the static node rules).
    assert.match(await as('node-b')('-n', 'ns', 'get', 'pods', '-o', 'name'), /pod\/web/)
  })

  it("a node gets tokens only for its pods' service accounts, bound to such a pod (NodeRestriction)", async () => {
    const uid = (await as('admin')('-n', 'ns', 'get', 'pod', 'web', '-o', 'jsonpath={.metadata.uid}')).trim()
    const token = await as('node-a')('-n', 'ns', 'create', 'token', 'robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'web', '--bound-object-uid', uid)
    assert.equal(token.trim().split('.').length, 3, 'a JWT')
    assert.match(await fails('node-a')('-n', 'ns', 'create', 'token', 'robot'), /node requested token not bound to a pod/)
    assert.match(await fails('node-b')('-n', 'ns', 'create', 'token', 'robot', '--bound-object-kind', 'Pod', '--bound-object-name', 'web', '--bound-object-uid', uid),
      /no relationship found between node 'b' and this object/)
  })

  it('deleting the pod takes the access away', async () => {
    await as('admin')('-n', 'ns', 'delete', 'pod', 'web', '--grace-period=0', '--force')
    await waitFor('access gone', async () => (await fails('node-a')('-n', 'ns', 'get', 'secret', 'db')).includes('no relationship found'), 5000, 50)
  })

  it('NodeRestriction: a node creates its own Node, and cannot create or label another', async () => {
    const node = (n: string) => JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: n}})
    await run('sh', ['-c', `echo '${node('a')}' | kubectl --kubeconfig ${join(dir, 'node-a')} create -f -`])
    const err = await run('sh', ['-c', `echo '${node('c')}' | kubectl --kubeconfig ${join(dir, 'node-a')} create -f - 2>&1 || true`])
    assert.match(err.stdout, /node "a" is not allowed to modify node "c"/)
    assert.match(await fails('node-b')('label', 'node', 'a', 'x=y'), /node "b" is not allowed to modify node "a"/)
  })

  it('each component identity can do its job and no more', async () => {
    const cases: Array<[string, string[], string]> = [
      ['scheduler', ['create', 'pods', '--subresource=binding', '-n', 'ns'], 'yes'],
      ['scheduler', ['patch', 'pods', '--subresource=status', '-n', 'ns'], 'yes'],
      ['scheduler', ['get', 'secrets', '-n', 'ns'], 'no'],
      ['scheduler', ['create', 'deployments.apps', '-n', 'ns'], 'no'],
      ['cm', ['create', 'replicasets.apps', '-n', 'ns'], 'yes'],
      ['cm', ['delete', 'pods', '-n', 'ns'], 'yes'],
      ['cm', ['update', 'services', '--subresource=status', '-n', 'ns'], 'yes'],
      ['cm', ['create', 'clusterrolebindings'], 'no'],
      ['cm', ['impersonate', 'users'], 'no'],
      ['proxy', ['list', 'endpointslices.discovery.k8s.io'], 'yes'],
      ['proxy', ['watch', 'networkpolicies.networking.k8s.io'], 'yes'],
      ['proxy', ['get', 'secrets', '-n', 'ns'], 'no'],
      ['kubeadm', ['*', '*'], 'yes'],
    ]
    for (const [who, args, want] of cases) assert.equal(await can(who, ...args), want, `${who} can-i ${args.join(' ')}`)
  })
})
