// Server-side apply and managedFields bookkeeping: create, update, conflicts, force, removal of dropped fields.
import {strict as assert} from 'node:assert'

import type {KubeObject} from '../../../../src/api/types.js'
import {applyPatch, applySkeleton, fieldsV1Of, PatchError, recordUpdateManagedFields} from '../../../../src/apiserver/patch/index.js'

const APPLY = 'application/apply-patch+yaml' as const
const DEPLOY = {group: 'apps', version: 'v1', kind: 'Deployment'}
const CM = {group: '', version: 'v1', kind: 'ConfigMap'}
const NOW = '2026-01-01T00:00:00Z'

/** What the apiserver does for a missing object: apply onto a skeleton, then store as a create. */
const skeleton = (kind: string, apiVersion: string, name: string): KubeObject => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return applySkeleton({group, version, kind}, name, 'default')
}

function appliedDeployment(replicas: number, image = 'nginx', extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'web', labels: {app: 'web'}},
    spec: {
      replicas,
      selector: {matchLabels: {app: 'web'}},
      template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'nginx', image, ports: [{containerPort: 80}]}]}},
      ...extra,
    },
  }
}

const managers = (o: KubeObject) => (o.metadata.managedFields as {manager: string; operation: string}[]).map((m) => `${m.manager}/${m.operation}`)

describe('patch: server-side apply', () => {
  it('requires a fieldManager (400)', () => {
    assert.throws(() => applyPatch(skeleton('ConfigMap', 'v1', 'c'), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}}, APPLY, CM), (e: unknown) => e instanceof PatchError && e.code === 400 && /fieldManager/.test(e.message))
  })

  it('creates from a skeleton and records an Apply entry with the applied fields', () => {
    const out = applyPatch(skeleton('Deployment', 'apps/v1', 'web'), appliedDeployment(2), APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    assert.equal(out.spec.replicas, 2)
    assert.equal(out.metadata.namespace, 'default')
    assert.deepEqual(out.metadata.managedFields, [{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: NOW, fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {'f:labels': {'f:app': {}}},
        'f:spec': {
          'f:replicas': {},
          'f:selector': {'f:matchLabels': {'f:app': {}}},
          'f:template': {
            'f:metadata': {'f:labels': {'f:app': {}}},
            'f:spec': {'f:containers': {'k:{"name":"nginx"}': {
              '.': {}, 'f:name': {}, 'f:image': {},
              'f:ports': {'k:{"containerPort":80,"protocol":"TCP"}': {'.': {}, 'f:containerPort': {}}},
            }}},
          },
        },
      },
    }])
  })

  it('updates owned fields without conflict and keeps fields other managers set', () => {
    let obj = applyPatch(skeleton('Deployment', 'apps/v1', 'web'), appliedDeployment(2), APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    // a controller adds an annotation through an ordinary update
    const edited = structuredClone(obj)
    edited.metadata.annotations = {'deployment.kubernetes.io/revision': '1'}
    obj = recordUpdateManagedFields(obj, edited, 'kube-controller-manager', 'apps/v1', NOW)
    obj = applyPatch(obj, appliedDeployment(3, 'nginx:2'), APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    assert.equal(obj.spec.replicas, 3)
    assert.equal(obj.spec.template.spec.containers[0].image, 'nginx:2')
    assert.deepEqual(obj.metadata.annotations, {'deployment.kubernetes.io/revision': '1'})
    assert.deepEqual(managers(obj), ['kubectl/Apply', 'kube-controller-manager/Update'])
  })

  it('answers a differing value owned by another manager with 409 FieldManagerConflict, and force takes it over', () => {
    let obj = applyPatch(skeleton('Deployment', 'apps/v1', 'web'), appliedDeployment(2), APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    // kubectl scale: an Update by another manager changes replicas
    const scaled = structuredClone(obj)
    scaled.spec.replicas = 5
    obj = recordUpdateManagedFields(obj, scaled, 'kubectl-scale', 'apps/v1', NOW)
    assert.deepEqual(managers(obj), ['kubectl/Apply', 'kubectl-scale/Update'])
    // applying the live value is shared ownership, not a conflict
    const same = applyPatch(obj, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 5}}, APPLY, DEPLOY, {fieldManager: 'other', now: NOW})
    assert.equal(same.spec.replicas, 5)
    let err: PatchError | undefined
    try {
      applyPatch(obj, appliedDeployment(7), APPLY, DEPLOY, {fieldManager: 'ci', now: NOW})
    } catch (e) {
      err = e as PatchError
    }
    assert.ok(err instanceof PatchError)
    assert.equal(err.code, 409)
    assert.match(err.message, /conflict with "kubectl-scale" using apps\/v1: \.spec\.replicas/)
    assert.deepEqual(err.causes, [{reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl-scale" using apps/v1'}])

    const forced = applyPatch(obj, appliedDeployment(7), APPLY, DEPLOY, {fieldManager: 'ci', force: true, now: NOW})
    assert.equal(forced.spec.replicas, 7)
    // kubectl-scale owned only replicas, so its entry disappears
    assert.deepEqual(managers(forced), ['kubectl/Apply', 'ci/Apply'])
  })

  it('removes fields the manager applied before but dropped, unless another manager owns them', () => {
    const withEnv = appliedDeployment(1, 'nginx', {minReadySeconds: 5, paused: true})
    withEnv.spec.template.spec.containers.push({name: 'sidecar', image: 'busybox', ports: []})
    let obj = applyPatch(skeleton('Deployment', 'apps/v1', 'web'), withEnv, APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    // another applier also sets paused to the same value: shared ownership
    obj = applyPatch(obj, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {paused: true}}, APPLY, DEPLOY, {fieldManager: 'pauser', now: NOW})
    obj = applyPatch(obj, appliedDeployment(1), APPLY, DEPLOY, {fieldManager: 'kubectl', now: NOW})
    assert.equal('minReadySeconds' in obj.spec, false, 'dropped field removed')
    assert.equal(obj.spec.paused, true, 'co-owned field kept')
    assert.deepEqual(obj.spec.template.spec.containers.map((c: {name: string}) => c.name), ['nginx'], 'dropped list item removed')
  })

  it('merges containers by name and ports by containerPort+protocol', () => {
    const live: KubeObject = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'a', image: 'x', ports: [{containerPort: 53, protocol: 'UDP'}]}]}}
    const out = applyPatch(live, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'a', ports: [{containerPort: 53, protocol: 'TCP'}]}]}}, APPLY, {group: '', version: 'v1', kind: 'Pod'}, {fieldManager: 'm', now: NOW})
    assert.deepEqual(out.spec.containers, [{name: 'a', image: 'x', ports: [{containerPort: 53, protocol: 'UDP'}, {containerPort: 53, protocol: 'TCP'}]}])
  })

  it('rejects a kind mismatch and non-empty managedFields in the config (400)', () => {
    assert.throws(() => applyPatch(skeleton('ConfigMap', 'v1', 'c'), {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'c'}}, APPLY, CM, {fieldManager: 'm'}), (e: unknown) => e instanceof PatchError && e.code === 400)
    assert.throws(() => applyPatch(skeleton('ConfigMap', 'v1', 'c'), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', managedFields: [{manager: 'x'}]}}, APPLY, CM, {fieldManager: 'm'}), (e: unknown) => e instanceof PatchError && e.code === 400)
  })

  it('handles the kubectl-last-applied second apply that only carries the annotation', () => {
    let obj = applyPatch(skeleton('ConfigMap', 'v1', 'c'), {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}, data: {a: '1'}}, APPLY, CM, {fieldManager: 'kubectl', now: NOW})
    obj = applyPatch(obj, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'default', annotations: {'kubectl.kubernetes.io/last-applied-configuration': '{}\n'}}}, APPLY, CM, {fieldManager: 'kubectl-last-applied', now: NOW})
    assert.deepEqual(obj.data, {a: '1'})
    assert.deepEqual(managers(obj), ['kubectl/Apply', 'kubectl-last-applied/Apply'])
  })
})

