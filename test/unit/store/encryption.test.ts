// The encryption-at-rest transformer: Kubernetes' aesgcm/aescbc layouts, provider order, rotation, identity reads.
import assert from 'node:assert/strict'
import {createDecipheriv, randomBytes} from 'node:crypto'
import yaml from 'js-yaml'
import {defaultEncryptionConfig} from '../../../src/cluster/encryption-config.js'
import {parseEncryptionConfig} from '../../../src/store/encryption.js'

const secretKey = '/registry/core/secrets/default/x'
const plain = Buffer.from('{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}')

/** An EncryptionConfiguration for secrets with the given providers. */
function config(providers: unknown[], resources = ['secrets']): string {
  return yaml.dump({apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{resources, providers}]})
}
const gcm = (...keys: Array<[string, Buffer]>) => ({aesgcm: {keys: keys.map(([name, k]) => ({name, secret: k.toString('base64')}))}})
const cbc = (...keys: Array<[string, Buffer]>) => ({aescbc: {keys: keys.map(([name, k]) => ({name, secret: k.toString('base64')}))}})

describe('encryption at rest transformer', () => {
  const k1 = randomBytes(32)
  const k2 = randomBytes(32)

  it('writes the k8s:enc:aesgcm:v1:<name>: layout: nonce, ciphertext, tag, the etcd key as AAD', () => {
    const t = parseEncryptionConfig(config([gcm(['key1', k1])]))
    const stored = t.toStorage(secretKey, plain)
    const prefix = 'k8s:enc:aesgcm:v1:key1:'
    assert.equal(stored.subarray(0, prefix.length).toString(), prefix)
    assert.ok(!stored.includes(Buffer.from('aHVudGVyMg==')))
    assert.equal(stored.length, prefix.length + 12 + plain.length + 16)
    // Decrypt by hand, as Kubernetes' Go code would read it.
    const body = stored.subarray(prefix.length)
    const d = createDecipheriv('aes-256-gcm', k1, body.subarray(0, 12))
    d.setAAD(Buffer.from(secretKey))
    d.setAuthTag(body.subarray(body.length - 16))
    assert.ok(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).equals(plain))
    assert.ok(t.fromStorage(secretKey, stored).equals(plain))
  })

  it('uses a fresh nonce per write', () => {
    const t = parseEncryptionConfig(config([gcm(['key1', k1])]))
    assert.ok(!t.toStorage(secretKey, plain).equals(t.toStorage(secretKey, plain)))
  })

  it('refuses a ciphertext moved under another key (AAD)', () => {
    const t = parseEncryptionConfig(config([gcm(['key1', k1])]))
    const stored = t.toStorage(secretKey, plain)
    assert.throws(() => t.fromStorage('/registry/core/secrets/default/y', stored), /cannot decrypt/)
  })

  it('reads old data after a rotation (new key first, old second) and writes with the new key', () => {
    const before = parseEncryptionConfig(config([gcm(['key1', k1])]))
    const old = before.toStorage(secretKey, plain)
    const after = parseEncryptionConfig(config([gcm(['key2', k2], ['key1', k1])]))
    assert.ok(after.fromStorage(secretKey, old).equals(plain))
    assert.equal(after.toStorage(secretKey, plain).subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key2:')
  })

  it('fails loudly with a wrong key of the same name', () => {
    const stored = parseEncryptionConfig(config([gcm(['key1', k1])])).toStorage(secretKey, plain)
    const wrong = parseEncryptionConfig(config([gcm(['key1', k2]), {identity: {}}]))
    assert.throws(() => wrong.fromStorage(secretKey, stored), /cannot decrypt \/registry\/core\/secrets\/default\/x/)
  })

  it('fails loudly when the key is gone, even with identity configured', () => {
    const stored = parseEncryptionConfig(config([gcm(['key1', k1])])).toStorage(secretKey, plain)
    const other = parseEncryptionConfig(config([gcm(['key2', k2]), {identity: {}}]))
    assert.throws(() => other.fromStorage(secretKey, stored), /no provider for k8s:enc:aesgcm:v1:key1/)
  })

  it('reads plain data through identity, and refuses it without identity', () => {
    const withIdentity = parseEncryptionConfig(config([gcm(['key1', k1]), {identity: {}}]))
    assert.ok(withIdentity.fromStorage(secretKey, plain).equals(plain))
    const strict = parseEncryptionConfig(config([gcm(['key1', k1])]))
    assert.throws(() => strict.fromStorage(secretKey, plain), /not encrypted/)
  })

  it('identity first writes plain and still reads encrypted data (decryption rollback)', () => {
    const stored = parseEncryptionConfig(config([gcm(['key1', k1])])).toStorage(secretKey, plain)
    const t = parseEncryptionConfig(config([{identity: {}}, gcm(['key1', k1])]))
    assert.ok(t.toStorage(secretKey, plain).equals(plain))
    assert.ok(t.fromStorage(secretKey, stored).equals(plain))
  })

  it('supports aescbc', () => {
    const t = parseEncryptionConfig(config([cbc(['c1', k1])]))
    const stored = t.toStorage(secretKey, plain)
    assert.equal(stored.subarray(0, 21).toString(), 'k8s:enc:aescbc:v1:c1:')
    assert.equal((stored.length - 21) % 16, 0)
    assert.ok(t.fromStorage(secretKey, stored).equals(plain))
  })

  it('leaves resources outside the config alone and maps group resources to their keys', () => {
    const t = parseEncryptionConfig(config([gcm(['key1', k1])], ['secrets', 'widgets.example.com']))
    const cm = '/registry/core/configmaps/default/x'
    assert.ok(t.toStorage(cm, plain).equals(plain))
    assert.equal(t.toStorage('/registry/example.com/widgets/default/w', plain).subarray(0, 8).toString(), 'k8s:enc:')
  })

  it('rejects bad configs', () => {
    assert.throws(() => parseEncryptionConfig(config([gcm(['key1', randomBytes(20)])])), /16, 24 or 32 bytes/)
    assert.throws(() => parseEncryptionConfig(config([])), /at least one provider/)
    assert.throws(() => parseEncryptionConfig(config([{kms: {}}])), /unsupported provider kms/)
    assert.throws(() => parseEncryptionConfig('kind: Other'), /EncryptionConfiguration/)
  })

  it('the default cluster config encrypts secrets with a fresh 32-byte key and reads plain ones', () => {
    const text = defaultEncryptionConfig()
    assert.notEqual(text, defaultEncryptionConfig())
    const t = parseEncryptionConfig(text)
    assert.equal(t.toStorage(secretKey, plain).subarray(0, 23).toString(), 'k8s:enc:aesgcm:v1:key1:')
    assert.ok(t.fromStorage(secretKey, plain).equals(plain))
  })
})
