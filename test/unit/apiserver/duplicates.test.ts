// Duplicate JSON keys found by path, with arrays indexed and strings (escapes, colons, braces inside) skipped.
import assert from 'node:assert/strict'
import {duplicateFields} from '../../../src/apiserver/duplicates.js'

describe('duplicateFields', () => {
  it('names each repeated key by its path, in document order', () => {
    const body = '{"metadata":{"name":"a","name":"b"},"spec":{"paused":true,"template":{"spec":{"containers":[{"name":"x"},{"image":"i","image":"j"}]}},"paused":false}}'
    assert.deepEqual(duplicateFields(body), ['metadata.name', 'spec.template.spec.containers[1].image', 'spec.paused'])
  })
  it('ignores keys that only look repeated: different objects, values that are strings with colons, escaped quotes', () => {
    assert.deepEqual(duplicateFields('{"a":{"k":1},"b":{"k":2},"c":"k:\\"k\\":{","d":["k","k"]}'), [])
    assert.deepEqual(duplicateFields('{"data":{"a\\u0062":"1","ab":"2"}}'), ['data.ab'])
  })
  it('returns nothing for invalid JSON (the decoder reports it)', () => {
    assert.deepEqual(duplicateFields('{"a":"'), [])
  })
})
