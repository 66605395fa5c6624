// Priority admission and PriorityClass validation over a MemoryStore: class resolution, the global default, Kubernetes' refusals.
import assert from 'node:assert/strict'
import {ResourceRegistry} from '../../../src/api/registry.js'
import type {KubeObject} from '../../../src/api/types.js'
import {type AdmissionAttributes, priorityAdmission} from '../../../src/apiserver/admission/index.js'
import type {ServerContext} from '../../../src/apiserver/context.js'
import {ApiError} from '../../../src/apiserver/errors.js'
import {MemoryStore, objectKey} from '../../../src/store/index.js'

const registry = new ResourceRegistry()
const user = {name: 'alice', groups: []}
const podDef = registry.lookup('', 'v1', 'pods')!
const pcDef = registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses')!

function context(): ServerContext {
  return {store: new MemoryStore(), registry, now: () => new Date('2026-01-01T00:00:00Z')} as unknown as ServerContext
}
const pod = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 't'}, spec: {containers: [{name: 'c', image: 'busybox'}], ...spec}})
const create = (object: KubeObject, def = podDef): AdmissionAttributes => ({operation: 'CREATE', def, namespace: def === podDef ? 't' : undefined, name: object.metadata.name!, object, user, dryRun: false})
const putClass = (ctx: ServerContext, name: string, value: number, extra: Record<string, unknown> = {}) =>
  ctx.store.create(objectKey('scheduling.k8s.io', 'priorityclasses', undefined, name), {apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name}, value, ...extra})

async function refusal(p: unknown): Promise<ApiError> {
  try {
    await p
  } catch (e) {
    if (e instanceof ApiError) return e
    throw e
  }
  throw new Error('admitted')
}

describe('Priority admission', () => {
  let plugin: ReturnType<typeof priorityAdmission>
  beforeEach(() => (plugin = priorityAdmission()))
  afterEach(() => plugin.close())

  it('copies the named class into priority and preemptionPolicy', async () => {
    const ctx = context()
    await putClass(ctx, 'high', 1000, {preemptionPolicy: 'Never'})
    const p = pod('a', {priorityClassName: 'high'})
    await plugin.plugin.mutate!(create(p), ctx)
    assert.equal(p.spec.priority, 1000)
    assert.equal(p.spec.preemptionPolicy, 'Never')
  })

  it('refuses a missing class with the upstream 403 message', async () => {
    const err = await refusal(plugin.plugin.mutate!(create(pod('x', {priorityClassName: 'nope'})), context()))
    assert.equal(err.code, 403)
    assert.equal(err.message, 'pods "x" is forbidden: no PriorityClass with name nope was found')
  })

  it('gives pods without a class the global default, or 0 and PreemptLowerPriority when there is none', async () => {
    const ctx = context()
    const p0 = pod('zero')
    await plugin.plugin.mutate!(create(p0), ctx)
    assert.equal(p0.spec.priority, 0)
    assert.equal(p0.spec.preemptionPolicy, 'PreemptLowerPriority')
    assert.equal(p0.spec.priorityClassName, undefined)
    plugin.close()
    plugin = priorityAdmission()
    await putClass(ctx, 'def', 7, {globalDefault: true})
    await putClass(ctx, 'def-low', 3, {globalDefault: true})
    const p1 = pod('one')
    await plugin.plugin.mutate!(create(p1), ctx)
    // Two defaults (a race): the lower value wins, as in Kubernetes.
    assert.equal(p1.spec.priority, 3)
    assert.equal(p1.spec.priorityClassName, 'def-low')
  })

  it('refuses a pod whose priority differs from its class', async () => {
    const ctx = context()
    await putClass(ctx, 'high', 1000)
    const err = await refusal(plugin.plugin.mutate!(create(pod('p', {priorityClassName: 'high', priority: 5})), ctx))
    assert.match(err.message, /^pods "p" is forbidden: the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 1000/)
    const same = pod('q', {priorityClassName: 'high', priority: 1000})
    await plugin.plugin.mutate!(create(same), ctx)
    assert.equal(same.spec.priority, 1000)
  })

  it('sees a class created just before the pod, before its watch does', async () => {
    const ctx = context()
    await plugin.plugin.mutate!(create(pod('warm')), ctx)
    await putClass(ctx, 'fresh', 42)
    const p = pod('p', {priorityClassName: 'fresh'})
    await plugin.plugin.mutate!(create(p), ctx)
    assert.equal(p.spec.priority, 42)
  })

  it('allows one global default class only', async () => {
    const ctx = context()
    await putClass(ctx, 'def', 7, {globalDefault: true})
    const pc = {apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name: 'other'}, value: 1, globalDefault: true}
    const err = await refusal(plugin.plugin.validate!(create(pc, pcDef), ctx))
    assert.equal(err.message, 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass def is already marked as default. Only one default can exist')
  })
})

describe('PriorityClass deletion', () => {
  it('refuses deleting a system class, as kube-apiserver does', async () => {
    const plugin = priorityAdmission()
    const del = (name: string): AdmissionAttributes => ({operation: 'DELETE', def: pcDef, name, user, dryRun: false})
    const err = await refusal(plugin.plugin.validate!(del('system-node-critical'), context()))
    assert.equal(err.message, 'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted')
    await plugin.plugin.validate!(del('mine'), context())
    plugin.close()
  })
})

describe('PriorityClass validation', () => {
  const check = (obj: Record<string, unknown>) => pcDef.validate!({apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', ...obj} as KubeObject)

  it('reserves the system- prefix and caps user values', () => {
    assert.deepEqual(check({metadata: {name: 'system-node-critical'}, value: 2000001000}), [])
    assert.match(check({metadata: {name: 'system-mine'}, value: 1})[0].message, /priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class/)
    assert.match(check({metadata: {name: 'system-cluster-critical'}, value: 5})[0].message, /value of system-cluster-critical PriorityClass must be 2000000000/)
    const tooHigh = check({metadata: {name: 'big'}, value: 1000000001})
    assert.equal(tooHigh[0].field, 'value')
    assert.match(tooHigh[0].message, /maximum allowed value of a user defined priority is 1000000000/)
    assert.equal(check({metadata: {name: 'p'}, value: 1, preemptionPolicy: 'Sometimes'})[0].reason, 'FieldValueNotSupported')
  })

  it('freezes value and preemptionPolicy', () => {
    const old = {apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: {name: 'p'}, value: 1, preemptionPolicy: 'Never'}
    const causes = pcDef.validateUpdate!({...old, value: 2, preemptionPolicy: 'PreemptLowerPriority'}, old)
    assert.deepEqual(causes.map((c) => c.field), ['value', 'preemptionPolicy'])
  })
})
