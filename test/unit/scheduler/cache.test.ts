// Tests of the scheduler cache: usage per node, assumed pods, finished pods.
import {strict as assert} from 'node:assert'
import {SchedulerCache} from '../../../src/scheduler/cache.js'
import {makeNode, makePod} from './fixtures.js'

describe('scheduler/cache', () => {
  const requested = (c: SchedulerCache, node: string) => c.nodeInfos().find((n) => n.name === node)?.requested.cpu ?? 0

  it('counts bound pods on their node and ignores finished ones', () => {
    const c = new SchedulerCache()
    c.setNode(makeNode('w1'))
    c.setPod(makePod('a', {cpu: '100m', node: 'w1'}))
    c.setPod(makePod('b', {cpu: '200m', node: 'w1'}))
    c.setPod(makePod('pending', {cpu: '1'}))
    assert.equal(requested(c, 'w1'), 300)
    c.setPod(makePod('b', {cpu: '200m', node: 'w1', phase: 'Succeeded'}))
    assert.equal(requested(c, 'w1'), 100)
    c.removePod('default/a')
    assert.equal(requested(c, 'w1'), 0)
  })

  it('keeps an assumed pod until the watch confirms it, and drops it when forgotten', () => {
    const c = new SchedulerCache()
    c.setNode(makeNode('w1'))
    const pod = makePod('p', {cpu: '500m'})
    c.assume(pod, 'w1')
    assert.equal(requested(c, 'w1'), 500)
    // A stale, still unbound version from the watch must not undo the assumption.
    c.setPod(pod)
    assert.equal(c.isAssumed('default/p'), true)
    assert.equal(requested(c, 'w1'), 500)
    c.setPod(makePod('p', {cpu: '500m', node: 'w1'}))
    assert.equal(c.isAssumed('default/p'), false)
    c.forget('default/p')
    assert.equal(requested(c, 'w1'), 500, 'a confirmed pod is not forgotten')
    c.assume(makePod('q', {cpu: '100m'}), 'w1')
    c.forget('default/q')
    assert.equal(requested(c, 'w1'), 500)
  })
})
