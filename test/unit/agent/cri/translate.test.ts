// Unit tests for the docker-shaped request → CRI config translation and CRI status → ContainerInfo mapping behind CriRuntime.
import assert from 'node:assert/strict'
import {containerConfigFromRequest, containerInfo, isSandboxRequest, rfc3339, sandboxConfigFromRequest, sandboxIdOf, sandboxInfo} from '../../../../src/agent/cri/translate.js'
import type {ContainerStatus} from '../../../../src/agent/cri/types.js'
import {containerRequest, sandboxRequest} from '../../../../src/agent/pods/container-config.js'

const pod = {
  metadata: {name: 'web', namespace: 'shop', uid: 'u-1'},
  spec: {
    hostname: 'front',
    securityContext: {runAsUser: 1000, runAsGroup: 3000},
    containers: [
      {
        name: 'app',
        image: 'skiff/busybox:test',
        command: ['sh', '-c'],
        args: ['echo $(GREETING)'],
        workingDir: '/srv',
        volumeMounts: [
          {name: 'cfg', mountPath: '/etc/cfg'},
          {name: 'data', mountPath: '/data'},
        ],
        resources: {limits: {cpu: '500m', memory: '64Mi'}, requests: {cpu: '250m'}},
        securityContext: {capabilities: {add: ['NET_ADMIN'], drop: ['ALL']}, readOnlyRootFilesystem: true},
      },
    ],
  },
}

