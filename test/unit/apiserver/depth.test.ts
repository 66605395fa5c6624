// The nesting limit: exact boundary, arrays count as levels, and a hostile depth does not overflow the check.
import assert from 'node:assert/strict'
import {exceedsDepth} from '../../../src/apiserver/depth.js'

function nest(depth: number, wrap: (v: unknown) => unknown = (v) => ({a: v})): unknown {
  let v: unknown = 'leaf'
  for (let i = 0; i < depth; i++) v = wrap(v)
  return v
}

describe('exceedsDepth', () => {
  it('allows exactly max levels and refuses one more', () => {
    assert.equal(exceedsDepth(nest(4), 4), false)
    assert.equal(exceedsDepth(nest(5), 4), true)
  })
  it('counts arrays as levels and scalars as none', () => {
    assert.equal(exceedsDepth(nest(3, (v) => [v]), 3), false)
    assert.equal(exceedsDepth(nest(4, (v) => [1, v]), 3), true)
    assert.equal(exceedsDepth('x', 0), false)
    assert.equal(exceedsDepth(null, 0), false)
  })
  it('finds a deep branch beside shallow ones', () => {
    assert.equal(exceedsDepth({a: 1, b: {c: 2}, d: nest(10)}, 10), true)
  })
  it('checks a million levels without overflowing the stack', () => {
    assert.equal(exceedsDepth(nest(1_000_000)), true)
  })
})
