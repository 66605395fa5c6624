// End to end: Secrets are encrypted at rest in a real cluster's etcd (etcdctl in the control-plane node) and read back through kubectl.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {NodeFiles} from '../../src/api/contract.js'
import {deleteClusterHard, kubectlFor, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `enc${process.pid % 100000}`
const cp = `${name}-control-plane`

function dockerExec(args: string[]): Buffer {
  return execFileSync('docker', ['exec', cp, ...args])
}

describe('Secrets encrypted at rest (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-enc-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const res = await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('a Secret created with kubectl is k8s:enc:aesgcm:v1: ciphertext in etcd and reads back in plain', async () => {
    const created = await k.run(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-at-rest'])
    assert.equal(created.code, 0, created.stderr)
    const raw = dockerExec(['etcdctl', 'get', '--print-value-only', '/registry/core/secrets/default/db'])
    assert.equal(raw.subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key1:')
    assert.ok(!raw.includes(Buffer.from('hunter2-at-rest')))
    assert.ok(!raw.includes(Buffer.from(Buffer.from('hunter2-at-rest').toString('base64'))))
    const got = await k.run(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}'])
    assert.equal(got.code, 0, got.stderr)
    assert.equal(Buffer.from(got.stdout, 'base64').toString(), 'hunter2-at-rest')
  })

  it('other resources stay plain, and the key file is root-only', async () => {
    const created = await k.run(['create', 'configmap', 'plain', '--from-literal=a=visible-value'])
    assert.equal(created.code, 0, created.stderr)
    const raw = dockerExec(['etcdctl', 'get', '--print-value-only', '/registry/core/configmaps/default/plain'])
    assert.ok(raw.includes(Buffer.from('visible-value')))
    assert.equal(dockerExec(['stat', '-c', '%a', NodeFiles.encryptionConfig]).toString().trim(), '600')
  })

  it('after a key rotation (new key first, old second, control plane restarted) old Secrets read and new ones use the new key', async () => {
    const current = dockerExec(['cat', NodeFiles.encryptionConfig]).toString()
    const key1 = /secret: (\S+)/.exec(current)?.[1]
    assert.ok(key1, current)
    const rotated = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
            - {name: key2, secret: ${randomBytes(32).toString('base64')}}
            - {name: key1, secret: ${key1}}
      - identity: {}
`
    execFileSync('docker', ['exec', '-i', cp, 'sh', '-c', `cat > ${NodeFiles.encryptionConfig}`], {input: rotated})
    execFileSync('docker', ['restart', cp])
    const old = await waitFor('the old Secret through the restarted apiserver', async () => {
      const r = await k.run(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}'])
      return r.code === 0 && r.stdout
    }, 180_000, 1000)
    assert.equal(Buffer.from(old, 'base64').toString(), 'hunter2-at-rest')
    const created = await k.run(['create', 'secret', 'generic', 'fresh', '--from-literal=k=v'])
    assert.equal(created.code, 0, created.stderr)
    const raw = dockerExec(['etcdctl', 'get', '--print-value-only', '/registry/core/secrets/default/fresh'])
    assert.equal(raw.subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key2:')
  })
})
