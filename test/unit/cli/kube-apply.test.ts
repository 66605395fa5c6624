// Client-side apply's patch and record, and manifest reading: what decides created/configured/unchanged and the order of objects.
import assert from 'node:assert/strict'
import {applyOrder, parseManifest} from '../../../src/cli/kube/manifest.js'
import {LAST_APPLIED, lastAppliedOf, threeWayPatch, withLastApplied} from '../../../src/cli/kube/patch.js'

describe('client-side apply patch', () => {
  const config = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {replicas: 2, template: {spec: {containers: [{name: 'app', image: 'a:1'}]}}}}
  const live = (over: object = {}) => ({
    ...withLastApplied(config),
    metadata: {name: 'web', namespace: 'default', uid: 'u', resourceVersion: '7', annotations: {[LAST_APPLIED]: lastAppliedOf(config)}},
    spec: {replicas: 2, strategy: {type: 'RollingUpdate'}, template: {spec: {containers: [{name: 'app', image: 'a:1', imagePullPolicy: 'IfNotPresent'}], dnsPolicy: 'ClusterFirst'}}},
    status: {replicas: 2},
    ...over,
  })

  it('is empty when the file is what was last applied, despite server defaults inside lists', () => {
    assert.deepEqual(threeWayPatch(config, withLastApplied(config), live()), {})
  })

  it('replaces a list the file changed, and records the new configuration', () => {
    const next = {...config, spec: {...config.spec, template: {spec: {containers: [{name: 'app', image: 'a:2'}]}}}}
    const patch = threeWayPatch(config, withLastApplied(next), live()) as any
    assert.deepEqual(patch.spec, {template: {spec: {containers: [{name: 'app', image: 'a:2'}]}}})
    assert.equal(patch.metadata.annotations[LAST_APPLIED], lastAppliedOf(next))
  })

  it('removes fields the file no longer sets (and only those)', () => {
    const next = {...config, spec: {template: config.spec.template}}
    const patch = threeWayPatch(config, withLastApplied(next), live()) as any
    assert.equal(patch.spec.replicas, null)
    assert.equal('strategy' in patch.spec, false)
  })

  it('puts back a field someone else changed on the server', () => {
    assert.deepEqual(threeWayPatch(config, withLastApplied(config), live({spec: {...live().spec, replicas: 5}})).spec, {replicas: 2})
  })

  it('records the file sorted and with an empty annotations map, as kubectl does', () => {
    assert.equal(lastAppliedOf({kind: 'Namespace', apiVersion: 'v1', metadata: {name: 'x'}}), '{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{},"name":"x"}}\n')
  })
})

describe('manifest parsing', () => {
  it('reads multi-document YAML and JSON, flattens Lists and reports bad documents with their index', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}]}\n---\nkind: Service\nmetadata: {name: x}\n---\n- 1\n`
    const {docs, problems} = parseManifest('f.yaml', text)
    assert.deepEqual(docs.map((d) => [d.object.kind, d.index]), [['ConfigMap', 1], ['Secret', 3]])
    assert.deepEqual(problems, [{source: 'f.yaml', index: 4, message: 'apiVersion not set'}, {source: 'f.yaml', index: 5, message: 'the document is not an object'}])
  })

  it('names the line of a YAML syntax error', () => {
    const {problems} = parseManifest('f.yaml', 'a: 1\nb: [\n')
    assert.match(problems[0].message, /^error parsing f\.yaml \(line \d+\)/)
  })

  it('orders Namespaces, then CRDs, then the rest as written', () => {
    const doc = (kind: string, name: string) => ({source: 'f', index: 1, object: {apiVersion: 'v1', kind, metadata: {name}}})
    const ordered = applyOrder([doc('Deployment', 'd'), doc('CustomResourceDefinition', 'c'), doc('ConfigMap', 'm'), doc('Namespace', 'n')])
    assert.deepEqual(ordered.map((d) => d.object.metadata?.name), ['n', 'c', 'd', 'm'])
  })
})
