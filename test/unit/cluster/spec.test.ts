// Node spec → Docker create options, checked without Docker.
import assert from 'node:assert/strict'
import {FALLBACK_SECURITY, nodeCreateOptions} from '../../../src/cluster/docker/spec.js'
import {planCluster} from '../../../src/cluster/plan.js'
import {configFromFlags} from '../../../src/config/load.js'

const plan = planCluster(configFromFlags(undefined, {name: 'demo'}), '172.30.5.0/24')
const rt = {cluster: 'demo', image: 'skiff/node:x', network: 'skiff-demo', env: {A: '1'}, files: {}, apiServerHostPort: 40123}

describe('nodeCreateOptions', () => {
  it('publishes the apiserver on 127.0.0.1 only for the control plane, with a fixed address and labels', () => {
    const cp = nodeCreateOptions(plan.nodes[0], rt, 'privileged', '0.1.0')
    assert.equal(cp.name, 'demo-control-plane')
    assert.deepEqual(cp.HostConfig!.PortBindings, {'6443/tcp': [{HostIp: '127.0.0.1', HostPort: '40123'}]})
    assert.equal(cp.HostConfig!.Privileged, true)
    assert.equal(cp.Labels!['io.skiff.cluster'], 'demo')
    assert.equal(cp.Labels!['io.skiff.apiserver-port'], '40123')
    assert.equal(cp.NetworkingConfig!.EndpointsConfig!['skiff-demo'].IPAMConfig!.IPv4Address, '172.30.5.2')
    const worker = nodeCreateOptions(plan.nodes[1], {...rt, apiServerHostPort: undefined}, 'privileged', '0.1.0')
    assert.equal(worker.HostConfig!.PortBindings, undefined)
    assert.equal(worker.Labels!['io.skiff.role'], 'worker')
  })

  it('publishes the Ingress ports and mounts the host engine socket on the control plane only', () => {
    const full = {...rt, ingressHostPorts: {http: 80, https: 8443}, hostDockerSocket: '/var/run/docker.sock'}
    const cp = nodeCreateOptions(plan.nodes[0], full, 'privileged', '0.1.0')
    assert.deepEqual(cp.HostConfig!.PortBindings, {
      '6443/tcp': [{HostIp: '127.0.0.1', HostPort: '40123'}],
      '80/tcp': [{HostIp: '127.0.0.1', HostPort: '80'}],
      '443/tcp': [{HostIp: '127.0.0.1', HostPort: '8443'}],
    })
    assert.deepEqual(Object.keys(cp.ExposedPorts!).sort(), ['443/tcp', '6443/tcp', '80/tcp'])
    assert.equal(cp.Labels!['io.skiff.ingress-https-port'], '8443')
    assert.deepEqual(cp.HostConfig!.Mounts![2], {Type: 'bind', Source: '/var/run/docker.sock', Target: '/skiff-host/docker.sock'})
    const worker = nodeCreateOptions(plan.nodes[1], full, 'privileged', '0.1.0')
    assert.equal(worker.HostConfig!.Mounts!.length, 2)
    assert.equal(worker.HostConfig!.PortBindings, undefined)
  })

  it('uses the explicit capability set instead of --privileged when told to', () => {
    const w = nodeCreateOptions(plan.nodes[1], rt, 'capabilities', '0.1.0')
    assert.equal(w.HostConfig!.Privileged, undefined)
    assert.deepEqual(w.HostConfig!.CapDrop, FALLBACK_SECURITY.CapDrop)
    assert.ok(w.HostConfig!.SecurityOpt!.includes('seccomp=unconfined'))
    assert.deepEqual(w.HostConfig!.Mounts, [
      {Type: 'volume', Source: 'demo-worker-var-lib-containerd', Target: '/var/lib/containerd'},
      {Type: 'volume', Source: 'demo-worker-var-lib-skiff', Target: '/var/lib/skiff'},
    ])
  })
})
