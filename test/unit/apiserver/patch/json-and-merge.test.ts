// JSON patch, JSON merge patch and content-type routing through applyPatch.
import {strict as assert} from 'node:assert'

import type {KubeObject} from '../../../../src/api/types.js'
import {applyPatch, PatchError, patchTypeOf} from '../../../../src/apiserver/patch/index.js'

const CM = {group: '', version: 'v1', kind: 'ConfigMap'}
const cm = (): KubeObject => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cfg', namespace: 'default', labels: {a: '1'}}, data: {x: '1', y: '2'}})

describe('patch: JSON patch and merge patch', () => {
  it('applies RFC 6902 add/remove/replace/move/copy/test without mutating the input', () => {
    const before = cm()
    const snapshot = structuredClone(before)
    const out = applyPatch(before, [
      {op: 'test', path: '/data/x', value: '1'},
      {op: 'add', path: '/data/z', value: '3'},
      {op: 'remove', path: '/data/y'},
      {op: 'replace', path: '/metadata/labels/a', value: '2'},
      {op: 'copy', from: '/data/z', path: '/data/w'},
      {op: 'move', from: '/data/x', path: '/data/v'},
    ], 'application/json-patch+json', CM)
    assert.deepEqual(out.data, {z: '3', w: '3', v: '1'})
    assert.equal(out.metadata.labels?.a, '2')
    assert.deepEqual(before, snapshot)
  })

  it('answers a failed test with 422 and leaves nothing applied', () => {
    const before = cm()
    assert.throws(
      () => applyPatch(before, [{op: 'replace', path: '/data/x', value: 'changed'}, {op: 'test', path: '/data/y', value: 'nope'}], 'application/json-patch+json', CM),
      (e: unknown) => e instanceof PatchError && e.code === 422 && /test/.test(e.message),
    )
    assert.equal(before.data.x, '1')
  })

  it('rejects a path that does not exist with 422 and a non-list body with 400', () => {
    assert.throws(() => applyPatch(cm(), [{op: 'remove', path: '/data/nope'}], 'application/json-patch+json', CM), (e: unknown) => e instanceof PatchError && e.code === 422)
    assert.throws(() => applyPatch(cm(), {op: 'add'}, 'application/json-patch+json', CM), (e: unknown) => e instanceof PatchError && e.code === 400)
  })

  it('applies RFC 7386 merge patch: null deletes, objects merge, lists replace', () => {
    const obj = {...cm(), spec: {list: [1, 2, 3]}}
    const out = applyPatch(obj, {data: {x: null, n: 'new'}, metadata: {labels: {b: '2'}}, spec: {list: [9]}}, 'application/merge-patch+json', CM)
    assert.deepEqual(out.data, {y: '2', n: 'new'})
    assert.deepEqual(out.metadata.labels, {a: '1', b: '2'})
    assert.deepEqual(out.spec.list, [9])
  })

  it('treats strategic patches for custom resources as merge patches and drops directives', () => {
    const cr: KubeObject = {apiVersion: 'example.com/v1', kind: 'Widget', metadata: {name: 'w'}, spec: {items: [{name: 'a'}], size: 1}}
    const out = applyPatch(cr, {spec: {$retainKeys: ['items'], items: [{name: 'b'}], size: null}}, 'application/strategic-merge-patch+json', {group: 'example.com', version: 'v1', kind: 'Widget'})
    assert.deepEqual(out.spec, {items: [{name: 'b'}]})
  })

  it('routes content types exactly (strategic is not merge, compat G5)', () => {
    assert.equal(patchTypeOf('application/strategic-merge-patch+json'), 'application/strategic-merge-patch+json')
    assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), 'application/merge-patch+json')
    assert.equal(patchTypeOf('application/json'), undefined)
  })

  it('rejects unknown patch types with 415', () => {
    assert.throws(() => applyPatch(cm(), {}, 'text/plain' as never, CM), (e: unknown) => e instanceof PatchError && e.code === 415)
  })
})
