// Tests of the pod lifecycle's pure parts: status rules, back-off, env, container config, atomic volume writes, probe timing.
import assert from 'node:assert/strict'
import {lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Backoff} from '../../../../src/agent/pods/backoff.js'
import {containerRequest, resourceConfig, sandboxRequest} from '../../../../src/agent/pods/container-config.js'
import {ConfigError, expandVars, resolveEnv} from '../../../../src/agent/pods/env.js'
import {ProbeWorker} from '../../../../src/agent/pods/probes.js'
import type {ContainerInfo} from '../../../../src/agent/pods/runtime.js'
import {computePodStatus, kubeTime, podPhase, qosClass} from '../../../../src/agent/pods/status.js'
import {projectVolume, writeAtomic} from '../../../../src/agent/pods/volumes.js'
import {FakeClock} from '../../../../src/api/clock.js'

type Any = any

const pod = (spec: Any = {}, status: Any = {}): Any => ({metadata: {name: 'web', namespace: 'default', uid: 'u1', labels: {app: 'web', tier: 'a'}}, spec: {containers: [{name: 'web', image: 'busybox:1'}], ...spec}, status})

function info(over: Partial<ContainerInfo>): ContainerInfo {
  return {id: 'abc', podUID: 'u1', podName: 'web', podNamespace: 'default', name: 'web', type: 'app', restartCount: 0, hash: '', state: 'running', image: 'busybox:1', imageID: 'sha256:1', createdAt: 1, startedAt: '2024-01-01T00:00:01.123456789Z', ...over}
}

const view = (containers: ContainerInfo[], extra: Any = {}) => ({sandbox: info({id: 'sb', name: 'POD', type: 'sandbox', ip: '10.244.1.5'}), containers, waiting: new Map(), ready: new Map(), started: new Map(), hostIP: '172.30.0.3', now: Date.parse('2024-01-01T00:00:05Z'), ...extra})

