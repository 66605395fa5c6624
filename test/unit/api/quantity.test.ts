// Tests of the shared resource quantity parser (src/api/quantity.ts), used by the scheduler and the agent.
import {strict as assert} from 'node:assert'
import {isQuantity, milliCPU, quantityMilliValue, quantityNumber, quantityValue} from '../../../src/api/quantity.js'

describe('api/quantity', () => {
  it('parses cpu in millicores', () => {
    assert.equal(quantityMilliValue('100m'), 100)
    assert.equal(quantityMilliValue('1'), 1000)
    assert.equal(quantityMilliValue('0.1'), 100)
    assert.equal(quantityMilliValue('1.5'), 1500)
    assert.equal(quantityMilliValue('.5'), 500)
    assert.equal(quantityMilliValue(2), 2000)
    assert.equal(quantityMilliValue(0.25), 250)
    assert.equal(quantityMilliValue('250000u'), 250)
  })

  it('rounds up fractions of the unit, like Quantity.MilliValue/Value', () => {
    assert.equal(quantityMilliValue('1n'), 1)
    assert.equal(quantityMilliValue('0.0001'), 1)
    assert.equal(quantityValue('1m'), 1)
    assert.equal(quantityValue('1500m'), 2)
    assert.equal(quantityValue('-1500m'), -1)
  })

  it('parses binary and decimal suffixes', () => {
    assert.equal(quantityValue('128Mi'), 128 * 2 ** 20)
    assert.equal(quantityValue('1Gi'), 2 ** 30)
    assert.equal(quantityValue('1.5Gi'), 1.5 * 2 ** 30)
    assert.equal(quantityValue('1Ki'), 1024)
    assert.equal(quantityValue('1k'), 1000)
    assert.equal(quantityValue('1G'), 1e9)
    assert.equal(quantityValue('2T'), 2e12)
    assert.equal(quantityValue('1E'), 1e18)
    assert.equal(quantityValue('1Ei'), 2 ** 60)
  })

  it('parses exponents, and tells them apart from the exa suffix', () => {
    assert.equal(quantityValue('1e3'), 1000)
    assert.equal(quantityValue('1E3'), 1000)
    assert.equal(quantityValue('12e-1'), 2)
    assert.equal(quantityMilliValue('12e-1'), 1200)
    assert.equal(quantityValue('+5'), 5)
  })

  it('rejects what is not a quantity', () => {
    for (const bad of ['', 'abc', '1KB', '1 Gi', '1mi', 'Mi', '1.2.3', '--1', '1e', '1ki']) {
      assert.equal(isQuantity(bad), false, bad)
      assert.throws(() => quantityValue(bad), /quantities must match/)
    }
    assert.equal(isQuantity('512Mi'), true)
  })

  it('reads absent or malformed quantities as undefined where validation already ran (agent)', () => {
    assert.equal(quantityNumber('1Gi'), 2 ** 30)
    assert.equal(quantityNumber('250m'), 0.25)
    assert.equal(quantityNumber(2), 2)
    assert.equal(quantityNumber(undefined), undefined)
    assert.equal(quantityNumber('1KB'), undefined)
    assert.equal(milliCPU('1.5'), 1500)
    assert.equal(milliCPU(2), 2000)
    assert.equal(milliCPU('1n'), 1)
    assert.equal(milliCPU(null), undefined)
    assert.equal(milliCPU('abc'), undefined)
  })
})
