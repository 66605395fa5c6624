// The CRD kind's own validation and the ResourceDefs a CRD serves (no store, no server).
import assert from 'node:assert/strict'
import {customResourceDefinition, validateCrd} from '../../../../src/api/resources/apiextensions/customresourcedefinition.js'
import {applyDefaults} from '../../../../src/api/resources/index.js'
import type {KubeObject} from '../../../../src/api/types.js'
import {resourcesOf} from '../../../../src/apiserver/crd/resources.js'

function crd(over: Record<string, unknown> = {}, name = 'crontabs.stable.example.com'): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name},
    spec: {
      group: 'stable.example.com', scope: 'Namespaced', names: {plural: 'crontabs', kind: 'CronTab', shortNames: ['ct']},
      versions: [
        {name: 'v1', served: true, storage: true, subresources: {status: {}, scale: {specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas'}},
          additionalPrinterColumns: [{name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec'}, {name: 'First', type: 'string', jsonPath: '.spec.list[0].x'}]},
        {name: 'v1beta1', served: false, storage: false},
      ],
      ...over,
    },
  } as KubeObject
}

const fields = (o: KubeObject) => validateCrd(o).map(c => c.field)

describe('CustomResourceDefinition validation', () => {
  it('accepts the docs CronTab CRD and defaults singular and listKind', () => {
    const o = crd()
    applyDefaults(customResourceDefinition, o)
    assert.deepEqual(validateCrd(o), [])
    assert.equal(o.spec.names.singular, 'crontab')
    assert.equal(o.spec.names.listKind, 'CronTabList')
  })

  it('requires the name to be plural.group', () => {
    assert.deepEqual(fields(crd({}, 'crontab.stable.example.com')), ['metadata.name'])
  })

  it('requires a dotted group, a known scope, and names', () => {
    assert.ok(fields(crd({group: 'stable'})).includes('spec.group'))
    assert.deepEqual(fields(crd({scope: 'Global'})), ['spec.scope'])
    assert.ok(fields(crd({names: {plural: 'crontabs'}})).includes('spec.names.kind'))
    assert.ok(fields(crd({names: {plural: 'CronTabs', kind: 'CronTab'}})).includes('spec.names.plural'))
  })

  it('requires exactly one storage version and unique version names', () => {
    const two = crd({versions: [{name: 'v1', served: true, storage: true}, {name: 'v2', served: true, storage: true}]})
    assert.match(validateCrd(two).map(c => c.message).join(), /exactly one version marked as storage version/)
    const none = crd({versions: []})
    assert.deepEqual(fields(none), ['spec.versions'])
    const dup = crd({versions: [{name: 'v1', served: true, storage: true}, {name: 'v1', served: true, storage: false}]})
    assert.deepEqual(fields(dup), ['spec.versions[1].name'])
  })

  it('keeps group, plural and scope immutable', () => {
    const old = crd()
    const next = crd({scope: 'Cluster'})
    assert.deepEqual(customResourceDefinition.validateUpdate!(next, old).map(c => c.field), ['spec.scope'])
  })

  it('starts with the cleanup finalizer and no status', () => {
    const o = {...crd(), status: {storedVersions: ['x']}} as KubeObject
    customResourceDefinition.strategy!.prepareForCreate!(o)
    assert.deepEqual(o.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io'])
    assert.equal(o.status, undefined)
  })
})

describe('resources a CRD serves', () => {
  it('one ResourceDef per served version, with names, scope and subresources', () => {
    const defs = resourcesOf(crd())
    assert.equal(defs.length, 1)
    const d = defs[0]
    assert.deepEqual([d.group, d.version, d.kind, d.resource, d.singular, d.listKind, d.namespaced], ['stable.example.com', 'v1', 'CronTab', 'crontabs', 'crontab', 'CronTabList', true])
    assert.deepEqual(d.shortNames, ['ct'])
    assert.deepEqual(d.subresources.map(s => s.name), ['status', 'scale'])
    assert.equal(resourcesOf(crd({scope: 'Cluster'}))[0].namespaced, false)
  })

  it('prints the additionalPrinterColumns (.a.b and .a[0].b), then nothing else', () => {
    const d = resourcesOf(crd())[0]
    assert.deepEqual(d.table!.columns.map(c => c.name), ['Name', 'Spec', 'First'])
    const obj = {apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: {name: 'a'}, spec: {cronSpec: '* * * * */5', list: [{x: 'y'}]}} as KubeObject
    assert.deepEqual(d.table!.row(obj, new Date()), ['a', '* * * * */5', 'y'])
  })

  it('prints Name and Age without printer columns', () => {
    const d = resourcesOf(crd({versions: [{name: 'v1', served: true, storage: true}]}))[0]
    assert.deepEqual(d.table!.columns.map(c => c.name), ['Name', 'Age'])
  })
})

describe('custom resource scale paths', () => {
  it('reads and writes replicas where the CRD says', async () => {
    const {customScale, writePath} = await import('../../../../src/apiserver/crd/scale.js')
    const obj = {apiVersion: 'x.io/v1', kind: 'X', metadata: {name: 'a'}, status: {count: 4, sel: 'a=b'}} as KubeObject
    const paths = {specReplicasPath: '.spec.size.wanted', statusReplicasPath: '.status.count', labelSelectorPath: '.status.sel'}
    assert.deepEqual(customScale(obj, paths), {replicas: 0, statusReplicas: 4, selector: 'a=b'})
    writePath(obj, paths.specReplicasPath, 5)
    assert.deepEqual(obj.spec, {size: {wanted: 5}})
    assert.equal(customScale(obj, paths).replicas, 5)
  })
})
