// The PodDisruptionBudget and ReplicationController kinds: discovery names, validation with Kubernetes' messages, kubectl's tables.
import assert from 'node:assert/strict'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const pdbDef = builtin('policy', 'poddisruptionbudgets')
const rcDef = builtin('', 'replicationcontrollers')
const now = new Date('2026-01-10T12:00:00Z')
const created = new Date(now.getTime() - 90_000).toISOString()
const budget = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'b', namespace: 'default', creationTimestamp: created}, spec, ...(status ? {status} : {})})
const causes = (def: typeof pdbDef, obj: KubeObject) => {
  applyDefaults(def, obj)
  return validateObject(def, obj).map((c) => `${c.field}: ${c.message}`)
}

describe('poddisruptionbudget kind', () => {
  it('is served as policy/v1 poddisruptionbudgets, short name pdb, with a status subresource', () => {
    assert.deepEqual([pdbDef.version, pdbDef.kind, pdbDef.shortNames, pdbDef.namespaced, pdbDef.subresources.map((s) => s.name)], ['v1', 'PodDisruptionBudget', ['pdb'], true, ['status']])
  })

  it('accepts an integer or a percentage, one of minAvailable and maxUnavailable', () => {
    assert.deepEqual(causes(pdbDef, budget({minAvailable: 2, selector: {matchLabels: {app: 'web'}}})), [])
    assert.deepEqual(causes(pdbDef, budget({maxUnavailable: '25%', selector: {}})), [])
  })

  it('rejects both set, negative numbers, malformed or oversized percentages, bad selectors and policies', () => {
    const both = causes(pdbDef, budget({minAvailable: 1, maxUnavailable: 1}))
    assert.equal(both.length, 1)
    assert.match(both[0], /^spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/)
    assert.deepEqual(causes(pdbDef, budget({minAvailable: -1})), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0'])
    assert.deepEqual(causes(pdbDef, budget({maxUnavailable: '150%'})), ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%'])
    assert.match(causes(pdbDef, budget({minAvailable: 'half'}))[0], /^spec\.minAvailable: Invalid value: "half": a valid percent string must be/)
    assert.deepEqual(causes(pdbDef, budget({minAvailable: 1, selector: {matchExpressions: [{key: 'a', operator: 'In'}]}})), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ])
    assert.deepEqual(causes(pdbDef, budget({minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes'})), [
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "IfHealthyBudget", "AlwaysAllow"',
    ])
  })

  it("prints kubectl's columns, N/A for the unset bound", () => {
    assert.deepEqual(tableColumns(pdbDef).map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'])
    assert.deepEqual(tableRow(pdbDef, budget({minAvailable: '50%'}, {disruptionsAllowed: 2}), now), ['b', '50%', 'N/A', 2, '90s'])
    assert.deepEqual(tableRow(pdbDef, budget({maxUnavailable: 1}), now), ['b', 'N/A', '1', 0, '90s'])
  })
})

describe('replicationcontroller kind', () => {
  const rc = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({apiVersion: 'v1', kind: 'ReplicationController', metadata: {name: 'r', namespace: 'default', creationTimestamp: created}, spec, ...(status ? {status} : {})})
  const template = {metadata: {labels: {app: 'r'}}, spec: {containers: [{name: 'c', image: 'busybox'}]}}

  it('is served as v1 replicationcontrollers, short name rc, with scale and status', () => {
    assert.deepEqual([rcDef.kind, rcDef.shortNames, rcDef.subresources.map((s) => s.name)], ['ReplicationController', ['rc'], ['scale', 'status']])
  })

  it('requires a selector when the template has no labels to default it from', () => {
    assert.deepEqual(causes(rcDef, rc({template: {spec: template.spec}})), ['spec.selector: Required value'])
    assert.deepEqual(causes(rcDef, rc({selector: {app: 'r'}, replicas: -1, template})), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'])
  })

  it("prints kubectl's columns", () => {
    assert.deepEqual(tableColumns(rcDef).map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'])
    const obj = rc({replicas: 3, template}, {replicas: 2, readyReplicas: 1})
    applyDefaults(rcDef, obj)
    assert.deepEqual(tableRow(rcDef, obj, now), ['r', 3, 2, 1, '90s', 'c', 'busybox', 'app=r'])
  })
})