describe('pod status', () => {
  it('phase follows the kubelet rules for each restart policy', () => {
    const running = {state: {running: {}}}
    const ok = {state: {terminated: {exitCode: 0}}}
    const bad = {state: {terminated: {exitCode: 1}}}
    const crash = {state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {exitCode: 1}}}
    const creating = {state: {waiting: {reason: 'ContainerCreating'}}}
    assert.equal(podPhase({}, [], [creating]), 'Pending')
    assert.equal(podPhase({}, [], [running, ok]), 'Running')
    assert.equal(podPhase({}, [], [crash]), 'Running')
    assert.equal(podPhase({restartPolicy: 'Never'}, [], [ok]), 'Succeeded')
    assert.equal(podPhase({restartPolicy: 'Never'}, [], [ok, bad]), 'Failed')
    assert.equal(podPhase({restartPolicy: 'OnFailure'}, [], [bad]), 'Running')
    assert.equal(podPhase({restartPolicy: 'OnFailure'}, [], [ok]), 'Succeeded')
    assert.equal(podPhase({restartPolicy: 'Always'}, [], [ok]), 'Running')
    assert.equal(podPhase({restartPolicy: 'Never'}, [bad], [{state: {waiting: {reason: 'PodInitializing'}}}]), 'Failed')
    assert.equal(podPhase({}, [running], [{state: {waiting: {reason: 'PodInitializing'}}}]), 'Pending')
  })

  it('qosClass', () => {
    assert.equal(qosClass({containers: [{name: 'c'}]}), 'BestEffort')
    assert.equal(qosClass({containers: [{name: 'c', resources: {limits: {cpu: '1', memory: '1Gi'}}}]}), 'Guaranteed')
    assert.equal(qosClass({containers: [{name: 'c', resources: {requests: {cpu: '1'}}}]}), 'Burstable')
  })

  it('a running container with a pending readiness probe is not ready; conditions say which', () => {
    const s: Any = computePodStatus(pod({containers: [{name: 'web', image: 'busybox:1', readinessProbe: {exec: {command: ['true']}}}]}), view([info({})]))
    assert.equal(s.phase, 'Running')
    assert.equal(s.containerStatuses[0].ready, false)
    assert.equal(s.containerStatuses[0].started, true)
    assert.equal(s.containerStatuses[0].state.running.startedAt, '2024-01-01T00:00:01Z')
    const ready = s.conditions.find((c: Any) => c.type === 'Ready')
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [web]'])
    assert.equal(s.podIP, '10.244.1.5')
    assert.equal(s.qosClass, 'BestEffort')
  })

  it('keeps lastTransitionTime of unchanged conditions and carries over PodScheduled', () => {
    const old = {conditions: [{type: 'PodScheduled', status: 'True', lastTransitionTime: '2023-01-01T00:00:00Z'}, {type: 'Ready', status: 'True', lastTransitionTime: '2023-06-01T00:00:00Z'}]}
    const s: Any = computePodStatus(pod({}, old), view([info({})]))
    assert.deepEqual(s.conditions.map((c: Any) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'])
    assert.equal(s.conditions.find((c: Any) => c.type === 'Ready').lastTransitionTime, '2023-06-01T00:00:00Z')
    assert.equal(s.conditions.find((c: Any) => c.type === 'Initialized').lastTransitionTime, '2024-01-01T00:00:05Z')
  })

  it('container statuses are sorted by name, as the kubelet sorts them', () => {
    const s: Any = computePodStatus(pod({containers: [{name: 'z', image: 'i'}, {name: 'a', image: 'i'}]}), view([]))
    assert.deepEqual(s.containerStatuses.map((c: Any) => c.name), ['a', 'z'])
    assert.equal(s.containerStatuses[0].state.waiting.reason, 'ContainerCreating')
  })

  it('kubeTime truncates docker nanosecond times to seconds', () => {
    assert.equal(kubeTime('2024-01-01T00:00:01.999999999Z'), '2024-01-01T00:00:01Z')
    assert.equal(kubeTime(Date.parse('2024-01-01T00:00:01.5Z')), '2024-01-01T00:00:01Z')
  })
})

describe('restart back-off', () => {
  it('10 s, doubling, capped at 5 min, reset after a quiet spell of 10 min', () => {
    const b = new Backoff()
    let now = 0
    assert.equal(b.remaining('k', now), 0)
    const delays = []
    for (let i = 0; i < 7; i++) {
      delays.push(b.next('k', now))
      now += b.delay('k')
    }
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000])
    assert.equal(b.remaining('k', now - 1000), 1000)
    now += 600_001
    assert.equal(b.next('k', now), 10_000)
  })
})

