// Decodes real protobuf bodies captured from kubectl v1.32 `create` generators and compares them with kubectl's own JSON.
import {strict as assert} from 'node:assert'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {decodeEnvelope, decodeMessage, decodeProtobufObject, isProtobuf, ProtobufDecodeError} from '../../../../src/apiserver/protobuf/index.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/protobuf')

// Each .bin was recorded from `kubectl create ...` against a stub server; the .json next to it is
// `kubectl create ... --dry-run=client -o json` for the same command with `creationTimestamp: null` removed.
// job-from-cronjob is `kubectl create job --from=cronjob/c` against a stub CronJob with a deliberately rich PodSpec
// (env sources, probes, volumes, tolerations...), which checks the PodSpec field numbers against the real encoder.
// token.json (kubectl create token) is hand-written: dry-run cannot print a TokenRequest.
const names = readdirSync(fixtures).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort()

/** Encodes a varint; used to build small hand-made messages. */
function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return Buffer.from(out)
}
const tag = (no: number, wt: number) => varint((no << 3) | wt)
const ld = (no: number, body: Buffer | string) => {
  const b = typeof body === 'string' ? Buffer.from(body) : body
  return Buffer.concat([tag(no, 2), varint(b.length), b])
}
const vi = (no: number, n: number | bigint) => Buffer.concat([tag(no, 0), varint(n)])
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'binary'), ld(1, Buffer.concat([ld(1, apiVersion), ld(2, kind)])), ld(2, raw), ld(3, ''), ld(4, '')])

describe('protobuf decoding', () => {
  it('has fixtures for the generators', () => {
    for (const n of ['configmap', 'secret', 'namespace', 'serviceaccount', 'deployment', 'service', 'job', 'cronjob']) assert.ok(names.includes(n), n)
  })

  // Recorded for kinds the registry does not serve yet: their schemas arrive with their kind modules.
  const unserved = new Set(['hpa'])

  for (const name of names.filter((n) => unserved.has(n))) {
    it(`rejects kubectl's ${name} body as unsupported until its kind is served`, () => {
      const buf = readFileSync(join(fixtures, `${name}.bin`))
      const {kind} = decodeEnvelope(buf)
      assert.throws(() => decodeProtobufObject(buf), (e: Error) => e instanceof ProtobufDecodeError && e.message.includes(kind) && /not supported/.test(e.message))
    })
  }

  for (const name of names.filter((n) => !unserved.has(n))) {
    it(`decodes kubectl's ${name} body like kubectl's JSON`, () => {
      const buf = readFileSync(join(fixtures, `${name}.bin`))
      assert.ok(isProtobuf(buf))
      const expected = JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8'))
      assert.deepEqual(decodeProtobufObject(buf), expected)
    })
  }

  it('recognises the magic prefix only', () => {
    assert.equal(isProtobuf(Buffer.from('{"kind":"Pod"}')), false)
    assert.equal(isProtobuf(Buffer.from('k8s')), false)
  })

  it('rejects unknown kinds with a clear message', () => {
    const buf = envelope('example.com/v1', 'Widget', ld(1, ld(1, 'w')))
    assert.throws(() => decodeProtobufObject(buf), (e: Error) => e instanceof ProtobufDecodeError && /Widget/.test(e.message))
  })

  it('reads the envelope', () => {
    const env = decodeEnvelope(envelope('v1', 'ConfigMap', Buffer.alloc(0)))
    assert.equal(env.apiVersion, 'v1')
    assert.equal(env.kind, 'ConfigMap')
    assert.equal(env.raw.length, 0)
  })

  it('skips unknown fields of every wire type', () => {
    const fixed64 = Buffer.concat([tag(90, 1), Buffer.alloc(8)])
    const fixed32 = Buffer.concat([tag(91, 5), Buffer.alloc(4)])
    const raw = Buffer.concat([ld(1, ld(1, 'x')), vi(77, 5), ld(78, 'junk'), fixed64, fixed32, ld(2, Buffer.concat([ld(1, 'a'), ld(2, 'b')]))])
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'ConfigMap', raw)), {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'x'}, data: {a: 'b'}})
  })

  it('decodes Time, negative int32, int64 and string IntOrString', () => {
    const time = ld(8, Buffer.concat([vi(1, 1700000000)]))
    const meta = decodeMessage(Buffer.concat([ld(1, 'n'), time, vi(7, 2n ** 40n)]), 'ObjectMeta')
    assert.deepEqual(meta, {name: 'n', creationTimestamp: '2023-11-14T22:13:20Z', generation: 2 ** 40})
    const port = decodeMessage(Buffer.concat([vi(3, 80), ld(4, Buffer.concat([vi(1, 1), ld(3, 'http')]))]), 'ServicePort')
    assert.deepEqual(port, {port: 80, targetPort: 'http'})
    assert.deepEqual(decodeMessage(vi(3, -5), 'ServicePort'), {port: -5})
  })

  it('decodes a kube-api-access projected volume (token, configMap and downwardAPI sources)', () => {
    const token = ld(4, Buffer.concat([vi(2, 3607), ld(3, 'token')]))
    const cm = ld(3, Buffer.concat([ld(1, ld(1, 'kube-root-ca.crt')), ld(2, Buffer.concat([ld(1, 'ca.crt'), ld(2, 'ca.crt')]))]))
    const dw = ld(2, ld(1, Buffer.concat([ld(1, 'namespace'), ld(2, Buffer.concat([ld(1, 'v1'), ld(2, 'metadata.namespace')]))])))
    const source = ld(26, Buffer.concat([ld(1, token), ld(1, cm), ld(1, dw), vi(2, 420)]))
    assert.deepEqual(decodeMessage(Buffer.concat([ld(1, 'kube-api-access-abcde'), ld(2, source)]), 'Volume'), {
      name: 'kube-api-access-abcde',
      projected: {defaultMode: 420, sources: [
        {serviceAccountToken: {path: 'token', expirationSeconds: 3607}},
        {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
        {downwardAPI: {items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}]}},
      ]},
    })
    const downward = ld(16, Buffer.concat([ld(1, Buffer.concat([ld(1, 'labels'), ld(2, ld(2, 'metadata.labels'))])), vi(2, 0o600)]))
    assert.deepEqual(decodeMessage(Buffer.concat([ld(1, 'info'), ld(2, downward)]), 'Volume'), {name: 'info', downwardAPI: {items: [{path: 'labels', fieldRef: {fieldPath: 'metadata.labels'}}], defaultMode: 0o600}})
  })

  it('decodes an Eviction as kubectl drain sends it', () => {
    const raw = Buffer.concat([ld(1, Buffer.concat([ld(1, 'web-1'), ld(3, 'default')])), ld(2, Buffer.concat([vi(1, 0), ld(5, 'All')]))])
    assert.deepEqual(decodeProtobufObject(envelope('policy/v1', 'Eviction', raw)), {
      kind: 'Eviction', apiVersion: 'policy/v1', metadata: {name: 'web-1', namespace: 'default'}, deleteOptions: {gracePeriodSeconds: 0, dryRun: ['All']},
    })
  })

  it('throws on truncated input instead of looping', () => {
    const buf = readFileSync(join(fixtures, 'deployment.bin'))
    assert.throws(() => decodeProtobufObject(buf.subarray(0, buf.length - 3)))
  })
})
