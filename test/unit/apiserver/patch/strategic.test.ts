// Strategic merge patch driven by the patches kubectl's client-side apply and `kubectl patch` really send.
import {strict as assert} from 'node:assert'

import type {KubeObject} from '../../../../src/api/types.js'
import {applyPatch, PatchError} from '../../../../src/apiserver/patch/index.js'

const SMP = 'application/strategic-merge-patch+json' as const
const DEPLOY = {group: 'apps', version: 'v1', kind: 'Deployment'}

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'web', namespace: 'default', uid: 'u1', annotations: {'kubectl.kubernetes.io/last-applied-configuration': 'old'}},
    spec: {
      replicas: 1,
      selector: {matchLabels: {app: 'web'}},
      strategy: {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}},
      template: {
        metadata: {labels: {app: 'web'}},
        spec: {
          containers: [
            {name: 'a', image: 'busybox', args: ['sleep', '1'], env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}], ports: [{containerPort: 80, protocol: 'TCP'}]},
            {name: 'b', image: 'busybox', args: ['sleep', '1']},
          ],
          volumes: [{name: 'v', emptyDir: {}}],
          tolerations: [{key: 'k', operator: 'Exists'}],
          restartPolicy: 'Always',
        },
      },
    },
    status: {conditions: [{type: 'Available', status: 'True'}, {type: 'Progressing', status: 'True'}]},
  }
}

