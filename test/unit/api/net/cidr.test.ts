// Tests of the shared IPv4/CIDR module (node addresses, pod ranges, free network subnets).
import {strict as assert} from 'node:assert'
import {addressIn, isIPv4CIDR, prefixLength, rangesOverlap, subnetAt} from '../../../../src/api/net/cidr.js'

describe('api/net/cidr', () => {
  it('validates dotted-quad IPv4 CIDRs', () => {
    assert.equal(isIPv4CIDR('10.244.0.0/16'), true)
    for (const bad of ['10.244.0.0', '10.244.0.0/33', '999.1.1.1/16', '10.1/16', 'fd00::/64', 16, undefined]) assert.equal(isIPv4CIDR(bad), false, String(bad))
    assert.equal(prefixLength('10.96.0.0/12'), 12)
  })

  it('gives host addresses from the network address, across octets', () => {
    assert.equal(addressIn('172.30.0.0/24', 1), '172.30.0.1')
    assert.equal(addressIn('10.96.0.0/16', 1), '10.96.0.1')
    assert.equal(addressIn('10.0.0.7/16', 1), '10.0.0.1', 'host bits of the given address are masked off')
    assert.equal(addressIn('10.0.0.0/16', 256), '10.0.1.0')
    assert.throws(() => addressIn('172.30.0.0/24', 255), /no host address/)
    assert.throws(() => addressIn('172.30.0.0/24', 0), /no host address/)
  })

  it('numbers the subranges of a range', () => {
    assert.equal(subnetAt('10.244.0.0/16', 24, 3), '10.244.3.0/24')
    assert.equal(subnetAt('172.30.0.0/15', 24, 256), '172.31.0.0/24')
    assert.throws(() => subnetAt('10.244.0.0/16', 24, 256), /no \/24 number 256/)
  })

  it('tells overlapping ranges; plain addresses are /32, anything else overlaps nothing', () => {
    assert.equal(rangesOverlap('172.30.1.0/24', '172.30.0.0/16'), true)
    assert.equal(rangesOverlap('172.30.1.0/24', '172.30.0.0/24'), false)
    assert.equal(rangesOverlap('172.30.1.0/24', '172.30.1.9'), true)
    assert.equal(rangesOverlap('172.30.1.0/24', 'fd00::/64'), false)
  })
})