describe('container env', () => {
  const lookup = {
    configMap: (_ns: string, n: string) => (n === 'cfg' ? {a: '1', 'bad key': 'x', b: '2'} : undefined),
    secret: (_ns: string, n: string) => (n === 'sec' ? {pw: 'hunter2'} : undefined),
  }
  it('envFrom, then env with $(VAR) expansion, keys, fieldRef and resourceFieldRef', () => {
    const c = {
      name: 'web',
      resources: {limits: {memory: '64Mi', cpu: '500m'}},
      envFrom: [{configMapRef: {name: 'cfg'}, prefix: 'CM_'}, {secretRef: {name: 'missing', optional: true}}],
      env: [
        {name: 'PW', valueFrom: {secretKeyRef: {name: 'sec', key: 'pw'}}},
        {name: 'NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
        {name: 'APP', valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}},
        {name: 'IP', valueFrom: {fieldRef: {fieldPath: 'status.podIP'}}},
        {name: 'MEM', valueFrom: {resourceFieldRef: {resource: 'limits.memory', divisor: '1Mi'}}},
        {name: 'CPU', valueFrom: {resourceFieldRef: {resource: 'limits.cpu', divisor: '1m'}}},
        {name: 'URL', value: 'http://$(IP):80/$(NOPE)/$$(NAME)'},
      ],
    }
    const env = resolveEnv(pod(), c, lookup, {podIP: '10.244.1.5', hostIP: '172.30.0.3'})
    assert.deepEqual(Object.fromEntries(env), {CM_a: '1', CM_b: '2', PW: 'hunter2', NAME: 'web', APP: 'web', IP: '10.244.1.5', MEM: '64', CPU: '500', URL: 'http://10.244.1.5:80/$(NOPE)/$(NAME)'})
  })

  it('missing objects and keys throw the kubelet messages unless optional', () => {
    const f = (env: Any) => () => resolveEnv(pod(), {name: 'web', env}, lookup, {})
    assert.throws(f([{name: 'X', valueFrom: {configMapKeyRef: {name: 'nope', key: 'a'}}}]), new ConfigError('configmap "nope" not found'))
    assert.throws(f([{name: 'X', valueFrom: {configMapKeyRef: {name: 'cfg', key: 'zz'}}}]), new ConfigError("couldn't find key zz in ConfigMap default/cfg"))
    assert.throws(f([{name: 'X', valueFrom: {secretKeyRef: {name: 'nope', key: 'a'}}}]), new ConfigError('secret "nope" not found'))
    assert.equal(resolveEnv(pod(), {name: 'web', env: [{name: 'X', valueFrom: {secretKeyRef: {name: 'nope', key: 'a', optional: true}}}]}, lookup, {}).size, 0)
  })

  it('expandVars leaves unknown references and unclosed ones alone', () => {
    assert.equal(expandVars('$(A)$(B $ $$', new Map([['A', 'x']])), 'x$(B $ $$')
    assert.equal(expandVars('a$$(A)$b', new Map([['A', 'x']])), 'a$(A)$b')
  })
})

describe('container config', () => {
  it('maps limits to CFS quota and memory, requests to shares', () => {
    assert.deepEqual(resourceConfig({resources: {limits: {cpu: '500m', memory: '64Mi'}, requests: {cpu: '250m'}}}), {CpuShares: 256, CpuPeriod: 100000, CpuQuota: 50000, Memory: 67108864, MemorySwap: 67108864})
    assert.deepEqual(resourceConfig({}), {CpuShares: 2})
  })

  it('command replaces the entrypoint (and CMD), args only CMD; mounts are bound read-only where they must be', () => {
    const p = pod()
    const base = {sandboxID: 'sb1', type: 'app' as const, restartCount: 3, env: new Map([['X', 'y']]), volumes: new Map([['cfg', '/v/cfg'], ['data', '/v/data']]), readOnlyVolumes: new Set(['cfg'])}
    const r = containerRequest(p, {name: 'web', image: 'i', command: ['sh', '-c', 'echo $(X)'], volumeMounts: [{name: 'cfg', mountPath: '/etc/cfg'}, {name: 'data', mountPath: '/data', subPath: 'sub'}], workingDir: '/w'}, base)
    assert.equal(r.name, 'k8s_web_web_default_u1_3')
    assert.deepEqual(r.body.Entrypoint, ['sh', '-c', 'echo y'])
    assert.deepEqual(r.body.Cmd, [])
    assert.deepEqual(r.body.HostConfig.Binds, ['/v/cfg:/etc/cfg:ro', '/v/data/sub:/data'])
    assert.equal(r.body.HostConfig.NetworkMode, 'container:sb1')
    assert.equal(r.body.WorkingDir, '/w')
    assert.equal(r.body.Labels['io.kubernetes.container.restartCount'], '3')
    const a = containerRequest(p, {name: 'web', image: 'i', args: ['x']}, base)
    assert.equal(a.body.Entrypoint, undefined)
    assert.deepEqual(a.body.Cmd, ['x'])
    const s = sandboxRequest(p, 0)
    assert.equal(s.body.Image, 'skiff/pause:1')
    assert.equal(s.body.Hostname, 'web')
    assert.equal(s.body.HostConfig.NetworkMode, 'bridge')
  })
})