describe('patch: managedFields for ordinary writes', () => {
  it('fieldsV1Of uses f:, k: for keyed items and v: for set members', () => {
    const f = fieldsV1Of({apiVersion: 'v1', kind: 'Service', metadata: {name: 's', finalizers: ['a'], labels: {x: 'y'}}, spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: 's'}, type: 'ClusterIP'}})
    assert.deepEqual(f, {
      'f:metadata': {'f:finalizers': {'v:"a"': {}}, 'f:labels': {'f:x': {}}},
      'f:spec': {'f:ports': {'k:{"port":80,"protocol":"TCP"}': {'.': {}, 'f:port': {}, 'f:targetPort': {}}}, 'f:selector': {'f:app': {}}, 'f:type': {}},
    })
  })

  it('records Update entries on create and moves ownership of changed fields', () => {
    const created = recordUpdateManagedFields(undefined, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}, data: {a: '1', b: '2'}}, 'kubectl-create', 'v1', NOW)
    assert.deepEqual(created.metadata.managedFields, [{manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: NOW, fieldsType: 'FieldsV1', fieldsV1: {'f:data': {'f:a': {}, 'f:b': {}}}}])
    const edited = structuredClone(created)
    edited.data = {a: 'changed'}
    edited.metadata.labels = {l: 'v'}
    const out = recordUpdateManagedFields(created, edited, 'kubectl-edit', 'v1', NOW)
    const mf = out.metadata.managedFields as {manager: string; fieldsV1: unknown}[]
    // kubectl-create lost a (changed) and b (removed), so its entry is gone
    assert.deepEqual(mf.map((m) => [m.manager, m.fieldsV1]), [['kubectl-edit', {'f:data': {'f:a': {}}, 'f:metadata': {'f:labels': {'f:l': {}}}}]])
  })
})
