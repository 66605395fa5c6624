// ServiceAccount admission: the default account, Kubernetes' refusal for a missing one, and the kube-api-access volume and mounts.
import assert from 'node:assert/strict'
import {ResourceRegistry} from '../../../src/api/registry.js'
import type {KubeObject} from '../../../src/api/types.js'
import type {Pod, PodSpec} from '../../../src/api/types/workloads.js'
import type {AdmissionAttributes} from '../../../src/apiserver/admission/index.js'
import {DEFAULT_API_TOKEN_MOUNT_PATH, serviceAccountAdmission} from '../../../src/apiserver/admission/service-account.js'
import {keyOf, type ServerContext} from '../../../src/apiserver/context.js'
import {ApiError} from '../../../src/apiserver/errors.js'
import {MemoryStore} from '../../../src/store/memory.js'

const registry = new ResourceRegistry()
const podsDef = registry.lookup('', 'v1', 'pods')!
const saDef = registry.lookup('', 'v1', 'serviceaccounts')!

async function setup(accounts: KubeObject[]) {
  const store = new MemoryStore()
  for (const sa of accounts) await store.create(keyOf(saDef, sa.metadata.namespace, sa.metadata.name!), sa)
  // The plugin reads only the registry and the store.
  const ctx = {registry, store} as unknown as ServerContext
  let n = 0
  const plugin = serviceAccountAdmission({defaultAttempts: 2, retryMs: 1, random: () => ((n++ * 7) % 27) / 27})
  const admit = async (pod: Pod): Promise<Pod & {spec: PodSpec}> => {
    const attrs: AdmissionAttributes = {operation: 'CREATE', def: podsDef, namespace: 't', name: pod.metadata.name ?? '', object: pod, user: {name: 'admin', groups: []}, dryRun: false}
    await plugin.mutate!(attrs, ctx)
    return pod as Pod & {spec: PodSpec}
  }
  return {admit, store}
}

const sa = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name, namespace: 't'}, ...extra})
const pod = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Pod =>
  ({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 't', ...metadata}, spec: {containers: [{name: 'a', image: 'x'}, {name: 'b', image: 'x'}], ...spec}}) as Pod

describe('ServiceAccount admission', () => {
  it('defaults to `default`, mirrors serviceAccount, and mounts kube-api-access-<5> read-only in every container', async () => {
    const {admit} = await setup([sa('default')])
    const p = await admit(pod({initContainers: [{name: 'init', image: 'x'}]}))
    assert.equal(p.spec.serviceAccountName, 'default')
    assert.equal(p.spec.serviceAccount, 'default')
    assert.equal(p.spec.volumes?.length, 1)
    const v = p.spec.volumes![0]
    assert.match(v.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    assert.deepEqual(v.projected, {defaultMode: 420, sources: [
      {serviceAccountToken: {path: 'token', expirationSeconds: 3607}},
      {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
      {downwardAPI: {items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}]}},
    ]})
    for (const c of [...p.spec.initContainers!, ...p.spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{name: v.name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH}])
    }
  })

  it('refuses a pod whose ServiceAccount does not exist, worded as Kubernetes words it', async () => {
    const {admit} = await setup([sa('default')])
    await assert.rejects(admit(pod({serviceAccountName: 'ghost'})), (err: ApiError) => {
      assert.equal(err.code, 403)
      assert.equal(err.message, 'pods "p" is forbidden: error looking up service account t/ghost: serviceaccount "ghost" not found')
      return true
    })
    await assert.rejects(admit(pod({serviceAccountName: 'ghost'}, {name: undefined, generateName: 'web-7c5d-'})), /pods "web-7c5d-" is forbidden: error looking up service account t\/ghost/)
    // A namespace whose default account is not made yet (after the retries) is refused the same way.
    const empty = await setup([])
    await assert.rejects(empty.admit(pod()), /error looking up service account t\/default: serviceaccount "default" not found/)
  })

  it('the pod setting wins over the ServiceAccount for automount; both unset mounts', async () => {
    const {admit} = await setup([sa('default'), sa('quiet', {automountServiceAccountToken: false})])
    const off = await admit(pod({automountServiceAccountToken: false}))
    assert.equal(off.spec.volumes, undefined)
    assert.equal(off.spec.containers[0].volumeMounts, undefined)
    const saOff = await admit(pod({serviceAccountName: 'quiet'}))
    assert.equal(saOff.spec.volumes, undefined)
    const podOn = await admit(pod({serviceAccountName: 'quiet', automountServiceAccountToken: true}))
    assert.equal(podOn.spec.volumes?.length, 1)
  })

  it('gives a pod without pull secrets its ServiceAccount\'s, and keeps a pod\'s own', async () => {
    const {admit} = await setup([sa('puller', {imagePullSecrets: [{name: 'regcred'}]})])
    assert.deepEqual((await admit(pod({serviceAccountName: 'puller'}))).spec.imagePullSecrets, [{name: 'regcred'}])
    assert.deepEqual((await admit(pod({serviceAccountName: 'puller', imagePullSecrets: [{name: 'mine'}]}))).spec.imagePullSecrets, [{name: 'mine'}])
  })

  it('skips containers with something at the mount path, reuses an existing kube-api-access volume, and leaves mirror pods alone', async () => {
    const {admit} = await setup([sa('default')])
    const own = await admit(pod({volumes: [{name: 'mine', emptyDir: {}}], containers: [{name: 'a', image: 'x', volumeMounts: [{name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH}]}, {name: 'b', image: 'x'}]}))
    assert.equal(own.spec.volumes?.length, 2)
    assert.deepEqual(own.spec.containers[0].volumeMounts, [{name: 'mine', mountPath: DEFAULT_API_TOKEN_MOUNT_PATH}])
    assert.equal(own.spec.containers[1].volumeMounts?.[0].name, own.spec.volumes![1].name)
    const copied = await admit(pod({volumes: [{name: 'kube-api-access-abcde', projected: {sources: []}}]}))
    assert.deepEqual(copied.spec.volumes!.map((v) => v.name), ['kube-api-access-abcde'])
    assert.equal(copied.spec.containers[0].volumeMounts?.[0].name, 'kube-api-access-abcde')
    const mirror = await admit(pod({}, {annotations: {'kubernetes.io/config.mirror': 'x'}}))
    assert.equal(mirror.spec.volumes, undefined)
  })
})
