// Quota arithmetic and evaluators: exact amounts printed as Kubernetes prints quantities, pod usage, scopes, the must-specify message, the kinds' validation and table.
import assert from 'node:assert/strict'
import {applyDefaults, tableRow, validateObject} from '../../../src/api/resources/index.js'
import {exceeded, formatAmount, mask, milli, prettyPrint, toAmounts} from '../../../src/api/quota/amounts.js'
import {evaluatorFor, inScopes, resourceOfName, type ResourceQuota} from '../../../src/api/quota/evaluators.js'
import {missingCompute, podUsage} from '../../../src/api/quota/pods.js'
import type {Pod} from '../../../src/api/types/workloads.js'
import {builtin} from './builtin.js'

const now = new Date('2026-01-01T00:00:00Z')
const pod = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): Pod =>
  ({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 't'}, spec, status}) as unknown as Pod

describe('quota amounts', () => {
  it('parses quantities exactly in thousandths and prints them canonically', () => {
    assert.equal(milli('250m'), 250n)
    assert.equal(milli('1.5'), 1500n)
    assert.equal(milli('1Ki'), 1024_000n)
    assert.equal(milli(2), 2000n)
    assert.equal(formatAmount(500n, 'cpu'), '500m')
    assert.equal(formatAmount(2000n, 'pods'), '2')
    assert.equal(formatAmount(1_000_000n, 'pods'), '1k')
    assert.equal(formatAmount(milli('128Mi') * 2n, 'requests.memory'), '256Mi')
    assert.equal(formatAmount(milli('1G'), 'memory'), '1G')
    assert.equal(formatAmount(0n, 'pods'), '0')
  })

  it('pretty-prints sorted name=value lists and finds what exceeds a limit', () => {
    const used = toAmounts({pods: '3', 'requests.cpu': '1500m', configmaps: '1'})
    assert.equal(prettyPrint(used), 'configmaps=1,pods=3,requests.cpu=1500m')
    assert.deepEqual(exceeded(used, toAmounts({pods: '2', 'requests.cpu': '2'})), ['pods'])
    assert.equal(prettyPrint(mask(used, ['pods'])), 'pods=3')
  })
})

describe('quota evaluators', () => {
  const spec = {
    initContainers: [{name: 'init', image: 'x', resources: {requests: {cpu: '2', memory: '64Mi'}}}],
    containers: [
      {name: 'a', image: 'x', resources: {requests: {cpu: '500m', memory: '64Mi'}, limits: {cpu: '1', memory: '128Mi'}}},
      {name: 'b', image: 'x', resources: {requests: {cpu: '250m', memory: '64Mi'}, limits: {cpu: '500m', memory: '128Mi'}}},
    ],
  }

  it('charges a pod its count and the larger of its containers sum and its biggest init container', () => {
    const u = podUsage(pod(spec), now)
    assert.equal(prettyPrint(u), 'count/pods=1,cpu=2,limits.cpu=1500m,limits.memory=256Mi,memory=128Mi,pods=1,requests.cpu=2,requests.memory=128Mi')
  })

  it('charges huge pages under both names and extended resources as requests.<name>', () => {
    const p = pod({containers: [{name: 'c', image: 'x', resources: {requests: {'hugepages-2Mi': '4Mi', 'example.com/gpu': '1'}, limits: {'hugepages-2Mi': '4Mi', 'example.com/gpu': '1'}}}]})
    assert.equal(prettyPrint(podUsage(p, now)), 'count/pods=1,hugepages-2Mi=4Mi,pods=1,requests.example.com/gpu=1,requests.hugepages-2Mi=4Mi')
    const pods = evaluatorFor('', 'pods')
    assert.ok(pods.matches('requests.example.com/gpu') && pods.matches('requests.hugepages-2Mi') && !pods.matches('requests.storage'))
    assert.deepEqual(resourceOfName('requests.example.com/gpu'), {group: '', resource: 'pods'})
  })

  it('charges a finished pod only its object count', () => {
    assert.equal(prettyPrint(podUsage(pod(spec, {phase: 'Succeeded'}), now)), 'count/pods=1')
    assert.equal(prettyPrint(podUsage(pod(spec, {phase: 'Failed'}), now)), 'count/pods=1')
  })

  it('words missing cpu and memory settings as Kubernetes does, only for names the quota tracks', () => {
    const p = pod({containers: [{name: 'web', image: 'x', resources: {requests: {cpu: '1'}}}, {name: 'db', image: 'x'}]})
    assert.equal(missingCompute(p, ['pods', 'limits.cpu', 'requests.memory']), 'must specify limits.cpu for: db,web; requests.memory for: db,web')
    assert.equal(missingCompute(p, ['pods', 'ephemeral-storage']), undefined)
  })

  it('charges services for load balancers and node ports, and other kinds by count', () => {
    const svc = {apiVersion: 'v1', kind: 'Service', metadata: {name: 's'}, spec: {type: 'LoadBalancer', ports: [{port: 80}, {port: 443}]}}
    assert.equal(prettyPrint(evaluatorFor('', 'services').usage(svc, now)), 'count/services=1,services=1,services.loadbalancers=1,services.nodeports=2')
    const cm = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}}
    assert.equal(prettyPrint(evaluatorFor('', 'configmaps').usage(cm, now)), 'configmaps=1,count/configmaps=1')
    const deploy = evaluatorFor('apps', 'deployments')
    assert.ok(deploy.matches('count/deployments.apps'))
    assert.ok(!deploy.matches('pods'))
    assert.deepEqual(resourceOfName('count/deployments.apps'), {group: 'apps', resource: 'deployments'})
    assert.deepEqual(resourceOfName('limits.memory'), {group: '', resource: 'pods'})
    assert.deepEqual(resourceOfName('requests.storage'), {group: '', resource: 'persistentvolumeclaims'})
  })

  it('applies BestEffort and Terminating scopes to pods only', () => {
    const q = (scopes: string[]): ResourceQuota => ({apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q'}, spec: {hard: {pods: '1'}, scopes}})
    const pods = evaluatorFor('', 'pods')
    const bare = pod({containers: [{name: 'c', image: 'x'}]})
    assert.ok(inScopes(q(['BestEffort']), pods, bare))
    assert.ok(!inScopes(q(['NotBestEffort']), pods, bare))
    assert.ok(!inScopes(q(['BestEffort']), pods, pod(spec)))
    assert.ok(inScopes(q(['Terminating']), pods, pod({...spec, activeDeadlineSeconds: 10})))
    assert.ok(!inScopes(q(['BestEffort']), evaluatorFor('', 'configmaps'), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}}))
  })
})

