// RBAC end to end in process: real kubectl against an apiserver over etcd authorizing with system:masters + RBAC.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {unionAuthorizer} from '../../../src/apiserver/authz/index.js'
import {createRbacAuthorizer, privilegedGroupAuthorizer, rbacEscalationCheck, type RbacAuthorizer} from '../../../src/apiserver/authz/rbac/index.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import type {TestCert} from '../../helpers/pki.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

describe('RBAC with real kubectl (etcd)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let rbac: RbacAuthorizer
  let server: TestServer
  let dir: string

  async function kubeconfig(name: string, cert: TestCert): Promise<void> {
    await writeKubeconfig(join(dir, name), server, cert)
  }
  const as = (config: string) => async (...args: string[]) => (await run('kubectl', ['--request-timeout=5s', '--kubeconfig', join(dir, config), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  /** Runs kubectl expecting failure; returns its stderr. */
  const fails = (config: string) => async (...args: string[]) => {
    try {
      await as(config)(...args)
    } catch (err) {
      return (err as {stderr: string}).stderr
    }
    assert.fail(`kubectl ${args.join(' ')} succeeded`)
  }
  const admin = as('admin')

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    rbac = createRbacAuthorizer(store)
    const authorizer = unionAuthorizer([privilegedGroupAuthorizer, rbac])
    server = await startTestServer(store, {authorizer, admission: [rbacEscalationCheck(authorizer, rbac.resolver)]})
    dir = await mkdtemp(join(tmpdir(), 'skiff-rbac-'))
    await kubeconfig('admin', server.admin)
    await kubeconfig('viewer', await server.issue('CN=vera,O=viewers'))
    await kubeconfig('alice', await server.issue('CN=alice'))
    await kubeconfig('nobody', await server.issue('CN=nobody'))
    await kubeconfig('kubeadm', await server.issue('CN=kubernetes-admin,O=kubeadm:cluster-admins'))
  })
  after(async () => {
    rbac?.close()
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('bootstraps the default roles and bindings with their labels, and prints them as Kubernetes does', async () => {
    const roles = await admin('get', 'clusterroles')
    assert.match(roles, /^NAME\s+CREATED AT/)
    for (const r of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) assert.match(roles, new RegExp(`^${r}\\s+\\d{4}-`, 'm'))
    const view = JSON.parse(await admin('get', 'clusterrole', 'view', '-o', 'json'))
    assert.equal(view.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults')
    assert.equal(view.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit'], 'true')
    assert.equal(view.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true')
    assert.deepEqual(view.aggregationRule, {clusterRoleSelectors: [{matchLabels: {'rbac.authorization.k8s.io/aggregate-to-view': 'true'}}]})
    const wide = await admin('get', 'clusterrolebinding', 'system:public-info-viewer', 'kubeadm:cluster-admins', '-o', 'wide')
    assert.match(wide, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS/)
    assert.match(wide, /system:public-info-viewer\s+ClusterRole\/system:public-info-viewer\s+\S+\s+system:authenticated, system:unauthenticated/)
    assert.match(wide, /kubeadm:cluster-admins\s+ClusterRole\/cluster-admin\s+\S+\s+kubeadm:cluster-admins/)
  })

  it('a user with no bindings is denied with Kubernetes\' wording; discovery and whoami are open to every authenticated user', async () => {
    const err = await fails('nobody')('get', 'pods', '-n', 'default')
    assert.match(err, /pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "default"/)
    assert.match(await as('nobody')('auth', 'whoami'), /Username\s+nobody/)
    assert.match(await as('nobody')('api-versions'), /rbac\.authorization\.k8s\.io\/v1/)
  })

  it('impersonation: an admin asks as a service account (--as) and a group (--as-group); a user without impersonate is refused', async () => {
    await admin('create', 'namespace', 'imp')
    await admin('create', 'serviceaccount', 'robot', '-n', 'imp')
    await admin('create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 'imp')
    await admin('create', 'rolebinding', 'robot-reads', '--role=pod-reader', '--serviceaccount=imp:robot', '-n', 'imp')
    assert.equal((await admin('auth', 'can-i', 'list', 'pods', '-n', 'imp', '--as', 'system:serviceaccount:imp:robot')).trim(), 'yes')
    const no = await fails('admin')('auth', 'can-i', 'delete', 'pods', '-n', 'imp', '--as', 'system:serviceaccount:imp:robot')
    assert.equal(no, '')
    const who = JSON.parse(await admin('auth', 'whoami', '--as', 'jane', '--as-group', 'viewers', '-o', 'json')).status.userInfo
    assert.equal(who.username, 'jane')
    assert.deepEqual(who.groups, ['viewers', 'system:authenticated'])
    const refused = await fails('nobody')('get', 'pods', '-n', 'imp', '--as', 'system:serviceaccount:imp:robot')
    assert.match(refused, /serviceaccounts "robot" is forbidden: User "nobody" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "imp"/)
    await admin('delete', 'namespace', 'imp', '--wait=false')
  })

  it('kubeadm:cluster-admins members hold cluster-admin without being in system:masters', async () => {
    const kubeadm = as('kubeadm')
    await kubeadm('create', 'namespace', 'kadm')
    assert.match(await kubeadm('get', 'namespaces'), /kadm\s+Active/)
    await kubeadm('delete', 'namespace', 'kadm', '--wait=false')
  })

  it('kubectl create role/rolebinding (protobuf) grants a group view-like rights: get but not create; roleRef is immutable', async () => {
    await admin('create', 'namespace', 'team')
    await admin('create', 'configmap', 'cfg', '-n', 'team', '--from-literal=a=b')
    await admin('create', 'role', 'cm-reader', '-n', 'team', '--verb=get,list', '--resource=configmaps')
    const role = JSON.parse(await admin('get', 'role', 'cm-reader', '-n', 'team', '-o', 'json'))
    assert.deepEqual(role.rules, [{apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list']}])
    await admin('create', 'rolebinding', 'viewers-read', '-n', 'team', '--role=cm-reader', '--group=viewers')
    const viewer = as('viewer')
    await waitFor('RBAC cache', async () => (await viewer('get', 'configmap', 'cfg', '-n', 'team').catch(() => '')).includes('cfg'), 10_000)
    const denied = await fails('viewer')('create', 'configmap', 'other', '-n', 'team', '--from-literal=x=y')
    assert.match(denied, /configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "team"/)
    // Nothing granted elsewhere.
    assert.match(await fails('viewer')('get', 'configmaps', '-n', 'default'), /cannot list resource "configmaps" in API group "" in the namespace "default"/)
    const patched = await fails('admin')('patch', 'rolebinding', 'viewers-read', '-n', 'team', '--type=merge', '-p', '{"roleRef":{"name":"other"}}')
    assert.match(patched, /roleRef: Invalid value: .*cannot change roleRef/)
  })

  it('a RoleBinding to the view ClusterRole grants reads in that namespace only, and a revoked binding stops working', async () => {
    await admin('create', 'rolebinding', 'viewers-view', '-n', 'team', '--clusterrole=view', '--group=viewers')
    const viewer = as('viewer')
    await waitFor('RBAC cache', async () => (await viewer('get', 'pods', '-n', 'team').then(() => true, () => false)), 10_000)
    assert.match(await fails('viewer')('get', 'secrets', '-n', 'team'), /cannot list resource "secrets"/)
    assert.match(await fails('viewer')('get', 'pods', '-A'), /cannot list resource "pods" in API group "" at the cluster scope/)
    await admin('delete', 'rolebinding', 'viewers-view', '-n', 'team')
    await waitFor('RBAC cache', async () => (await viewer('get', 'pods', '-n', 'team').then(() => false, () => true)), 10_000)
  })

  it('a ClusterRoleBinding to a missing role says so in the denial', async () => {
    await admin('create', 'clusterrolebinding', 'ghost', '--clusterrole=does-not-exist', '--user=nobody')
    await waitFor('RBAC cache', async () => (await fails('nobody')('get', 'nodes')).includes('RBAC: clusterrole.rbac.authorization.k8s.io "does-not-exist" not found'), 10_000)
  })

  it('validation: subjects kinds and roleRef kinds are checked', async () => {
    const bad = JSON.stringify({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: {name: 'bad'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x'}, subjects: [{kind: 'Robot', name: 'r'}]})
    const file = join(dir, 'bad.json')
    await writeFile(file, bad)
    const err = await fails('admin')('create', '-f', file)
    assert.match(err, /roleRef\.kind: Unsupported value: "Role": supported values: "ClusterRole"/)
    assert.match(err, /subjects\[0\]\.kind: Unsupported value: "Robot"/)
  })

  it('kubectl auth can-i --list shows the rules held in the namespace (SelfSubjectRulesReview)', async () => {
    const list = await as('viewer')('auth', 'can-i', '--list', '-n', 'team')
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/)
    assert.match(list, /configmaps\s+\[\]\s+\[\]\s+\[get list\]/)
    assert.match(list, /selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/)
    assert.match(list, /\[\/api\/\*\]\s+\[\]\s+\[get\]/)
    assert.doesNotMatch(await as('viewer')('auth', 'can-i', '--list', '-n', 'default'), /configmaps/)
    assert.match(await admin('auth', 'can-i', '--list', '-n', 'default'), /\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/)
  })

  it('escalation: a namespace admin may grant what she holds, not more (Kubernetes\' wording), nor bind cluster-admin', async () => {
    await admin('create', 'rolebinding', 'alice-admin', '-n', 'team', '--clusterrole=admin', '--user=alice')
    const alice = as('alice')
    await waitFor('RBAC cache', async () => (await alice('get', 'roles', '-n', 'team').then(() => true, () => false)), 10_000)
    await alice('create', 'role', 'pod-reader', '-n', 'team', '--verb=get', '--resource=pods')
    const err = await fails('alice')('create', 'role', 'secret-killer', '-n', 'team', '--verb=delete', '--resource=nodes')
    assert.match(err, /roles\.rbac\.authorization\.k8s\.io "secret-killer" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["delete"\]\}/)
    await alice('create', 'rolebinding', 'vera-view', '-n', 'team', '--clusterrole=view', '--user=vera')
    const bind = await fails('alice')('create', 'rolebinding', 'vera-root', '-n', 'team', '--clusterrole=cluster-admin', '--user=vera')
    assert.match(bind, /rolebindings\.rbac\.authorization\.k8s\.io "vera-root" is forbidden: user "alice" .* is attempting to grant RBAC permissions not currently held/)
  })
})
