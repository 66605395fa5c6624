// Pure parts of changing a running cluster: names, addresses and pod ranges for a joining node, its certificate from the existing CA, drain by evictions, log splitting, config init's file.
import assert from 'node:assert/strict'
import {X509Certificate} from 'node:crypto'
import type {ApiClient} from '../../../src/client/api-client.js'
import {ApiError} from '../../../src/client/errors.js'
import {nextAddress, nextPodCIDR, nextWorkerName} from '../../../src/cluster/ops/add.js'
import {drain, skippedByDrain} from '../../../src/cluster/ops/drain.js'
import {splitComponentLogs} from '../../../src/cluster/ops/export-logs.js'
import {nodeRows} from '../../../src/cluster/ops/nodes.js'
import {createCA, loadCA, signNodeCert} from '../../../src/cluster/pki.js'
import {renderConfig} from '../../../src/config/render.js'
import {decodeConfigText} from '../../../src/config/load.js'

describe('node operations', () => {
  it('names a joining worker after the first free kind-style name', () => {
    assert.equal(nextWorkerName('demo', new Set(['demo-control-plane'])), 'demo-worker')
    assert.equal(nextWorkerName('demo', new Set(['demo-control-plane', 'demo-worker', 'demo-worker3'])), 'demo-worker2')
  })

  it('gives it the first address nothing holds (gateway and stopped nodes included) and a /24 no Node has', () => {
    assert.equal(nextAddress('172.30.0.0/24', ['172.30.0.1', '172.30.0.2', '172.30.0.3', '172.30.0.5']), '172.30.0.4')
    const nodes = [{metadata: {name: 'a'}, spec: {podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24']}}, {metadata: {name: 'b'}, spec: {podCIDR: '10.244.2.0/24'}}]
    assert.equal(nextPodCIDR('10.244.0.0/16', nodes), '10.244.1.0/24')
    assert.throws(() => nextAddress('172.30.0.0/30', ['172.30.0.1', '172.30.0.2']), /no free address/)
  })

  it("signs the joining node's certificate with the cluster's existing CA", async () => {
    const ca = await createCA('demo')
    const loaded = await loadCA(ca.cert, ca.key)
    const pair = await signNodeCert(loaded, 'demo-worker2', '172.30.0.4')
    const cert = new X509Certificate(pair.cert)
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey), 'signed by the cluster CA')
    assert.match(cert.subject, /CN=system:node:demo-worker2/)
    assert.match(cert.subject, /O=system:nodes/)
    assert.match(cert.subjectAltName!, /IP Address:172\.30\.0\.4/)
  })

  it('drain leaves DaemonSet, mirror and finished pods alone', () => {
    const pod = (extra: object) => ({metadata: {name: 'p', namespace: 'd', ...extra}, status: {phase: 'Running'}})
    assert.equal(skippedByDrain(pod({ownerReferences: [{kind: 'DaemonSet', name: 'x', uid: 'u', apiVersion: 'apps/v1', controller: true}]}) as never), 'DaemonSet')
    assert.equal(skippedByDrain(pod({annotations: {'kubernetes.io/config.mirror': 'x'}}) as never), 'mirror')
    assert.equal(skippedByDrain({metadata: {name: 'p'}, status: {phase: 'Succeeded'}} as never), 'finished')
    assert.equal(skippedByDrain(pod({ownerReferences: [{kind: 'ReplicaSet', name: 'x', uid: 'u', apiVersion: 'apps/v1', controller: true}]}) as never), undefined)
  })

  it('drain evicts through the Eviction API and retries a budget refusal (429) until the pod is gone', async () => {
    let pods = [{metadata: {name: 'a', namespace: 'd'}, status: {phase: 'Running'}}, {metadata: {name: 'b', namespace: 'd'}, status: {phase: 'Running'}}]
    const evictions: string[] = []
    let refusals = 1
    const api = {
      list: async (_t: unknown, opts: {fieldSelector?: string}) => {
        assert.equal(opts.fieldSelector, 'spec.nodeName=n1')
        return {items: pods}
      },
      create: async (t: {name: string; subresource: string}, body: {kind: string}) => {
        assert.equal(t.subresource, 'eviction')
        assert.equal(body.kind, 'Eviction')
        if (t.name === 'b' && refusals-- > 0) throw new ApiError({code: 429, reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.'} as never)
        evictions.push(t.name)
        pods = pods.filter((p) => p.metadata.name !== t.name)
        return {}
      },
    } as unknown as ApiClient
    const progress: string[] = []
    await assert.rejects(drain(api, 'n1', {deadline: Date.now() + 10_000}), /runs pods no controller manages, which would be lost: d\/a, d\/b/)
    assert.deepEqual(evictions, [])
    const res = await drain(api, 'n1', {deadline: Date.now() + 10_000, force: true, onProgress: (m) => progress.push(m)})
    assert.deepEqual(res.evicted.sort(), ['d/a', 'd/b'])
    assert.deepEqual(evictions, ['a', 'b'])
    assert.ok(progress.some((m) => /disruption budget.*retrying/.test(m)))
  })

  it('splits a node container log into one file per component', () => {
    const log = [
      'skiff-entrypoint: fix-ups done in 40 ms',
      '2026-01-01T00:00:00.000Z apiserver listening on :6443',
      '2026-01-01T00:00:00.100Z agent node registered',
      'Error: boom',
      '    at x (y.js:1:1)',
      '2026-01-01T00:00:01.000Z apiserver ready',
    ].join('\n')
    const parts = splitComponentLogs(log)
    assert.deepEqual(Object.keys(parts).sort(), ['agent', 'apiserver', 'entrypoint'])
    assert.equal(parts.apiserver.trim().split('\n').length, 2)
    assert.match(parts.agent, /Error: boom\n {4}at x/)
  })

  it('lists containers joined with their Node objects', () => {
    const rows = nodeRows(
      [{name: 'c-control-plane', id: '1', role: 'control-plane', state: 'running', ip: '172.30.0.2', image: 'i'}, {name: 'c-worker', id: '2', role: 'worker', state: 'exited', image: 'i'}],
      [{metadata: {name: 'c-control-plane'}, spec: {podCIDR: '10.244.0.0/24', taints: [{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}]}, status: {capacity: {cpu: '2', memory: '4Gi'}, conditions: [{type: 'Ready', status: 'True'}]}}],
    )
    assert.deepEqual(rows.map((r) => [r.name, r.status, r.container, r.capacity?.cpu ?? '-', r.taints.join()]), [
      ['c-control-plane', 'Ready', 'running', '2', 'node-role.kubernetes.io/control-plane:NoSchedule'],
      ['c-worker', '-', 'exited', '-', ''],
    ])
  })

  it('config init writes a file the strict loader accepts, with the limits on every worker', () => {
    const text = renderConfig({name: 'dev', workers: 2, cpus: 1.5, memory: '2Gi'})
    const c = decodeConfigText(text, 'x')
    assert.deepEqual(c.nodes.map((n) => [n.role, n.cpus, n.memory]), [['control-plane', undefined, undefined], ['worker', 1.5, 2 * 1024 ** 3], ['worker', 1.5, 2 * 1024 ** 3]])
    assert.throws(() => renderConfig({name: 'dev', workers: 1, memory: '10Mi'}), /below the 256Mi/)
  })
})
