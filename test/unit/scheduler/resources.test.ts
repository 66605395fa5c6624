// Tests of the scheduler's resource units (millicores for cpu, plain values otherwise).
import {strict as assert} from 'node:assert'
import {parseResourceList, resourceAmount} from '../../../src/scheduler/resources.js'

describe('scheduler/resources', () => {
  it('uses millicores for cpu and plain values for other resources', () => {
    assert.equal(resourceAmount('cpu', '2'), 2000)
    assert.equal(resourceAmount('memory', '1Mi'), 1048576)
    assert.equal(resourceAmount('nvidia.com/gpu', '1'), 1)
  })

  it('skips entries that are not quantities', () => {
    assert.deepEqual(parseResourceList({cpu: '250m', memory: 'lots', pods: 3}), {cpu: 250, pods: 3})
  })
})