describe('ResourceQuota and LimitRange kinds', () => {
  const quotas = builtin('', 'resourcequotas')
  const limits = builtin('', 'limitranges')

  it('refuses negative and malformed hard limits and unknown scopes', () => {
    const causes = validateObject(quotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 't'}, spec: {hard: {pods: '-1', cpu: 'lots'}, scopes: ['Sometimes']}})
    const text = causes.map((c) => `${c.field}: ${c.message}`)
    assert.ok(text.includes('spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0'), text.join('\n'))
    assert.ok(text.some((t) => t.startsWith('spec.hard[cpu]: Invalid value: "lots"')), text.join('\n'))
    assert.ok(text.includes('spec.scopes: Invalid value: []core.ResourceQuotaScope{"Sometimes"}: unsupported scope'), text.join('\n'))
    const scoped = (scopes: string[], hard: Record<string, string>) => validateObject(quotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 't'}, spec: {hard, scopes}}).map((c) => c.message)
    assert.deepEqual(scoped(['BestEffort'], {pods: '1', cpu: '1'}), ['Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource'])
    assert.deepEqual(scoped(['Terminating', 'NotTerminating'], {pods: '1'}), ['Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes'])
    assert.deepEqual(scoped(['NotBestEffort'], {pods: '1', 'limits.cpu': '1'}), [])
    const more = validateObject(quotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 't'}, spec: {hard: {pods: '1.5', widgets: '1', 'count/widgets.example.com': '2', 'requests.cpu': '500m'}}})
    assert.deepEqual(more.map((c) => `${c.field}: ${c.message}`), ['spec.hard[pods]: Invalid value: "1.5": must be an integer', 'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota'])
  })

  it('prints used/hard split into request and limit columns as kubectl get quota shows them', () => {
    const q = {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 't', creationTimestamp: '2025-12-31T23:00:00Z'},
      status: {hard: {pods: '2', 'limits.cpu': '2', 'requests.memory': '1Gi'}, used: {pods: '1', 'limits.cpu': '500m'}}}
    assert.deepEqual(tableRow(quotas, q, now), ['q', '60m', 'pods: 1/2, requests.memory: 0/1Gi', 'limits.cpu: 500m/2'])
  })

  it('defaults a container default limit from max and default request from the default, and checks min <= max', () => {
    const lr = {apiVersion: 'v1', kind: 'LimitRange', metadata: {name: 'l', namespace: 't'}, spec: {limits: [{type: 'Container', max: {cpu: '1'}, min: {memory: '32Mi'}}]}}
    applyDefaults(limits, lr)
    assert.deepEqual(lr.spec.limits[0], {type: 'Container', max: {cpu: '1'}, min: {memory: '32Mi'}, default: {cpu: '1'}, defaultRequest: {cpu: '1', memory: '32Mi'}})
    const bad = {apiVersion: 'v1', kind: 'LimitRange', metadata: {name: 'l', namespace: 't'}, spec: {limits: [{type: 'Pod', min: {cpu: '2'}, max: {cpu: '1'}, default: {cpu: '1'}}]}}
    const text = validateObject(limits, bad).map((c) => `${c.field}: ${c.message}`)
    assert.ok(text.includes('spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1'), text.join('\n'))
    assert.ok(text.includes("spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"), text.join('\n'))
  })
})
