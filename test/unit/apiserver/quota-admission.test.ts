// ResourceQuota, LimitRanger and DefaultTolerationSeconds admission over a MemoryStore: Kubernetes' wording, charging by compare-and-swap, defaults.
import assert from 'node:assert/strict'
import {ResourceRegistry} from '../../../src/api/registry.js'
import type {KubeObject} from '../../../src/api/types.js'
import {type AdmissionAttributes, defaultTolerationSeconds, limitRanger, resourceQuotaAdmission} from '../../../src/apiserver/admission/index.js'
import type {ServerContext} from '../../../src/apiserver/context.js'
import {ApiError} from '../../../src/apiserver/errors.js'
import {MemoryStore, objectKey} from '../../../src/store/index.js'

const registry = new ResourceRegistry()
const user = {name: 'alice', groups: []}
const podDef = registry.lookup('', 'v1', 'pods')!

function context(): ServerContext & {store: MemoryStore} {
  // Only what the plugins read: the store, the registry and the clock.
  return {store: new MemoryStore(), registry, now: () => new Date('2026-01-01T00:00:00Z')} as unknown as ServerContext & {store: MemoryStore}
}

function pod(name: string, containers: Record<string, unknown>[] = [{name: 'c', image: 'busybox'}]): KubeObject {
  return {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 't'}, spec: {containers}}
}

const create = (object: KubeObject, dryRun = false): AdmissionAttributes => ({operation: 'CREATE', def: podDef, namespace: 't', name: object.metadata.name!, object, user, dryRun})

async function putQuota(ctx: ServerContext, name: string, hard: Record<string, string>, used?: Record<string, string>): Promise<void> {
  await ctx.store.create(objectKey('', 'resourcequotas', 't', name), {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name, namespace: 't'}, spec: {hard}, ...(used ? {status: {hard, used}} : {})})
}
const used = async (ctx: ServerContext, name: string) => (await ctx.store.get(objectKey('', 'resourcequotas', 't', name)))!.value.status?.used

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p
  } catch (e) {
    if (e instanceof ApiError) return e
    throw e
  }
  throw new Error('admitted')
}

describe('ResourceQuota admission', () => {
  it('refuses the third pod under a quota of 2 with the upstream 403 message', async () => {
    const ctx = context()
    await putQuota(ctx, 'two', {pods: '2'}, {pods: '2'})
    const err = await refusal(resourceQuotaAdmission.validate!(create(pod('third')), ctx) as Promise<void>)
    assert.equal(err.code, 403)
    assert.equal(err.reason, 'Forbidden')
    assert.equal(err.message, 'pods "third" is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2')
  })

  it('charges an admitted pod to status.used, and a dry run to nothing', async () => {
    const ctx = context()
    await putQuota(ctx, 'two', {pods: '2', 'count/pods': '5'}, {pods: '0', 'count/pods': '0'})
    await resourceQuotaAdmission.validate!(create(pod('dry'), true), ctx)
    assert.deepEqual(await used(ctx, 'two'), {pods: '0', 'count/pods': '0'})
    await resourceQuotaAdmission.validate!(create(pod('a')), ctx)
    assert.deepEqual(await used(ctx, 'two'), {pods: '1', 'count/pods': '1'})
  })

  it('lets only one of two concurrent creates take the last slot (compare-and-swap on the quota)', async () => {
    const ctx = context()
    await putQuota(ctx, 'two', {pods: '2'}, {pods: '1'})
    const results = await Promise.allSettled([resourceQuotaAdmission.validate!(create(pod('x')), ctx), resourceQuotaAdmission.validate!(create(pod('y')), ctx)])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.match(String(rejected.reason.message), /exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2$/)
    assert.deepEqual(await used(ctx, 'two'), {pods: '2'})
  })

  it('ignores a quota the controller has not filled in yet, and says status unknown when used lacks a tracked name', async () => {
    const ctx = context()
    await putQuota(ctx, 'fresh', {pods: '0'})
    await resourceQuotaAdmission.validate!(create(pod('a')), ctx)
    await ctx.store.create(objectKey('', 'resourcequotas', 't', 'half'), {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'half', namespace: 't'}, spec: {hard: {pods: '3'}}, status: {hard: {pods: '3', 'count/pods': '3'}, used: {pods: '0'}}})
    const err = await refusal(resourceQuotaAdmission.validate!(create(pod('b')), ctx) as Promise<void>)
    assert.equal(err.message, 'pods "b" is forbidden: status unknown for quota: half, resources: count/pods,pods')
  })

  it('requires explicit cpu and memory settings when a quota tracks them, and charges compute', async () => {
    const ctx = context()
    await putQuota(ctx, 'compute', {'limits.cpu': '1', 'requests.memory': '1Gi'}, {'limits.cpu': '0', 'requests.memory': '0'})
    const err = await refusal(resourceQuotaAdmission.validate!(create(pod('bare')), ctx) as Promise<void>)
    assert.equal(err.message, 'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.memory for: c')
    const sized = (name: string, cpu: string) => pod(name, [{name: 'c', image: 'x', resources: {limits: {cpu, memory: '512Mi'}, requests: {cpu, memory: '512Mi'}}}])
    await resourceQuotaAdmission.validate!(create(sized('one', '600m')), ctx)
    assert.deepEqual(await used(ctx, 'compute'), {'limits.cpu': '600m', 'requests.memory': '512Mi'})
    const over = await refusal(resourceQuotaAdmission.validate!(create(sized('two', '500m')), ctx) as Promise<void>)
    assert.equal(over.message, 'pods "two" is forbidden: exceeded quota: compute, requested: limits.cpu=500m, used: limits.cpu=600m, limited: limits.cpu=1')
  })

  it('counts other kinds by count/<resource>.<group> and leaves pods alone under such a quota', async () => {
    const ctx = context()
    await putQuota(ctx, 'deploys', {'count/deployments.apps': '0'}, {'count/deployments.apps': '0'})
    await resourceQuotaAdmission.validate!(create(pod('a')), ctx)
    const def = registry.lookup('apps', 'v1', 'deployments')!
    const d = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 't'}}
    const err = await refusal(resourceQuotaAdmission.validate!({operation: 'CREATE', def, namespace: 't', name: 'web', object: d, user, dryRun: false}, ctx) as Promise<void>)
    assert.equal(err.message, 'deployments.apps "web" is forbidden: exceeded quota: deploys, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0')
  })
})