describe('volumes', () => {
  it('projects configMap items, secrets and downward API files', () => {
    const lookup = {configMap: () => ({a: '1', b: '2'}), secret: () => ({pw: 'x'})}
    const cm = projectVolume(pod(), {name: 'v', configMap: {name: 'cfg', items: [{key: 'b', path: 'dir/b.txt', mode: 0o600}]}}, lookup, {})!
    assert.deepEqual(cm.map((f) => [f.path, f.data.toString(), f.mode]), [['dir/b.txt', '2', 0o600]])
    const dw = projectVolume(pod(), {name: 'v', downwardAPI: {items: [{path: 'labels', fieldRef: {fieldPath: 'metadata.labels'}}]}}, lookup, {})!
    assert.equal(dw[0].data.toString(), 'app="web"\ntier="a"')
    assert.throws(() => projectVolume(pod(), {name: 'v', secret: {secretName: 's'}}, {configMap: () => undefined, secret: () => undefined}, {}), /secret "s" not found/)
  })

  it('writes atomically through ..data and updates in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-vol-'))
    try {
      assert.equal(await writeAtomic(dir, [{path: 'a', data: Buffer.from('1'), mode: 0o644}, {path: 'b', data: Buffer.from('2'), mode: 0o644}]), true)
      assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1')
      assert.equal(readlinkSync(join(dir, 'a')), '..data/a')
      const first = readlinkSync(join(dir, '..data'))
      assert.equal(await writeAtomic(dir, [{path: 'a', data: Buffer.from('1'), mode: 0o644}, {path: 'b', data: Buffer.from('2'), mode: 0o644}]), false)
      assert.equal(await writeAtomic(dir, [{path: 'a', data: Buffer.from('changed'), mode: 0o644}]), true)
      assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed')
      assert.notEqual(readlinkSync(join(dir, '..data')), first)
      assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink())
      // The old payload and the vanished key are gone.
      assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..data')).length, 2)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('probe worker timing', () => {
  it('waits initialDelaySeconds, probes every periodSeconds, flips after failureThreshold failures', async () => {
    const clock = new FakeClock()
    const outcomes = [true, false, false, false]
    const runs: number[] = []
    const results: string[] = []
    const failures: string[] = []
    const t0 = clock.now()
    const w = new ProbeWorker('liveness', {initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 3}, {containerID: 'c', podIP: 'x', container: {}}, t0, {
      clock,
      run: async () => {
        runs.push(clock.now() - t0)
        return outcomes.shift() ? {ok: true} : {ok: false, message: 'boom'}
      },
      onResult: (k, ok) => results.push(`${k}=${ok}`),
      onFailure: (k, m) => failures.push(`${k}: ${m}`),
    })
    w.start()
    await clock.advance(4999)
    assert.deepEqual(runs, [])
    await clock.advance(20_000)
    assert.deepEqual(runs, [5000, 7000, 9000, 11000])
    assert.deepEqual(results, ['liveness=false'])
    assert.equal(failures.length, 3)
    w.stop()
  })

  it('readiness starts false and turns true after successThreshold successes', async () => {
    const clock = new FakeClock()
    const results: string[] = []
    const w = new ProbeWorker('readiness', {periodSeconds: 1, successThreshold: 2}, {containerID: 'c', podIP: 'x', container: {}}, clock.now(), {
      clock,
      run: async () => ({ok: true}),
      onResult: (k, ok) => results.push(`${k}=${ok}`),
      onFailure: () => {},
    })
    assert.equal(w.current, false)
    w.start()
    await clock.advance(1500)
    assert.deepEqual(results, ['readiness=true'])
    w.stop()
  })
})
