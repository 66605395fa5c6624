// Unit tests for the agent's CNI config: gateway arithmetic, the plugin chain, and the atomic, change-only write.
import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CNI_CONF_FILE, cniConfig, configuredPodCIDR, gatewayOf, writeCniConfig} from '../../../../src/agent/cri/cni.js'

describe('CNI config', () => {
  it('puts the gateway at the first address of the pod range', () => {
    assert.equal(gatewayOf('10.244.1.0/24'), '10.244.1.1')
    assert.equal(gatewayOf('10.244.3.7/24'), '10.244.3.1')
    assert.equal(gatewayOf('10.245.0.0/16'), '10.245.0.1')
    assert.throws(() => gatewayOf('fd00::/64'), /IPv4/)
    assert.throws(() => gatewayOf('10.244.1.0/31'), /usable/)
  })

  it('chains bridge (gateway, no masquerade, host-local on the pod range) and portmap', () => {
    const c = cniConfig({podCIDR: '10.244.2.0/24'}) as any
    assert.deepEqual(
      c.plugins.map((p: any) => p.type),
      ['bridge', 'portmap'],
    )
    const bridge = c.plugins[0]
    assert.equal(bridge.isGateway, true)
    assert.equal(bridge.ipMasq, false, 'in-cluster traffic keeps pod source addresses')
    assert.deepEqual(bridge.ipam.ranges, [[{subnet: '10.244.2.0/24', gateway: '10.244.2.1'}]])
    assert.equal(bridge.ipam.type, 'host-local')
    assert.deepEqual(c.plugins[1].capabilities, {portMappings: true})
  })

  it('writes only when the content changes, leaving no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-cni-'))
    try {
      assert.equal(await writeCniConfig({podCIDR: '10.244.4.0/24'}, dir), true)
      assert.equal(await writeCniConfig({podCIDR: '10.244.4.0/24'}, dir), false)
      assert.equal(await writeCniConfig({podCIDR: '10.244.5.0/24'}, dir), true)
      assert.deepEqual(await readdir(dir), [CNI_CONF_FILE])
      assert.equal(JSON.parse(await readFile(join(dir, CNI_CONF_FILE), 'utf8')).plugins[0].ipam.ranges[0][0].subnet, '10.244.5.0/24')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('reads back the pod range the config serves: none without a config or with a broken one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-cni-'))
    try {
      assert.equal(await configuredPodCIDR(dir), undefined)
      await writeCniConfig({podCIDR: '10.244.6.0/24'}, dir)
      assert.equal(await configuredPodCIDR(dir), '10.244.6.0/24')
      await writeFile(join(dir, CNI_CONF_FILE), '{"plugins": [')
      assert.equal(await configuredPodCIDR(dir), undefined)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