describe('patch: strategic merge patch', () => {
  it('applies the three-way patch kubectl sent for a strategy/volume/container-order change (compat B3)', () => {
    const patch = {
      metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': 'new'}, finalizers: ['x/y']},
      spec: {
        strategy: {$retainKeys: ['type'], rollingUpdate: null, type: 'Recreate'},
        template: {spec: {
          '$setElementOrder/containers': [{name: 'b'}, {name: 'a'}],
          '$setElementOrder/volumes': [{name: 'v'}],
          containers: [{args: ['sleep', '2'], image: 'busybox', name: 'b'}, {args: ['sleep', '2'], name: 'a'}],
          volumes: [{$retainKeys: ['configMap', 'name'], configMap: {name: 'cm1'}, emptyDir: null, name: 'v'}],
        }},
      },
    }
    const before = deployment()
    const out = applyPatch(before, patch, SMP, DEPLOY)
    assert.deepEqual(out.spec.strategy, {type: 'Recreate'})
    const containers = out.spec.template.spec.containers
    assert.deepEqual(containers.map((c: {name: string}) => c.name), ['b', 'a'])
    assert.deepEqual(containers[1].args, ['sleep', '2'])
    // merged, not replaced: container a keeps its env and ports
    assert.equal(containers[1].env.length, 2)
    assert.deepEqual(out.spec.template.spec.volumes, [{name: 'v', configMap: {name: 'cm1'}}])
    assert.deepEqual(out.metadata.finalizers, ['x/y'])
    assert.equal(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], 'new')
    assert.doesNotMatch(JSON.stringify(out), /\$/, 'no directive persisted')
    assert.equal(before.spec.strategy.type, 'RollingUpdate', 'input untouched')
  })

  it('deletes a list element by key with $patch: delete and honours $setElementOrder (env)', () => {
    const patch = {spec: {template: {spec: {
      '$setElementOrder/containers': [{name: 'a'}, {name: 'b'}],
      containers: [{name: 'a', '$setElementOrder/env': [{name: 'A'}], env: [{$patch: 'delete', name: 'B'}]}],
    }}}}
    const out = applyPatch(deployment(), patch, SMP, DEPLOY)
    assert.deepEqual(out.spec.template.spec.containers[0].env, [{name: 'A', value: '1'}])
  })

  it('merges env by name: updates, appends and deletes with null', () => {
    const patch = {spec: {template: {spec: {containers: [{name: 'a', env: [{name: 'A', value: null, valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}, {name: 'C', value: '3'}]}]}}}}
    const env = applyPatch(deployment(), patch, SMP, DEPLOY).spec.template.spec.containers[0].env
    assert.deepEqual(env, [{name: 'A', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}, {name: 'B', value: '2'}, {name: 'C', value: '3'}])
  })

  it('merges container ports by containerPort and keeps atomic lists atomic', () => {
    const patch = {spec: {template: {spec: {
      containers: [{name: 'a', ports: [{containerPort: 80, name: 'http'}, {containerPort: 443}], args: ['x']}],
      tolerations: [{key: 'other', operator: 'Exists'}],
    }}}}
    const spec = applyPatch(deployment(), patch, SMP, DEPLOY).spec.template.spec
    assert.deepEqual(spec.containers[0].ports, [{containerPort: 80, protocol: 'TCP', name: 'http'}, {containerPort: 443}])
    assert.deepEqual(spec.containers[0].args, ['x'])
    assert.deepEqual(spec.tolerations, [{key: 'other', operator: 'Exists'}])
  })

  it('uses the same PodSpec rules under CronJob spec.jobTemplate.spec.template and Pod spec', () => {
    const cj: KubeObject = {apiVersion: 'batch/v1', kind: 'CronJob', metadata: {name: 'c'}, spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: 'c', image: 'busybox'}, {name: 'd', image: 'x'}]}}}}}}
    const out = applyPatch(cj, {spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: 'c', image: 'alpine'}]}}}}}}, SMP, {group: 'batch', version: 'v1', kind: 'CronJob'})
    assert.deepEqual(out.spec.jobTemplate.spec.template.spec.containers, [{name: 'c', image: 'alpine'}, {name: 'd', image: 'x'}])
    const pod: KubeObject = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'c', image: 'a', volumeMounts: [{name: 'v', mountPath: '/a'}]}]}}
    const p2 = applyPatch(pod, {spec: {containers: [{name: 'c', volumeMounts: [{name: 'w', mountPath: '/b'}, {mountPath: '/a', readOnly: true}]}]}}, SMP, {group: '', version: 'v1', kind: 'Pod'})
    assert.deepEqual(p2.spec.containers[0].volumeMounts, [{name: 'v', mountPath: '/a', readOnly: true}, {name: 'w', mountPath: '/b'}])
  })

  it('merges Service ports by port and conditions by type', () => {
    const svc: KubeObject = {apiVersion: 'v1', kind: 'Service', metadata: {name: 's'}, spec: {ports: [{port: 80, targetPort: 8080}, {port: 443, targetPort: 8443}]}}
    const out = applyPatch(svc, {spec: {ports: [{port: 443, targetPort: 9443}]}}, SMP, {group: '', version: 'v1', kind: 'Service'})
    assert.deepEqual(out.spec.ports, [{port: 80, targetPort: 8080}, {port: 443, targetPort: 9443}])
    const st = applyPatch(deployment(), {status: {conditions: [{type: 'Available', status: 'False'}]}}, SMP, DEPLOY)
    assert.deepEqual(st.status.conditions, [{type: 'Available', status: 'False'}, {type: 'Progressing', status: 'True'}])
  })

  it('treats finalizers as a set and supports $deleteFromPrimitiveList', () => {
    const obj = deployment()
    obj.metadata.finalizers = ['a/one', 'b/two']
    const added = applyPatch(obj, {metadata: {finalizers: ['b/two', 'c/three']}}, SMP, DEPLOY)
    assert.deepEqual(added.metadata.finalizers, ['a/one', 'b/two', 'c/three'])
    const removed = applyPatch(added, {metadata: {'$deleteFromPrimitiveList/finalizers': ['a/one'], '$setElementOrder/finalizers': ['c/three', 'b/two']}}, SMP, DEPLOY)
    assert.deepEqual(removed.metadata.finalizers, ['c/three', 'b/two'])
  })

  it('merges ownerReferences by uid', () => {
    const obj = deployment()
    obj.metadata.ownerReferences = [{apiVersion: 'v1', kind: 'X', name: 'x', uid: '1'}]
    const out = applyPatch(obj, {metadata: {ownerReferences: [{apiVersion: 'v1', kind: 'Y', name: 'y', uid: '2'}, {uid: '1', $patch: 'delete'}]}}, SMP, DEPLOY)
    assert.deepEqual(out.metadata.ownerReferences, [{apiVersion: 'v1', kind: 'Y', name: 'y', uid: '2'}])
  })

  it('honours $patch: replace on maps and lists, $patch: delete on maps', () => {
    const out = applyPatch(deployment(), {spec: {selector: {$patch: 'replace', matchLabels: {app: 'new'}}, template: {spec: {containers: [{name: 'only', image: 'x'}, {$patch: 'replace'}]}}}}, SMP, DEPLOY)
    assert.deepEqual(out.spec.selector, {matchLabels: {app: 'new'}})
    assert.deepEqual(out.spec.template.spec.containers, [{name: 'only', image: 'x'}])
    const del = applyPatch(deployment(), {spec: {strategy: {$patch: 'delete'}}}, SMP, DEPLOY)
    assert.equal('strategy' in del.spec, false)
  })

  it('strips nulls from newly added elements and deletes keys with null (kubectl patch)', () => {
    const out = applyPatch(deployment(), {metadata: {annotations: {'kubectl.kubernetes.io/last-applied-configuration': null}}, spec: {template: {spec: {containers: [{name: 'new', image: 'x', command: null, resources: {limits: null}}]}}}}, SMP, DEPLOY)
    assert.deepEqual(out.metadata.annotations, {})
    assert.deepEqual(out.spec.template.spec.containers[2], {name: 'new', image: 'x', resources: {}})
  })

  it('rejects a merge-list element without its key, and unknown $patch values', () => {
    assert.throws(() => applyPatch(deployment(), {spec: {template: {spec: {containers: [{image: 'x'}]}}}}, SMP, DEPLOY), (e: unknown) => e instanceof PatchError && e.code === 400)
    assert.throws(() => applyPatch(deployment(), {spec: {$patch: 'explode'}}, SMP, DEPLOY), (e: unknown) => e instanceof PatchError && e.code === 400)
  })
})
