// Service-account tokens with real kubectl over etcd: `kubectl create token`, the token as a bearer credential, its limits.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {createLocalJWKSet, decodeJwt, jwtVerify} from 'jose'
import {ServiceAccountTokens} from '../../../src/apiserver/serviceaccount/tokens.js'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, type TestServer} from '../../helpers/apiserver.js'

const run = promisify(execFile)

describe('service-account tokens (kubectl, etcd)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const kubectlWith = async (config: string, ...args: string[]) => (await run('kubectl', ['--kubeconfig', join(dir, config), '--cache-dir', join(dir, 'cache'), ...args])).stdout
  const kubectl = (...args: string[]) => kubectlWith('admin', ...args)
  const failure = async (p: Promise<unknown>) => {
    try {
      await p
    } catch (err) {
      return String((err as {stderr?: string}).stderr ?? err)
    }
    throw new Error('expected kubectl to fail')
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    const keyPem = generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
    server = await startTestServer(store, {serviceAccountTokens: ServiceAccountTokens.fromPem(keyPem)})
    dir = await mkdtemp(join(tmpdir(), 'skiff-satokens-'))
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    const config = (user: string) => `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "https://127.0.0.1:${server.port}", certificate-authority-data: ${b64(server.ca)}}}]
users: [{name: t, user: ${user}}]
contexts: [{name: t, context: {cluster: t, user: t}}]
current-context: t
`
    await writeFile(join(dir, 'admin'), config(`{client-certificate-data: ${b64(server.admin.cert)}, client-key-data: ${b64(server.admin.key)}}`))
    await writeFile(join(dir, 'bare'), config('{}'))
    await kubectl('create', 'namespace', 't')
    await kubectl('create', 'serviceaccount', 'robot', '-n', 't')
  })
  after(async () => {
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('kubectl create token prints a token that authenticates as the service account', async () => {
    const token = (await kubectl('create', 'token', 'robot', '-n', 't', '--duration', '10m')).trim()
    const claims = decodeJwt(token)
    assert.equal(claims.sub, 'system:serviceaccount:t:robot')
    assert.equal(claims.exp! - claims.iat!, 600)
    assert.match(await kubectlWith('bare', '--token', token, 'get', 'serviceaccounts', '-n', 't'), /robot/)
    const who = await kubectlWith('bare', '--token', token, 'auth', 'whoami')
    assert.match(who, /Username\s+system:serviceaccount:t:robot/)
    assert.match(who, /Groups\s+\[system:serviceaccounts system:serviceaccounts:t system:authenticated\]/)
  })

  it('the default lifetime is an hour; less than 10 minutes is invalid', async () => {
    const claims = decodeJwt((await kubectl('create', 'token', 'robot', '-n', 't')).trim())
    assert.equal(claims.exp! - claims.iat!, 3600)
    assert.match(await failure(kubectl('create', 'token', 'robot', '-n', 't', '--duration', '5m')), /may not specify a duration less than 10 minutes/)
    assert.match(await failure(kubectl('create', 'token', 'nobody', '-n', 't')), /serviceaccounts "nobody" not found/)
  })

  it('a bogus token is 401, and a deleted service account\'s token stops working', async () => {
    assert.match(await failure(kubectlWith('bare', '--token', 'bogus', 'get', 'pods')), /Unauthorized|must be logged in/)
    await kubectl('create', 'serviceaccount', 'temp', '-n', 't')
    const token = (await kubectl('create', 'token', 'temp', '-n', 't')).trim()
    assert.match(await kubectlWith('bare', '--token', token, 'auth', 'whoami'), /system:serviceaccount:t:temp/)
    await kubectl('delete', 'serviceaccount', 'temp', '-n', 't')
    assert.match(await failure(kubectlWith('bare', '--token', token, 'auth', 'whoami')), /Unauthorized|must be logged in/)
  })

  it('TokenReview answers authenticated true with the user, or false for a bogus token or other audience', async () => {
    const token = (await kubectl('create', 'token', 'robot', '-n', 't', '--audience', 'api', '--audience', 'vault')).trim()
    const review = (spec: unknown) => server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {body: {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec}})
    const ok = await review({token, audiences: ['vault']})
    assert.equal(ok.status, 201, ok.text)
    assert.equal(ok.json.status.authenticated, true)
    assert.equal(ok.json.status.user.username, 'system:serviceaccount:t:robot')
    assert.deepEqual(ok.json.status.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:t', 'system:authenticated'])
    assert.deepEqual(ok.json.status.audiences, ['vault'])
    assert.equal((await review({token, audiences: ['other']})).json.status.authenticated, false)
    const bogus = await review({token: 'bogus'})
    assert.equal(bogus.status, 201)
    assert.equal(bogus.json.status.authenticated, false)
    assert.equal((await review({})).status, 422)
    const listed = await server.request('GET', '/apis/authentication.k8s.io/v1/tokenreviews')
    assert.equal(listed.status, 405)
  })

  it('serves the OIDC discovery document and a JWKS that verifies issued tokens', async () => {
    const config = await server.request('GET', '/.well-known/openid-configuration')
    assert.equal(config.status, 200, config.text)
    assert.equal(config.json.issuer, 'https://kubernetes.default.svc.cluster.local')
    assert.equal(config.json.jwks_uri, 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks')
    assert.deepEqual(config.json.id_token_signing_alg_values_supported, ['ES256'])
    const jwks = await server.request('GET', '/openid/v1/jwks')
    assert.equal(jwks.status, 200)
    assert.match(String(jwks.headers['content-type']), /application\/jwk-set\+json/)
    const token = (await kubectl('create', 'token', 'robot', '-n', 't')).trim()
    const {payload, protectedHeader} = await jwtVerify(token, createLocalJWKSet(jwks.json))
    assert.equal(payload.sub, 'system:serviceaccount:t:robot')
    assert.equal(protectedHeader.kid, jwks.json.keys[0].kid)
    assert.equal((await server.request('GET', '/openid/v1/jwks', {anonymous: true})).status, 401)
  })

  it('a token bound to a pod names it in its claims and stops working once the pod is deleted', async () => {
    await kubectl('run', 'web', '-n', 't', '--image', 'busybox', '--restart', 'Never')
    const token = (await kubectl('create', 'token', 'robot', '-n', 't', '--bound-object-kind', 'Pod', '--bound-object-name', 'web')).trim()
    const claims = decodeJwt(token)['kubernetes.io'] as {pod?: {name: string}}
    assert.equal(claims.pod?.name, 'web')
    assert.match(await kubectlWith('bare', '--token', token, 'auth', 'whoami'), /system:serviceaccount:t:robot/)
    await kubectl('delete', 'pod', 'web', '-n', 't', '--grace-period', '0', '--force')
    assert.match(await failure(kubectlWith('bare', '--token', token, 'auth', 'whoami')), /Unauthorized|must be logged in/)
    assert.match(await failure(kubectl('create', 'token', 'robot', '-n', 't', '--bound-object-kind', 'Pod', '--bound-object-name', 'gone')), /pods "gone" not found/)
  })
})
