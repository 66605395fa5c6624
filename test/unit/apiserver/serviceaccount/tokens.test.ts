// Service-account JWTs: the claims Kubernetes puts in them and every reason verification refuses one.
import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {decodeJwt, decodeProtectedHeader} from 'jose'
import {DEFAULT_ISSUER, ServiceAccountTokens, type UidLookup} from '../../../../src/apiserver/serviceaccount/tokens.js'

const keyPem = () => generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}).toString()

describe('service-account tokens', () => {
  let clock = new Date('2026-01-01T00:00:00Z')
  const now = () => clock
  const uids = new Map<string, string>([['ServiceAccount/t/robot', 'sa-1'], ['Pod/t/web', 'pod-1']])
  const lookup: UidLookup = async (kind, ns, name) => uids.get(`${kind}/${ns}/${name}`)
  const pem = keyPem()
  const tokens = ServiceAccountTokens.fromPem(pem, {now})
  beforeEach(() => { clock = new Date('2026-01-01T00:00:00Z') })

  it('carries the claims Kubernetes issues, with the key id in the header', async () => {
    const {token, expiration} = await tokens.issue({namespace: 't', name: 'robot', uid: 'sa-1', bound: {kind: 'Pod', name: 'web', uid: 'pod-1'}}, ['api'], 600)
    const claims = decodeJwt(token)
    assert.equal(claims.iss, DEFAULT_ISSUER)
    assert.equal(claims.sub, 'system:serviceaccount:t:robot')
    assert.deepEqual(claims.aud, ['api'])
    assert.equal(claims.exp! - claims.iat!, 600)
    assert.equal(claims.nbf, claims.iat)
    assert.deepEqual(claims['kubernetes.io'], {namespace: 't', serviceaccount: {name: 'robot', uid: 'sa-1'}, pod: {name: 'web', uid: 'pod-1'}})
    assert.equal(expiration.getTime(), clock.getTime() + 600_000)
    const header = decodeProtectedHeader(token)
    assert.deepEqual({alg: header.alg, kid: header.kid}, {alg: 'ES256', kid: tokens.keyId})
    const jwk = (await tokens.jwks()).keys[0]
    assert.deepEqual({kid: jwk.kid, kty: jwk.kty, crv: jwk.crv, use: jwk.use}, {kid: tokens.keyId, kty: 'EC', crv: 'P-256', use: 'sig'})
  })

  it('authenticates a valid token as the service account with its groups', async () => {
    const {token} = await tokens.issue({namespace: 't', name: 'robot', uid: 'sa-1'}, [DEFAULT_ISSUER], 3600)
    const user = await tokens.authenticate(token, lookup)
    assert.deepEqual(user, {name: 'system:serviceaccount:t:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:t'], audiences: [DEFAULT_ISSUER]})
  })

  it('refuses expired tokens, other audiences, other keys and tampered tokens', async () => {
    const {token} = await tokens.issue({namespace: 't', name: 'robot', uid: 'sa-1'}, [DEFAULT_ISSUER], 600)
    assert.equal(await tokens.authenticate(token, lookup, ['other']), undefined)
    assert.equal(await ServiceAccountTokens.fromPem(keyPem(), {now}).authenticate(token, lookup), undefined)
    const [h, p, s] = token.split('.')
    const forged = Buffer.from(JSON.stringify({...decodeJwt(token), sub: 'system:serviceaccount:kube-system:admin'})).toString('base64url')
    assert.equal(await tokens.authenticate([h, forged, s].join('.'), lookup), undefined)
    assert.notEqual(await tokens.authenticate(`${h}.${p}.${s}`, lookup), undefined)
    clock = new Date(clock.getTime() + 601_000)
    assert.equal(await tokens.authenticate(token, lookup), undefined)
    assert.equal(await tokens.authenticate('not-a-jwt', lookup), undefined)
  })

  it('refuses tokens of a deleted or recreated service account or bound pod', async () => {
    const {token} = await tokens.issue({namespace: 't', name: 'robot', uid: 'sa-1', bound: {kind: 'Pod', name: 'web', uid: 'pod-1'}}, [DEFAULT_ISSUER], 600)
    assert.notEqual(await tokens.authenticate(token, lookup), undefined)
    uids.set('Pod/t/web', 'pod-2')
    assert.equal(await tokens.authenticate(token, lookup), undefined)
    uids.set('Pod/t/web', 'pod-1')
    uids.delete('ServiceAccount/t/robot')
    assert.equal(await tokens.authenticate(token, lookup), undefined)
    uids.set('ServiceAccount/t/robot', 'sa-2')
    assert.equal(await tokens.authenticate(token, lookup), undefined)
  })
})
