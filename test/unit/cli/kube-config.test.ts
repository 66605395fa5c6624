// Kubeconfig loading for the object commands (KUBECONFIG lists, --context, namespaces) and exec's exit codes, without a server.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {KubeClient} from '../../../src/cli/kube/client.js'
import {exitCodeFromStatus} from '../../../src/cli/kube/exec.js'

describe('object commands: kubeconfig', () => {
  let dir: string
  let saved: string | undefined
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kc-'))
    saved = process.env.KUBECONFIG
    await writeFile(join(dir, 'a'), 'apiVersion: v1\nkind: Config\nclusters: [{name: a, cluster: {server: "https://127.0.0.1:6443"}}]\nusers: [{name: a, user: {token: t}}]\ncontexts: [{name: a, context: {cluster: a, user: a}}]\ncurrent-context: a\n')
    await writeFile(join(dir, 'b'), 'apiVersion: v1\nkind: Config\nclusters: [{name: b, cluster: {server: "https://127.0.0.1:7443"}}]\nusers: [{name: b, user: {token: u}}]\ncontexts: [{name: b, context: {cluster: b, user: b, namespace: team}}]\n')
  })
  after(async () => {
    if (saved === undefined) delete process.env.KUBECONFIG
    else process.env.KUBECONFIG = saved
    await rm(dir, {recursive: true, force: true})
  })

  it('merges a KUBECONFIG list; --context picks a context of the second file with its namespace', async () => {
    process.env.KUBECONFIG = [join(dir, 'a'), join(dir, 'b')].join(delimiter)
    const first = await KubeClient.fromFlags({})
    assert.equal(first.server.port, '6443')
    assert.equal(first.namespace, 'default')
    const second = await KubeClient.fromFlags({context: 'b'})
    assert.equal(second.server.port, '7443')
    assert.equal(second.namespace, 'team')
    assert.equal(second.explicitNamespace, false)
    const explicit = await KubeClient.fromFlags({context: 'b', namespace: 'x'})
    assert.equal(explicit.namespace, 'x')
    assert.equal(explicit.explicitNamespace, true)
  })

  it('says which context is missing, as one clear error', async () => {
    await assert.rejects(KubeClient.fromFlags({kubeconfig: join(dir, 'a'), context: 'nope'}), /context "nope" does not exist/)
  })
})

describe('exec exit codes', () => {
  it('come from the Status of the error stream', () => {
    assert.equal(exitCodeFromStatus({status: 'Success'}), 0)
    assert.equal(exitCodeFromStatus({status: 'Failure', reason: 'NonZeroExitCode', details: {causes: [{reason: 'ExitCode', message: '3'}]}}), 3)
    assert.equal(exitCodeFromStatus({status: 'Failure', message: 'container not found'}), 1)
  })
})
