// apply --prune's selection (kinds, scopes, leftovers) and rollout undo's choice of revision, on data alone.
import assert from 'node:assert/strict'
import type {KubeClient, RequestOptions} from '../../../src/cli/kube/client.js'
import {templateOf, undoTarget} from '../../../src/cli/kube/history.js'
import {LAST_APPLIED} from '../../../src/cli/kube/patch.js'
import {appliedSet, DEFAULT_PRUNE_KINDS, parseAllowlist, pruneCandidates, pruneLeftovers, pruneScopes} from '../../../src/cli/kube/prune.js'
import type {KubeObject, ResourceInfo} from '../../../src/cli/kube/types.js'

const type = (group: string, kind: string, resource: string, namespaced = true): ResourceInfo => ({group, version: 'v1', resource, singular: kind.toLowerCase(), kind, namespaced, shortNames: [], categories: [], verbs: [], subresources: []})
const deployments = type('apps', 'Deployment', 'deployments')
const configmaps = type('', 'ConfigMap', 'configmaps')
const namespaces = type('', 'Namespace', 'namespaces', false)
const applied = {[LAST_APPLIED]: '{}'}
const obj = (name: string, uid: string, annotations?: Record<string, string>, namespace = 'a'): KubeObject => ({metadata: {name, namespace, uid, annotations}})

describe('apply --prune selection', () => {
  it('defaults to kubectl\'s sixteen kinds; the allowlist reads group/version/kind with core for the core group', () => {
    assert.equal(DEFAULT_PRUNE_KINDS.length, 16)
    assert.ok(DEFAULT_PRUNE_KINDS.some((k) => k.group === 'batch' && k.kind === 'CronJob'))
    assert.deepEqual(parseAllowlist(['core/v1/ConfigMap', 'apps/v1/Deployment']), [{group: '', version: 'v1', kind: 'ConfigMap'}, {group: 'apps', version: 'v1', kind: 'Deployment'}])
    assert.throws(() => parseAllowlist(['apps/Deployment']), /invalid GroupVersionKind format: apps\/Deployment, please follow <group\/version\/kind>/)
  })

  it('looks in every touched namespace for namespaced kinds, and cluster-wide for the others unless -n was given', () => {
    const scopes = pruneScopes([deployments, namespaces, configmaps], ['a', 'b', 'a'], false)
    assert.deepEqual(scopes.map((s) => `${s.r.kind}@${s.namespace ?? '-'}`), ['Deployment@a', 'ConfigMap@a', 'Deployment@b', 'ConfigMap@b', 'Namespace@-'])
    assert.deepEqual(pruneScopes([deployments, namespaces], ['a'], true).map((s) => s.r.kind), ['Deployment'])
  })

  it('prunes only objects made by apply that this apply did not write (by uid, or by name for a client dry run)', () => {
    const {applied: set, namespaces: touched} = appliedSet([
      {type: deployments, object: obj('web', 'u1')},
      {type: configmaps, object: {metadata: {name: 'new', namespace: 'b'}}},
      {type: namespaces, object: {metadata: {name: 'a', uid: 'n1'}}},
    ])
    assert.deepEqual(touched, ['a', 'b'])
    const listed = [obj('web', 'u1', applied), obj('old', 'u2', applied), obj('manual', 'u3', {other: 'x'}), obj('bare', 'u4')]
    assert.deepEqual(pruneCandidates(deployments, listed, set).map((o) => o.metadata?.name), ['old'])
    assert.deepEqual(pruneCandidates(configmaps, [obj('new', 'u9', applied, 'b'), obj('new', 'u8', applied, 'a')], set).map((o) => o.metadata?.namespace), ['a'])
  })

  it('lists with the selector, deletes in the background (dryRun=All for a server dry run) and names what it pruned', async () => {
    const calls: string[] = []
    const fake = {
      async get(path: string, opts: RequestOptions = {}) {
        calls.push(`GET ${path}?labelSelector=${opts.query?.labelSelector}`)
        return {items: [obj('web', 'u1', applied), obj('old', 'u2', applied)]}
      },
      async request(method: string, path: string, opts: RequestOptions = {}) {
        calls.push(`${method} ${path} ${JSON.stringify(opts.body)} dryRun=${opts.query?.dryRun}`)
        return {}
      },
    } as unknown as KubeClient
    const set = appliedSet([{type: deployments, object: obj('web', 'u1')}]).applied
    const pruned = await pruneLeftovers(fake, [{r: deployments, namespace: 'a'}], set, {labelSelector: 'app=web', dryRun: 'server'})
    assert.deepEqual(pruned, ['deployment.apps/old'])
    assert.deepEqual(calls, [
      'GET /apis/apps/v1/namespaces/a/deployments?labelSelector=app=web',
      'DELETE /apis/apps/v1/namespaces/a/deployments/old {"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"} dryRun=All',
    ])
    calls.length = 0
    assert.deepEqual(await pruneLeftovers(fake, [{r: deployments, namespace: 'a'}], set, {dryRun: 'client'}), ['deployment.apps/old'])
    assert.ok(calls.every((c) => c.startsWith('GET')), 'a client dry run deletes nothing')
  })
})

describe('rollout undo of ControllerRevisions', () => {
  const rev = (revision: number, image: string): KubeObject => ({kind: 'ControllerRevision', metadata: {name: `ds-${revision}`}, revision, data: {spec: {template: {metadata: {labels: {app: 'ds'}}, spec: {containers: [{name: 'c', image}]}, $patch: 'replace'}}}})

  it('takes the template from the revision\'s data without the $patch directive', () => {
    assert.deepEqual(templateOf(rev(1, 'a:1')), {metadata: {labels: {app: 'ds'}}, spec: {containers: [{name: 'c', image: 'a:1'}]}})
  })

  it('goes back to the revision before the newest, or the one asked for; says why when there is none', () => {
    const revs = [rev(3, 'c'), rev(1, 'a'), rev(2, 'b')]
    assert.equal((undoTarget(revs, undefined, 'DaemonSet') as KubeObject).revision, 2)
    assert.equal((undoTarget(revs, 1, 'StatefulSet') as KubeObject).revision, 1)
    assert.equal(undoTarget(revs, 7, 'DaemonSet'), 'unable to find specified revision 7 in history')
    assert.equal(undoTarget([rev(1, 'a')], undefined, 'DaemonSet'), 'no last revision to roll back to')
    assert.equal(undoTarget([], undefined, 'Deployment'), 'no rollout history found')
  })
})
