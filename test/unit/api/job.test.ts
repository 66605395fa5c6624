// Job (batch/v1): defaults and generated selector, validation of its policies as kube-apiserver words it, and kubectl's columns.
import assert from 'node:assert/strict'
import {applyDefaults, tableColumns, tableRow, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject, StatusCause} from '../../../src/api/types.js'
import {builtin} from './builtin.js'

const JOB = builtin('batch', 'jobs')
const now = new Date('2026-01-10T12:00:00Z')

function job(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KubeObject {
  const j: KubeObject = {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {name: 'pi', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-10T11:55:00Z'},
    spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'main', image: 'busybox'}]}}, ...spec},
    ...(status ? {status} : {}),
  }
  applyDefaults(JOB, j)
  return j
}
const causes = (obj: KubeObject): [string | undefined, string][] => validateObject(JOB, obj).map((c: StatusCause) => [c.field, c.message])

describe('Job resource', () => {
  it('defaults completions, parallelism, backoffLimit, modes and the generated selector', () => {
    const j = job()
    assert.deepEqual([j.spec.completions, j.spec.parallelism, j.spec.backoffLimit, j.spec.completionMode, j.spec.suspend, j.spec.podReplacementPolicy], [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed'])
    assert.deepEqual(j.spec.selector, {matchLabels: {'batch.kubernetes.io/controller-uid': 'u1'}})
    assert.equal(j.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'pi')
    assert.equal(job({backoffLimitPerIndex: 1, completionMode: 'Indexed', completions: 2}).spec.backoffLimit, 2147483647)
    assert.deepEqual(causes(job()), [])
  })

  it('validates the pod failure policy', () => {
    const rules = [
      {action: 'FailJob', onExitCodes: {containerName: 'other', operator: 'In', values: [0, 3, 3]}},
      {action: 'Boom', onPodConditions: [{type: 'DisruptionTarget'}]},
      {action: 'FailIndex', onPodConditions: [{type: 'X', status: 'Maybe'}]},
      {action: 'Ignore'},
    ]
    assert.deepEqual(causes(job({podFailurePolicy: {rules}})), [
      ['spec.podFailurePolicy.rules[0].onExitCodes.containerName', 'Invalid value: "other": must be one of the container or initContainer names in the pod template'],
      ['spec.podFailurePolicy.rules[0].onExitCodes.values[0]', 'Invalid value: 0: must not be 0 for the In operator'],
      ['spec.podFailurePolicy.rules[0].onExitCodes.values[2]', 'Duplicate value: 3'],
      ['spec.podFailurePolicy.rules[1].action', 'Unsupported value: "Boom": supported values: "Count", "FailIndex", "FailJob", "Ignore"'],
      ['spec.podFailurePolicy.rules[2].action', 'Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'],
      ['spec.podFailurePolicy.rules[2].onPodConditions[0].status', 'Unsupported value: "Maybe": supported values: "False", "True", "Unknown"'],
      ['spec.podFailurePolicy.rules[3]', 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required'],
    ])
    const onFailure = job({podFailurePolicy: {rules: []}, template: {spec: {restartPolicy: 'OnFailure', containers: [{name: 'main', image: 'busybox'}]}}})
    assert.deepEqual(causes(onFailure), [['spec.template.spec.restartPolicy', 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']])
  })

  it('validates per-index limits and the success policy against the completion mode', () => {
    assert.deepEqual(causes(job({backoffLimitPerIndex: 1, maxFailedIndexes: 1})), [['spec.backoffLimitPerIndex', 'Invalid value: 1: requires indexed completion mode']])
    assert.deepEqual(causes(job({completionMode: 'Indexed', completions: 2, maxFailedIndexes: 3})), [
      ['spec.backoffLimitPerIndex', 'Required value: when maxFailedIndexes is specified'],
      ['spec.maxFailedIndexes', 'Invalid value: 3: must be less than or equal to completions'],
    ])
    assert.deepEqual(causes(job({completionMode: 'Indexed', completions: 3, successPolicy: {rules: [{}, {succeededIndexes: '0-1', succeededCount: 5}]}})), [
      ['spec.successPolicy.rules[0]', 'Required value: at least one of succeededCount or succeededIndexes must be specified'],
      ['spec.successPolicy.rules[1].succeededCount', 'Invalid value: 5: must be less than or equal to 3 (the number of specified completions)'],
    ])
    assert.deepEqual(causes(job({completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1, maxFailedIndexes: 1, successPolicy: {rules: [{succeededIndexes: '0,2'}]}})), [])
  })

  it('prints STATUS, COMPLETIONS and DURATION as kubectl 1.32', () => {
    assert.deepEqual(tableColumns(JOB).map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'])
    const cond = (type: string) => ({conditions: [{type, status: 'True'}], startTime: '2026-01-10T11:56:00Z', succeeded: 1})
    const row = (spec: Record<string, unknown>, status: Record<string, unknown>) => tableRow(JOB, job(spec, status), now).slice(1, 4)
    assert.deepEqual(row({completions: 3}, {...cond('Complete'), completionTime: '2026-01-10T11:57:30Z'}), ['Complete', '1/3', '90s'])
    assert.deepEqual(row({}, cond('SuccessCriteriaMet')), ['SuccessCriteriaMet', '1/1', '4m'])
    assert.deepEqual(row({}, cond('FailureTarget')), ['FailureTarget', '1/1', '4m'])
    assert.deepEqual(row({parallelism: 3, completions: null}, {}), ['Running', '0/1 of 3', ''])
  })
})
