// Query-string booleans read as Kubernetes reads them.
import assert from 'node:assert/strict'
import {queryFlag} from '../../../src/api/query.js'

describe('queryFlag', () => {
  const flag = (qs: string) => queryFlag(new URLSearchParams(qs), 'watch')
  it('is false when absent, or 0 / false in any case', () => {
    for (const qs of ['', 'other=1', 'watch=0', 'watch=false', 'watch=False', 'watch=FALSE']) assert.equal(flag(qs), false, qs)
  })
  it('is true for anything else, the Python client\'s True and an empty value included', () => {
    for (const qs of ['watch=true', 'watch=True', 'watch=1', 'watch=yes', 'watch=', 'watch']) assert.equal(flag(qs), true, qs)
  })
  it('reads the first value only', () => {
    assert.equal(flag('watch=false&watch=true'), false)
    assert.equal(flag('watch=true&watch=false'), true)
  })
})
