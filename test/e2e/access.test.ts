// End to end: identity and access in a real cluster: service-account tokens under RBAC from the host, and Secrets encrypted at rest in etcd.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {NodeFiles} from '../../src/api/contract.js'
import {deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `enc${process.pid % 100000}`
const cp = `${name}-control-plane`

function dockerExec(args: string[]): Buffer {
  return execFileSync('docker', ['exec', cp, ...args])
}

describe('identity and access (end to end)', function () {
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

  it('etcd answers only mutual TLS with its own CA: no plain HTTP, no cluster-CA certificate; every certificate and key is root-only', async () => {
    const tryEtcd = (args: string[]) => run('docker', ['exec', cp, 'etcdctl', '--command-timeout=3s', ...args, 'get', '--keys-only', '/registry/core/secrets/default/db'])
    const plain = await tryEtcd(['--endpoints=http://127.0.0.1:2379'])
    assert.notEqual(plain.code, 0, `plain HTTP must be refused: ${plain.stdout}`)
    const nodeCert = await tryEtcd([`--cert=${NodeFiles.nodeCert}`, `--key=${NodeFiles.nodeKey}`])
    assert.notEqual(nodeCert.code, 0, `a node certificate must not open etcd: ${nodeCert.stdout}`)
    const apiserver = await tryEtcd([])
    assert.equal(apiserver.code, 0, apiserver.stderr)
    assert.match(apiserver.stdout, /secrets\/default\/db/)
    const modes = dockerExec(['sh', '-c', `find ${NodeFiles.pkiDir} -type f -exec stat -c '%a %n' {} +`]).toString().trim().split('\n')
    assert.ok(modes.length >= 10, modes.join('\n'))
    for (const line of modes) assert.match(line, /^600 /, line)
  })

  it('a token from kubectl create token works from the host under RBAC: a Role allows listing pods, secrets are 403 as Kubernetes words it', async () => {
    for (const args of [
      ['create', 'namespace', 't'],
      ['create', 'serviceaccount', 'robot', '-n', 't'],
      ['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 't'],
      ['create', 'rolebinding', 'robot-reads-pods', '--role=pod-reader', '--serviceaccount=t:robot', '-n', 't'],
    ]) {
      const r = await k.run(args)
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    }
    const token = await k.run(['create', 'token', 'robot', '-n', 't', '--duration', '10m'])
    assert.equal(token.code, 0, token.stderr)
    assert.equal(token.stdout.trim().split('.').length, 3, 'a JWT')
    // Only the token: a kubeconfig with the server and CA and no client certificate.
    const server = (await k.run(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).stdout.trim()
    const caData = (await k.run(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])).stdout.trim()
    const caFile = join(dir, 'ca.crt')
    await writeFile(caFile, Buffer.from(caData, 'base64'))
    const asRobot = (args: string[]) => run('kubectl', ['--kubeconfig', '/dev/null', '--server', server, '--certificate-authority', caFile, '--token', token.stdout.trim(), ...args], {timeoutMs: 60_000})
    const pods = await asRobot(['get', 'pods', '-n', 't', '-o', 'json'])
    assert.equal(pods.code, 0, pods.stderr)
    assert.equal(JSON.parse(pods.stdout).kind, 'List')
    const secrets = await asRobot(['get', 'secrets', '-n', 't'])
    assert.notEqual(secrets.code, 0)
    assert.match(secrets.stderr, /secrets is forbidden: User "system:serviceaccount:t:robot" cannot list resource "secrets" in API group "" in the namespace "t"/)
    // kubectl auth can-i asks a SelfSubjectAccessReview, which RBAC answers for the token's service account.
    const canList = await asRobot(['auth', 'can-i', 'list', 'pods', '-n', 't'])
    assert.equal(canList.stdout.trim(), 'yes', canList.stderr)
    const canDelete = await asRobot(['auth', 'can-i', 'delete', 'pods', '-n', 't'])
    assert.equal(canDelete.code, 1)
    assert.match(canDelete.stdout, /^no/)
    const whoami = await asRobot(['auth', 'whoami', '-o', 'json'])
    assert.equal(whoami.code, 0, whoami.stderr)
    const info = JSON.parse(whoami.stdout).status.userInfo
    assert.equal(info.username, 'system:serviceaccount:t:robot')
    assert.ok(info.groups.includes('system:serviceaccounts:t'))
    const bogus = await run('kubectl', ['--kubeconfig', '/dev/null', '--server', server, '--certificate-authority', caFile, '--token', 'not-a-token', 'get', 'pods', '-n', 't'], {timeoutMs: 60_000})
    assert.notEqual(bogus.code, 0)
    assert.match(bogus.stderr, /Unauthorized|must be logged in/)
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
