// Service environment variables: Kubernetes' names for ports and links, the pod namespace's services under enableServiceLinks, and default/kubernetes always.
import assert from 'node:assert/strict'
import {resolveEnv} from '../../../../src/agent/pods/env.js'
import {podServices, serviceEnv} from '../../../../src/agent/pods/service-env.js'
import type {Service} from '../../../../src/api/resources/core/service.js'
import type {Pod} from '../../../../src/api/types/workloads.js'

const svc = (namespace: string, name: string, clusterIP: string, ports: {name?: string; port: number; protocol?: string}[]): Service =>
  ({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace}, spec: {clusterIP, ports}}) as Service
const kubernetes = svc('default', 'kubernetes', '10.96.0.1', [{name: 'https', port: 443, protocol: 'TCP'}])
const web = svc('t', 'my-web', '10.96.0.20', [{name: 'http', port: 80}, {name: 'metrics-port', port: 9090, protocol: 'UDP'}])
const all = [kubernetes, web, svc('t', 'headless', 'None', [{port: 80}]), svc('other', 'db', '10.96.0.30', [{port: 5432}])]
const pod = (spec: Record<string, unknown> = {}): Pod => ({metadata: {name: 'p', namespace: 't'}, spec: {containers: [{name: 'c', image: 'x'}], ...spec}}) as Pod

describe('service environment variables', () => {
  it('names the kubernetes service as the kubelet does', () => {
    assert.deepEqual(Object.fromEntries(serviceEnv([kubernetes])), {
      KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443', KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    })
    const env = serviceEnv([web])
    assert.equal(env.get('MY_WEB_SERVICE_PORT_METRICS_PORT'), '9090')
    assert.equal(env.get('MY_WEB_PORT_9090_UDP'), 'udp://10.96.0.20:9090')
  })

  it('takes the namespace\'s services with a cluster IP when links are on, and default/kubernetes always', () => {
    assert.deepEqual(podServices(pod(), all).map((s) => s.metadata.name), ['kubernetes', 'my-web'])
    assert.deepEqual(podServices(pod({enableServiceLinks: false}), all).map((s) => s.metadata.name), ['kubernetes'])
  })

  it('come first in the container environment: the container\'s own variables override them and may refer to them', () => {
    const p = pod({containers: [{name: 'c', image: 'x', env: [{name: 'KUBERNETES_SERVICE_PORT', value: '1'}, {name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST)'}]}]})
    const env = resolveEnv(p, p.spec!.containers[0], {configMap: () => undefined, secret: () => undefined, services: () => all}, {})
    assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '1')
    assert.equal(env.get('API'), 'https://10.96.0.1')
    assert.equal(env.get('MY_WEB_SERVICE_HOST'), '10.96.0.20')
  })
})
