// The agent's :10250 authentication (client certificate, bearer token by TokenReview) and authorization (SubjectAccessReview on nodes/<subresource>), with the reviews cached.
import assert from 'node:assert/strict'
import https from 'node:https'
import type {KubeObject} from '../../../../src/api/types.js'
import {requestAttributes, startAgentServer, subjectAccessReviewAuthorizer, tokenReviewAuthenticator, type RunningAgentServer} from '../../../../src/agent/server/index.js'
import {FakeClock} from '../../../../src/api/clock.js'
import {createTestCa, type TestCert} from '../../../helpers/pki.js'
import {FakeStreamRuntime} from './fake-runtime.js'

/** A review client answering like the apiserver would: one good token, and only the kubelet client may use nodes/proxy. */
function fakeReviews() {
  const calls: string[] = []
  const client = {
    async create<T extends KubeObject>(target: {resource: string}, body: T): Promise<T> {
      const spec = (body as unknown as {spec: Record<string, unknown>}).spec
      if (target.resource === 'tokenreviews') {
        calls.push(`tokenreview ${spec.token}`)
        const ok = spec.token === 'good-token'
        return {...body, status: ok ? {authenticated: true, user: {username: 'system:serviceaccount:mon:scraper', groups: ['system:serviceaccounts']}} : {authenticated: false}}
      }
      const ra = spec.resourceAttributes as {verb: string; subresource: string; name: string}
      calls.push(`sar ${spec.user} ${ra.verb} nodes/${ra.subresource} ${ra.name}`)
      const allowed = (spec.user === 'kube-apiserver-kubelet-client') || (spec.user === 'system:serviceaccount:mon:scraper' && ra.subresource === 'stats')
      return {...body, status: {allowed}}
    },
  }
  return {client, calls}
}

describe('agent server authn/authz', () => {
  let server: RunningAgentServer
  let ca: string
  let kubeletClient: TestCert
  let otherNode: TestCert
  const reviews = fakeReviews()
  const clock = new FakeClock(0)

  before(async () => {
    const testCa = await createTestCa()
    ca = testCa.cert
    const serving = await testCa.sign('CN=node-1', {server: true})
    kubeletClient = await testCa.sign('CN=kube-apiserver-kubelet-client,O=kube-master')
    otherNode = await testCa.sign('CN=system:node:node-2,O=system:nodes')
    server = await startAgentServer({
      port: 0, host: '127.0.0.1', tls: {...serving, ca}, runtime: new FakeStreamRuntime(), nodeName: 'node-1',
      authenticateToken: tokenReviewAuthenticator(reviews.client, clock), authorize: subjectAccessReviewAuthorizer(reviews.client, clock),
      pods: async () => [{metadata: {name: 'web'}}],
    })
  })
  after(() => server?.close())

  function get(path: string, opts: {cert?: TestCert; token?: string} = {}): Promise<{status: number; text: string}> {
    return new Promise((resolve, reject) => {
      https.get({host: '127.0.0.1', port: server.port, path, ca, ...(opts.cert ?? {}), agent: false, headers: opts.token ? {Authorization: `Bearer ${opts.token}`} : {}}, (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({status: res.statusCode!, text}))
      }).on('error', reject)
    })
  }

  it("maps paths and methods as the kubelet does", () => {
    assert.deepEqual(requestAttributes('GET', '/stats/summary', 'n'), {verb: 'get', subresource: 'stats', node: 'n', path: '/stats/summary'})
    assert.equal(requestAttributes('GET', '/metrics/cadvisor', 'n').subresource, 'metrics')
    assert.equal(requestAttributes('GET', '/logs/syslog', 'n').subresource, 'log')
    assert.equal(requestAttributes('GET', '/spec/', 'n').subresource, 'spec')
    assert.equal(requestAttributes('GET', '/pods', 'n').subresource, 'proxy')
    assert.equal(requestAttributes('POST', '/exec/ns/p/c', 'n').verb, 'create')
    assert.equal(requestAttributes('GET', '/statsx', 'n').subresource, 'proxy')
  })

  it('answers 401 to anonymous callers and bad tokens, 403 to a node, the pod list to the apiserver', async () => {
    assert.equal((await get('/pods')).status, 401)
    assert.equal((await get('/pods', {token: 'bad-token'})).status, 401)
    const denied = await get('/pods', {cert: otherNode})
    assert.equal(denied.status, 403)
    assert.match(denied.text, /Forbidden \(user=system:node:node-2, verb=get, resource=nodes, subresource=proxy\)/)
    const ok = await get('/pods', {cert: kubeletClient})
    assert.equal(ok.status, 200)
    assert.deepEqual(JSON.parse(ok.text), {kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{metadata: {name: 'web'}}]})
    assert.ok(reviews.calls.includes('sar kube-apiserver-kubelet-client get nodes/proxy node-1'))
  })

  it('authenticates a bearer token by TokenReview and authorizes per subresource, caching both', async () => {
    // /stats is allowed to the token's user, /pods (nodes/proxy) is not.
    assert.notEqual((await get('/stats/summary', {token: 'good-token'})).status, 401)
    assert.notEqual((await get('/stats/summary', {token: 'good-token'})).status, 403)
    assert.equal((await get('/pods', {token: 'good-token'})).status, 403)
    const before = reviews.calls.length
    await get('/pods', {token: 'good-token'})
    assert.equal(reviews.calls.length, before, 'token review and denial cached')
    await clock.advance(31_000)
    await get('/pods', {token: 'good-token'})
    assert.deepEqual(reviews.calls.slice(before), ['sar system:serviceaccount:mon:scraper get nodes/proxy node-1'], 'the denial expired after 30 s; the token review is still cached')
  })
})