describe('LimitRanger admission', () => {
  async function putLimits(ctx: ServerContext, limits: Record<string, unknown>[]): Promise<void> {
    await ctx.store.create(objectKey('', 'limitranges', 't', 'lr'), {apiVersion: 'v1', kind: 'LimitRange', metadata: {name: 'lr', namespace: 't'}, spec: {limits}})
  }

  it('fills in container defaults and records them in the limit-ranger annotation', async () => {
    const ctx = context()
    await putLimits(ctx, [{type: 'Container', default: {cpu: '500m', memory: '256Mi'}, defaultRequest: {cpu: '100m', memory: '128Mi'}}])
    const p = pod('p', [{name: 'app', image: 'x', resources: {limits: {memory: '1Gi'}, requests: {memory: '1Gi'}}}])
    await limitRanger.mutate!(create(p), ctx)
    assert.deepEqual(p.spec.containers[0].resources, {limits: {memory: '1Gi', cpu: '500m'}, requests: {memory: '1Gi', cpu: '100m'}})
    assert.equal(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app')
    await limitRanger.validate!(create(p), ctx)
  })

  it('refuses containers and pods outside the bounds with Kubernetes wording', async () => {
    const ctx = context()
    await putLimits(ctx, [{type: 'Container', max: {cpu: '1'}}, {type: 'Pod', min: {memory: '64Mi'}}])
    const p = pod('big', [{name: 'c', image: 'x', resources: {limits: {cpu: '2'}, requests: {cpu: '2', memory: '32Mi'}}}])
    const err = await refusal(limitRanger.validate!(create(p), ctx) as Promise<void>)
    assert.equal(err.code, 403)
    assert.equal(err.message, 'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2., minimum memory usage per Pod is 64Mi, but request is 32Mi.]')
    const one = pod('nolimit', [{name: 'c', image: 'x', resources: {requests: {memory: '128Mi'}}}])
    assert.equal((await refusal(limitRanger.validate!(create(one), ctx) as Promise<void>)).message, 'pods "nolimit" is forbidden: maximum cpu usage per Container is 1.  No limit is specified.')
  })
})

describe('LimitRanger and ResourceQuota on claims', () => {
  const claimDef = registry.lookup('', 'v1', 'persistentvolumeclaims')!
  const claim = (name: string, storage: string): AdmissionAttributes => ({operation: 'CREATE', def: claimDef, namespace: 't', name, user, dryRun: false,
    object: {apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name, namespace: 't'}, spec: {accessModes: ['ReadWriteOnce'], resources: {requests: {storage}}}}})

  it('bounds a claim\'s requested storage and charges requests.storage', async () => {
    const ctx = context()
    await ctx.store.create(objectKey('', 'limitranges', 't', 'lr'), {apiVersion: 'v1', kind: 'LimitRange', metadata: {name: 'lr', namespace: 't'}, spec: {limits: [{type: 'PersistentVolumeClaim', min: {storage: '1Gi'}, max: {storage: '10Gi'}}]}})
    assert.equal((await refusal(limitRanger.validate!(claim('big', '20Gi'), ctx) as Promise<void>)).message, 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi.')
    assert.equal((await refusal(limitRanger.validate!(claim('small', '500Mi'), ctx) as Promise<void>)).message, 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi.')
    await limitRanger.validate!(claim('fine', '5Gi'), ctx)
    await putQuota(ctx, 'disk', {'requests.storage': '8Gi', persistentvolumeclaims: '5'}, {'requests.storage': '0', persistentvolumeclaims: '0'})
    await resourceQuotaAdmission.validate!(claim('fine', '5Gi'), ctx)
    assert.deepEqual(await used(ctx, 'disk'), {'requests.storage': '5Gi', persistentvolumeclaims: '1'})
    assert.equal((await refusal(resourceQuotaAdmission.validate!(claim('more', '4Gi'), ctx) as Promise<void>)).message,
      'persistentvolumeclaims "more" is forbidden: exceeded quota: disk, requested: requests.storage=4Gi, used: requests.storage=5Gi, limited: requests.storage=8Gi')
  })
})

describe('DefaultTolerationSeconds admission', () => {
  it('adds not-ready and unreachable NoExecute tolerations for 300 s unless the pod already tolerates them', () => {
    const p = pod('p')
    defaultTolerationSeconds.mutate!(create(p), undefined)
    assert.deepEqual(p.spec.tolerations, [
      {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
      {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
    ])
    const own = pod('own')
    own.spec.tolerations = [{key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5}]
    defaultTolerationSeconds.mutate!(create(own), undefined)
    assert.deepEqual(own.spec.tolerations.map((t: {key: string; tolerationSeconds: number}) => [t.key, t.tolerationSeconds]), [['node.kubernetes.io/unreachable', 5], ['node.kubernetes.io/not-ready', 300]])
    const all = pod('all')
    all.spec.tolerations = [{operator: 'Exists'}]
    defaultTolerationSeconds.mutate!(create(all), undefined)
    assert.deepEqual(all.spec.tolerations, [{operator: 'Exists'}])
  })
})
