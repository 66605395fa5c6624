// Replays patches recorded from real kubectl v1.32 (`apply -f`, `apply --server-side`) against the live objects it saw.
import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {KubeObject} from '../../../../src/api/types.js'
import {applyPatch, PatchError, recordUpdateManagedFields} from '../../../../src/apiserver/patch/index.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'))
const SMP = 'application/strategic-merge-patch+json' as const
const DEPLOY = {group: 'apps', version: 'v1', kind: 'Deployment'}
const names = (list: {name: string}[]) => list.map((x) => x.name)

describe('patch: recorded kubectl patches', () => {
  it('client-side apply #1: strategy to Recreate, container reorder, env removal, volume source swap, finalizer', () => {
    // deploy-patch-1.json is what kubectl sent for `apply -f deploy-v2.yaml` over deploy-live-1.json
    const live: KubeObject = load('deploy-live-1.json')
    const out = applyPatch(live, load('deploy-patch-1.json'), SMP, DEPLOY)
    assert.deepEqual(out.spec.strategy, {type: 'Recreate'})
    const containers = out.spec.template.spec.containers
    assert.deepEqual(names(containers), ['b', 'a'])
    assert.deepEqual(containers[1].env, [{name: 'A', value: '1'}])
    assert.deepEqual(containers.map((c: {args: string[]}) => c.args), [['sleep', '2'], ['sleep', '2']])
    // server-side defaults survive a three-way patch
    assert.equal(containers[0].imagePullPolicy, 'Always')
    assert.equal(out.spec.template.spec.restartPolicy, 'Always')
    assert.deepEqual(out.spec.template.spec.volumes, [{name: 'v', configMap: {name: 'cm1'}}])
    assert.deepEqual(out.metadata.finalizers, ['x/y'])
    assert.deepEqual(out.status, live.status)
    assert.doesNotMatch(JSON.stringify(out), /"\$/)
  })

  it('client-side apply #2: container deletion, env insertion order, new port, finalizers: null', () => {
    const out = applyPatch(load('deploy-live-2.json'), load('deploy-patch-2.json'), SMP, DEPLOY)
    assert.equal(out.spec.replicas, 3)
    assert.equal('finalizers' in out.metadata, false)
    const containers = out.spec.template.spec.containers
    assert.deepEqual(names(containers), ['a'])
    assert.deepEqual(containers[0].env, [{name: 'C', value: '3'}, {name: 'A', value: '1'}])
    assert.deepEqual(containers[0].ports, [{containerPort: 8080, name: 'http'}])
    assert.doesNotMatch(JSON.stringify(out), /"\$/)
  })

  it('server-side apply over a client-side-applied object conflicts on replicas, then force wins (compat B4)', () => {
    const live2: KubeObject = load('deploy-live-2.json')
    const {managedFields: _ignored, ...meta} = live2.metadata
    void _ignored
    const created = recordUpdateManagedFields(undefined, {...live2, metadata: meta}, 'kubectl-client-side-apply', 'apps/v1', '2026-01-01T00:00:00Z')
    const applied = load('deploy-ssa-v3.json')
    let err: unknown
    try {
      applyPatch(created, applied, 'application/apply-patch+yaml', DEPLOY, {fieldManager: 'kubectl', force: false})
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof PatchError && err.code === 409)
    assert.deepEqual(err.causes?.map((c) => c.field), ['.spec.replicas'])
    assert.equal(err.causes?.[0].message, 'conflict with "kubectl-client-side-apply" using apps/v1')

    const out = applyPatch(created, applied, 'application/apply-patch+yaml', DEPLOY, {fieldManager: 'kubectl', force: true})
    assert.equal(out.spec.replicas, 3)
    assert.deepEqual(out.spec.template.spec.containers.find((c: {name: string}) => c.name === 'a').env, [{name: 'A', value: '1'}, {name: 'C', value: '3'}])
    // container b was set by kubectl-client-side-apply, which still owns it: apply does not remove it
    assert.deepEqual(names(out.spec.template.spec.containers), ['b', 'a'])
    const mf = out.metadata.managedFields as {manager: string; operation: string}[]
    assert.deepEqual(mf.map((m) => `${m.manager}/${m.operation}`), ['kubectl-client-side-apply/Update', 'kubectl/Apply'])
  })
})
