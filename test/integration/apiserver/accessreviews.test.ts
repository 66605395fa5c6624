// Access reviews (Self/Local/SubjectAccessReview) answered by the configured authorizer, through real kubectl.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {EtcdStore} from '../../../src/store/index.js'
import type {Authorizer} from '../../../src/apiserver/authz/types.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'

const run = promisify(execFile)

// Admins may do anything but touch secrets (explicit deny); user "alice" may only get pods; others: no opinion.
const testAuthorizer: Authorizer = {
  authorize(a) {
    if (a.resource === 'secrets') return {decision: 'deny', reason: 'secrets are off'}
    if (a.user.groups.includes('system:masters')) return {decision: 'allow'}
    if (a.user.name === 'alice' && a.resource === 'pods' && a.verb === 'get') return {decision: 'allow', reason: 'alice reads pods'}
    return {decision: 'noOpinion'}
  },
}

describe('access reviews (authorization.k8s.io/v1)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  /** kubectl auth can-i's answer and exit code (1 for "no"). */
  const canI = async (...args: string[]) => {
    try { return {out: (await kubectl('auth', 'can-i', ...args)).trim(), code: 0} } catch (e) {
      const err = e as {stdout: string; code: number}
      return {out: err.stdout.trim(), code: err.code}
    }
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store, {authorizer: testAuthorizer})
    dir = await mkdtemp(join(tmpdir(), 'skiff-sar-'))
    await writeKubeconfig(join(dir, 'config'), server)
  })
  after(async () => {
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('kubectl auth can-i asks a SelfSubjectAccessReview: yes for pods, no for secrets', async () => {
    assert.deepEqual(await canI('create', 'pods'), {out: 'yes', code: 0})
    assert.deepEqual(await canI('get', 'secrets', '-n', 'default'), {out: 'no - secrets are off', code: 1})
  })

  it('SubjectAccessReview answers for another user; allowed, denied and no opinion', async () => {
    const sar = async (spec: unknown, kind = 'SubjectAccessReview', ns?: string) => {
      const f = join(dir, 'sar.json')
      await writeFile(f, JSON.stringify({apiVersion: 'authorization.k8s.io/v1', kind, metadata: ns ? {namespace: ns} : {}, spec}))
      return JSON.parse(await kubectl('create', '-f', f, '-o', 'json')) as {status: {allowed: boolean; denied?: boolean; reason?: string}}
    }
    const alicePods = await sar({user: 'alice', resourceAttributes: {verb: 'get', resource: 'pods', namespace: 'default'}})
    assert.deepEqual(alicePods.status, {allowed: true, reason: 'alice reads pods'})
    const aliceDel = await sar({user: 'alice', resourceAttributes: {verb: 'delete', resource: 'pods', namespace: 'default'}})
    assert.deepEqual(aliceDel.status, {allowed: false})
    const secrets = await sar({user: 'alice', resourceAttributes: {verb: 'get', resource: 'secrets'}})
    assert.deepEqual(secrets.status, {allowed: false, denied: true, reason: 'secrets are off'})
    const local = await sar({user: 'alice', resourceAttributes: {verb: 'get', resource: 'pods', namespace: 'default'}}, 'LocalSubjectAccessReview', 'default')
    assert.equal(local.status.allowed, true)
    await assert.rejects(sar({resourceAttributes: {verb: 'get', resource: 'pods'}}), /at least one of user or group/)
  })
})