describe('CRI translation', () => {
  it('turns a sandbox request into a PodSandboxConfig: metadata, log directory, hostname, labels, cgroup parent', () => {
    const req = sandboxRequest(pod, 2)
    assert.equal(isSandboxRequest(req), true)
    const c = sandboxConfigFromRequest(req, {cgroupParent: '/docker/n/pods', dnsConfig: {servers: ['10.96.0.10']}})
    assert.deepEqual(c.metadata, {name: 'web', uid: 'u-1', namespace: 'shop', attempt: 2})
    assert.equal(c.logDirectory, '/var/log/pods/shop_web_u-1')
    assert.equal(c.hostname, 'front')
    assert.equal(c.labels?.['io.kubernetes.pod.uid'], 'u-1')
    assert.equal(c.linux?.cgroupParent, '/docker/n/pods')
    assert.equal(c.linux?.securityContext?.namespaceOptions?.network, 'POD')
    assert.deepEqual(c.dnsConfig, {servers: ['10.96.0.10']})
  })

  it('gives a hostNetwork pod the node network namespace and no hostname', () => {
    const c = sandboxConfigFromRequest(sandboxRequest({...pod, spec: {...pod.spec, hostNetwork: true}}, 0))
    assert.equal(c.linux?.securityContext?.namespaceOptions?.network, 'NODE')
    assert.equal(c.hostname, undefined)
  })

  it('turns a container request into a ContainerConfig: command/args, env, mounts, resources, user, capabilities, log path', () => {
    const req = containerRequest(pod, pod.spec.containers[0], {
      sandboxID: 'sb1',
      type: 'app',
      restartCount: 3,
      env: new Map([['GREETING', 'hi']]),
      volumes: new Map([
        ['cfg', '/var/lib/skiff/pods/u-1/cfg'],
        ['data', '/var/lib/skiff/pods/u-1/data'],
      ]),
      readOnlyVolumes: new Set(['cfg']),
    })
    assert.equal(isSandboxRequest(req), false)
    assert.equal(sandboxIdOf(req), 'sb1')
    const c = containerConfigFromRequest(req)
    assert.deepEqual(c.metadata, {name: 'app', attempt: 3})
    assert.deepEqual(c.command, ['sh', '-c'])
    assert.deepEqual(c.args, ['echo hi'])
    assert.equal(c.workingDir, '/srv')
    assert.deepEqual(c.envs, [{key: 'GREETING', value: 'hi'}])
    assert.deepEqual(c.mounts, [
      {hostPath: '/var/lib/skiff/pods/u-1/cfg', containerPath: '/etc/cfg', readonly: true},
      {hostPath: '/var/lib/skiff/pods/u-1/data', containerPath: '/data', readonly: false},
    ])
    assert.equal(c.logPath, 'app/3.log')
    assert.deepEqual(c.linux?.resources, {cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 1024 * 1024})
    const sc = c.linux?.securityContext
    assert.deepEqual(sc?.runAsUser, {value: 1000})
    assert.deepEqual(sc?.runAsGroup, {value: 3000})
    assert.equal(sc?.readonlyRootfs, true)
    assert.deepEqual(sc?.capabilities, {addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL']})
    assert.deepEqual(sc?.namespaceOptions, {network: 'POD', ipc: 'POD', pid: 'CONTAINER'})
    assert.equal(c.labels?.['io.kubernetes.container.name'], 'app')
  })

  it('shares the pod PID namespace when the pod asks for it', () => {
    const p = {...pod, spec: {...pod.spec, shareProcessNamespace: true}}
    const req = containerRequest(p, p.spec.containers[0], {sandboxID: 'sb1', type: 'app', restartCount: 0, env: new Map(), volumes: new Map()})
    assert.equal(containerConfigFromRequest(req).linux?.securityContext?.namespaceOptions?.pid, 'POD')
  })

  it('maps CRI statuses to the lifecycle view: states, times, exit code, OOM, start errors', () => {
    const labels = {'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'app', 'io.skiff.container.type': 'init', 'io.kubernetes.container.restartCount': '2'}
    const base: ContainerStatus = {
      id: 'c1',
      metadata: {name: 'app', attempt: 2},
      state: 'CONTAINER_EXITED',
      createdAt: 1_700_000_000_000_000_000,
      startedAt: 1_700_000_001_000_000_000,
      finishedAt: 1_700_000_002_500_000_000,
      exitCode: 137,
      image: {image: 'skiff/busybox:test'},
      imageRef: 'sha256:abc',
      reason: 'OOMKilled',
      message: '',
      labels,
      annotations: {},
      mounts: [],
      logPath: '',
    }
    const info = containerInfo(base, '')
    assert.equal(info.state, 'exited')
    assert.equal(info.type, 'init')
    assert.equal(info.restartCount, 2)
    assert.equal(info.exitCode, 137)
    assert.equal(info.oomKilled, true)
    assert.equal(info.imageID, 'sha256:abc')
    assert.equal(info.createdAt, 1_700_000_000_000)
    assert.equal(info.finishedAt, '2023-11-14T22:13:22.500Z')
    assert.equal(info.error, undefined)
    const neverStarted = containerInfo({...base, startedAt: 0, reason: 'StartError', message: 'exec: not found'}, '')
    assert.equal(neverStarted.error, 'exec: not found')
    assert.equal(neverStarted.startedAt, undefined)
    const running = containerInfo({...base, state: 'CONTAINER_RUNNING', finishedAt: 0, reason: ''}, '')
    assert.equal(running.state, 'running')
    assert.equal(running.exitCode, undefined)
    assert.equal(rfc3339(0), undefined)
  })

  it('shows a sandbox as the POD container, running while ready', () => {
    const s = {id: 's1', metadata: null, state: 'SANDBOX_NOTREADY' as const, createdAt: 5_000_000, labels: {'io.kubernetes.pod.uid': 'u'}, annotations: {}, runtimeHandler: ''}
    const info = sandboxInfo(s, 'skiff/pause:1', '10.244.1.5')
    assert.equal(info.name, 'POD')
    assert.equal(info.type, 'sandbox')
    assert.equal(info.state, 'exited')
    assert.equal(info.createdAt, 5)
    assert.equal(sandboxInfo({...s, state: 'SANDBOX_READY'}, 'skiff/pause:1').state, 'running')
  })
})
