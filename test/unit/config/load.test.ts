// Config decoding: every valid-*.yaml fixture loads, every invalid-*.yaml fixture fails with its expected message.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {configFromFlags, loadConfigFile} from '../../../src/config/load.js'
import {planCluster, pickSubnet, podCIDRFor} from '../../../src/cluster/plan.js'
import {validateClusterName} from '../../../src/config/names.js'

const dir = join(import.meta.dirname, '../../fixtures/config')

describe('cluster config', () => {
  for (const f of readdirSync(dir).filter((f) => f.startsWith('valid-'))) {
    it(`loads ${f}`, async () => {
      const c = await loadConfigFile(join(dir, f))
      assert.ok(c.nodes.some((n) => n.role === 'control-plane'))
    })
  }
  for (const f of readdirSync(dir).filter((f) => f.startsWith('invalid-'))) {
    it(`rejects ${f}`, async () => {
      const expected = readFileSync(join(dir, f), 'utf8').match(/^# expect: (.*)$/m)![1]
      await assert.rejects(loadConfigFile(join(dir, f)), (err: Error) => err.message.includes(expected))
    })
  }

  it('defaults to 1 control plane and 2 workers named like kind', () => {
    const plan = planCluster(configFromFlags(undefined, {name: 'demo'}), '172.30.0.0/24')
    assert.deepEqual(plan.nodes.map((n) => [n.name, n.ip, n.podCIDR]), [
      ['demo-control-plane', '172.30.0.2', '10.244.0.0/24'],
      ['demo-worker', '172.30.0.3', '10.244.1.0/24'],
      ['demo-worker2', '172.30.0.4', '10.244.2.0/24'],
    ])
    assert.equal(plan.apiServiceIP, '10.96.0.1')
  })

  it('rejects invalid names and HA control planes with a clear message', () => {
    assert.match(validateClusterName('Bad_Name')!, /invalid cluster name/)
    assert.equal(validateClusterName('ok-1'), undefined)
    assert.throws(() => configFromFlags(undefined, {controlPlanes: 3}), /not yet supported/)
    assert.throws(() => configFromFlags(undefined, {workers: -1}), /--workers/)
  })

  it('picks a subnet no existing network overlaps', () => {
    assert.equal(pickSubnet(['172.17.0.0/16', '172.30.0.0/24']), '172.30.1.0/24')
    assert.equal(pickSubnet(['172.30.0.0/16']), '172.31.0.0/24')
    assert.equal(podCIDRFor('10.244.0.0/16', 3), '10.244.3.0/24')
  })
})
