// DaemonSet kind: rollingUpdate validation and the template generation the server keeps in an annotation.
import assert from 'node:assert/strict'
import {applyDefaults, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {prepareCreate, prepareUpdate} from '../../../src/apiserver/objects.js'
import {decodeProtobufObject} from '../../../src/apiserver/protobuf/index.js'
import {builtin} from './builtin.js'

const DS = builtin('apps', 'daemonsets')
const GEN = 'deprecated.daemonset.template.generation'

function daemonSet(rollingUpdate?: Record<string, unknown>, image = 'x:1'): KubeObject {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {name: 'agent', namespace: 'default'},
    spec: {selector: {matchLabels: {app: 'a'}}, template: {metadata: {labels: {app: 'a'}}, spec: {containers: [{name: 'c', image}]}}, ...(rollingUpdate ? {updateStrategy: {type: 'RollingUpdate', rollingUpdate}} : {})},
  }
  applyDefaults(DS, ds)
  return ds
}

// Minimal protobuf writers: small values only, enough for a hand-made body.
const varint = (n: number) => (n < 128 ? Buffer.from([n]) : Buffer.from([(n & 0x7f) | 0x80, n >> 7]))
const ld = (no: number, body: Buffer | string) => {
  const b = typeof body === 'string' ? Buffer.from(body) : body
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b])
}
const vi = (no: number, n: number) => Buffer.concat([varint(no << 3), varint(n)])

const causes = (ds: KubeObject) => validateObject(DS, ds).map((c) => `${c.field}: ${c.message}`)

describe('DaemonSet kind', () => {
  it('accepts the defaults and a percentage surge', () => {
    assert.deepEqual(causes(daemonSet()), [])
    assert.deepEqual(causes(daemonSet({maxUnavailable: 0, maxSurge: '25%'})), [])
  })

  it('rejects both budgets zero, both non-zero, bad percentages and more than 100%', () => {
    assert.deepEqual(causes(daemonSet({maxUnavailable: 0, maxSurge: 0})), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'])
    assert.deepEqual(causes(daemonSet({maxUnavailable: 1, maxSurge: 1})), ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'])
    assert.deepEqual(causes(daemonSet({maxUnavailable: '150%', maxSurge: 0})), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'])
    assert.equal(causes(daemonSet({maxUnavailable: 'half', maxSurge: 0})).length, 1)
    const bad = daemonSet()
    bad.spec.updateStrategy = {type: 'Sometimes'}
    assert.deepEqual(causes(bad), ['spec.updateStrategy.type: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"'])
  })

  it('starts the template generation at 1 and bumps it only when the template changes', () => {
    const created = daemonSet()
    created.status = {numberReady: 3}
    prepareCreate(DS, created, new Date())
    assert.equal(created.metadata.annotations?.[GEN], '1')
    assert.equal(created.status, undefined)
    const sameTemplate = structuredClone(created)
    sameTemplate.spec.minReadySeconds = 5
    sameTemplate.metadata.annotations = {[GEN]: '99'}
    assert.equal(prepareUpdate(DS, sameTemplate, created, 'main').metadata.annotations?.[GEN], '1')
    const newImage = daemonSet(undefined, 'x:2')
    const updated = prepareUpdate(DS, newImage, created, 'main')
    assert.equal(updated.metadata.annotations?.[GEN], '2')
    assert.equal(updated.metadata.generation, 2)
  })

  it('decodes a protobuf DaemonSet body (selector, template, rolling update with a percentage, minReadySeconds)', () => {
    const labels = ld(11, Buffer.concat([ld(1, 'app'), ld(2, 'a')]))
    const container = ld(2, Buffer.concat([ld(1, 'c'), ld(2, 'x:1')]))
    const template = Buffer.concat([ld(1, labels), ld(2, container)])
    const intOrString = Buffer.concat([vi(1, 1), ld(3, '20%')])
    const strategy = Buffer.concat([ld(1, 'RollingUpdate'), ld(2, ld(1, intOrString))])
    const spec = Buffer.concat([ld(1, ld(1, Buffer.concat([ld(1, 'app'), ld(2, 'a')]))), ld(2, template), ld(3, strategy), vi(4, 5), vi(6, 3)])
    const raw = Buffer.concat([ld(1, ld(1, 'agent')), ld(2, spec)])
    const body = Buffer.concat([Buffer.from('k8s\0', 'binary'), ld(1, Buffer.concat([ld(1, 'apps/v1'), ld(2, 'DaemonSet')])), ld(2, raw), ld(3, ''), ld(4, '')])
    const ds = decodeProtobufObject(body) as KubeObject
    assert.equal(ds.metadata.name, 'agent')
    assert.deepEqual(ds.spec.selector, {matchLabels: {app: 'a'}})
    assert.deepEqual(ds.spec.template.metadata.labels, {app: 'a'})
    assert.deepEqual(ds.spec.template.spec.containers, [{name: 'c', image: 'x:1'}])
    assert.deepEqual(ds.spec.updateStrategy, {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '20%'}})
    assert.equal(ds.spec.minReadySeconds, 5)
    assert.equal(ds.spec.revisionHistoryLimit, 3)
  })
})
