// Native sidecars (init containers with restartPolicy Always) in the pod worker: start order, restarts, completion, shutdown order, status.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Backoff} from '../../../../src/agent/pods/backoff.js'
import {PodWorker, type WorkerDeps} from '../../../../src/agent/pods/pod-worker.js'
import {type PodSyncInput, planPodSync} from '../../../../src/agent/pods/plan.js'
import {probeExecutor} from '../../../../src/agent/pods/probes.js'
import type {ContainerInfo} from '../../../../src/agent/pods/runtime.js'
import {podPhase} from '../../../../src/agent/pods/status.js'
import {FakeClock, flushMicrotasks} from '../../../../src/api/clock.js'
import {validatePodSpec} from '../../../../src/api/resources/shared/pod-spec-validation.js'
import type {Pod} from '../../../../src/api/types/workloads.js'
import {FakeRuntime} from './fake-runtime.js'

type Any = any

const proxy = {name: 'proxy', image: 'busybox:1', restartPolicy: 'Always'}
const logs = {name: 'logs', image: 'busybox:1', restartPolicy: 'Always'}
const setupInit = {name: 'setup', image: 'busybox:1'}

function sidecarPod(spec: Any = {}, meta: Any = {}): Any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'web', namespace: 'default', uid: 'u1', ...meta},
    spec: {nodeName: 'n1', restartPolicy: 'Never', initContainers: [proxy, setupInit], containers: [{name: 'app', image: 'busybox:1'}], ...spec},
    status: {phase: 'Pending', qosClass: 'BestEffort'},
  }
}

function setup() {
  const clock = new FakeClock()
  const runtime = new FakeRuntime(() => clock.now())
  const root = mkdtempSync(join(tmpdir(), 'skiff-sidecar-'))
  const events: string[] = []
  const statuses: Any[] = []
  const deps: WorkerDeps = {
    runtime,
    clock,
    lookup: {configMap: () => undefined, secret: () => undefined},
    nodeName: 'n1',
    nodeIP: '172.30.0.3',
    podsRoot: root,
    event: (_pod, type, reason, message) => events.push(`${type} ${reason} ${message}`),
    writeStatus: async (_pod, s) => void statuses.push(structuredClone(s)),
    deletePod: async () => {},
    requeue: () => {},
    restartBackoff: new Backoff(),
    pullBackoff: new Backoff(),
    probe: probeExecutor((id, cmd) => runtime.exec(id, cmd)),
    ensurePause: async () => {},
    log: () => {},
  }
  const worker = new PodWorker('u1', deps)
  const last = () => statuses[statuses.length - 1]
  const withStatus = (pod: Any) => ({...pod, status: last() ?? pod.status})
  /** Runtime calls about containers (not the sandbox), as `verb name`. */
  const containerCalls = () => runtime.calls.filter((c) => !c.includes('_POD_')).map((c) => c.replace(/k8s_(\w+?)_web_default_u1_(\d+)/, '$1#$2'))
  return {clock, runtime, events, worker, last, withStatus, containerCalls, cleanup: () => rmSync(root, {recursive: true, force: true})}
}

describe('native sidecars in the pod worker', () => {
  it('starts the sidecar first, the next init container once it runs, the app container after; the sidecar keeps running', async () => {
    const t = setup()
    try {
      const pod = sidecarPod()
      await t.worker.sync(pod)
      assert.deepEqual(t.containerCalls(), ['create proxy#0', 'start proxy#0'])
      let s = t.last()
      assert.equal(s.phase, 'Pending')
      assert.equal(s.conditions.find((c: Any) => c.type === 'Initialized').status, 'False')
      await t.worker.sync(t.withStatus(pod))
      assert.deepEqual(t.containerCalls().slice(2), ['create setup#0', 'start setup#0'])
      t.runtime.exit(t.runtime.latest('setup')!.id, 0)
      await t.worker.sync(t.withStatus(pod))
      assert.deepEqual(t.containerCalls().slice(4), ['create app#0', 'start app#0'])
      s = t.last()
      assert.equal(s.phase, 'Running')
      const sidecar = s.initContainerStatuses.find((c: Any) => c.name === 'proxy')
      assert.ok(sidecar.state.running)
      assert.equal(sidecar.started, true)
      assert.equal(sidecar.ready, true)
      assert.deepEqual(s.conditions.map((c: Any) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True'])
    } finally {
      t.cleanup()
    }
  })

  it('a sidecar with a startup probe holds back the next init container until the probe passes', () => {
    const pod = sidecarPod({initContainers: [{...proxy, startupProbe: {exec: {command: ['true']}}}, setupInit]}) as Pod
    const running: ContainerInfo = {id: 'p1', podUID: 'u1', podName: 'web', podNamespace: 'default', name: 'proxy', type: 'init', restartCount: 0, hash: '', state: 'running', image: 'busybox:1', imageID: 'sha256:b', createdAt: 2}
    const sandbox: ContainerInfo = {...running, id: 's1', name: 'POD', type: 'sandbox', createdAt: 1, ip: '10.244.1.2'}
    const input = (started: Map<string, boolean>): PodSyncInput => ({pod, containers: [sandbox, running], now: 0, restartBackoff: new Map(), condemned: new Map(), killing: new Set(), respawnAtOnce: new Set(), started})
    const before = planPodSync(input(new Map()))
    assert.deepEqual(before.kind === 'run' && before.containers, [])
    const after = planPodSync(input(new Map([['proxy', true]])))
    assert.deepEqual(after.kind === 'run' && after.containers.map((c) => `${c.action} ${c.name}`), ['start setup'])
  })

  it('restarts a crashed sidecar (with back-off) even under restartPolicy Never, leaving the app container alone', async () => {
    const t = setup()
    try {
      const pod = sidecarPod({initContainers: [proxy]})
      await t.worker.sync(pod)
      await t.worker.sync(t.withStatus(pod))
      const app = t.runtime.latest('app')!
      t.runtime.exit(t.runtime.latest('proxy')!.id, 1)
      await t.worker.sync(t.withStatus(pod))
      assert.deepEqual(t.containerCalls().slice(-2), ['create proxy#1', 'start proxy#1'])
      // The second crash waits out the back-off.
      t.runtime.exit(t.runtime.latest('proxy')!.id, 1)
      await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.latest('proxy')!.state, 'exited')
      assert.ok(t.events.some((e) => e.startsWith('Warning BackOff Back-off restarting failed container proxy')))
      assert.equal(t.runtime.latest('app')!.id, app.id)
      assert.equal(t.runtime.latest('app')!.state, 'running')
      const s = t.last()
      // The pod stays initialized and Running; the sidecar's readiness counts towards the pod's.
      assert.equal(s.phase, 'Running')
      assert.equal(s.conditions.find((c: Any) => c.type === 'Initialized').status, 'True')
      assert.equal(s.conditions.find((c: Any) => c.type === 'Ready').message, 'containers with unready status: [proxy]')
    } finally {
      t.cleanup()
    }
  })

  it('once the app containers finished, stops the sidecars last first, and the pod Succeeds', async () => {
    const t = setup()
    try {
      const pod = sidecarPod({initContainers: [proxy, logs]})
      for (let i = 0; i < 3; i++) await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.latest('app')!.state, 'running')
      t.runtime.exit(t.runtime.latest('app')!.id, 0)
      await t.worker.sync(t.withStatus(pod))
      await flushMicrotasks()
      // Still Running while a sidecar runs.
      assert.equal(t.last().phase, 'Running')
      await t.worker.sync(t.withStatus(pod))
      await flushMicrotasks()
      await t.worker.sync(t.withStatus(pod))
      const stops = t.containerCalls().filter((c) => c.startsWith('stop'))
      assert.deepEqual(stops.map((c) => c.split(' ')[1]), ['logs#0', 'proxy#0'])
      assert.deepEqual(t.events.filter((e) => e.includes('Killing')), ['Normal Killing Stopping container logs', 'Normal Killing Stopping container proxy'])
      const s = t.last()
      assert.equal(s.phase, 'Succeeded')
      assert.equal(s.conditions.find((c: Any) => c.type === 'Initialized').reason, 'PodCompleted')
      // No sidecar restart after completion.
      assert.equal(t.containerCalls().filter((c) => c.startsWith('create')).length, 3)
    } finally {
      t.cleanup()
    }
  })

  it('on deletion stops the app containers first, then the sidecars in reverse order', async () => {
    const t = setup()
    try {
      const pod = sidecarPod({initContainers: [proxy, logs], restartPolicy: 'Always'})
      for (let i = 0; i < 3; i++) await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.latest('app')!.state, 'running')
      await t.worker.sync({...pod, metadata: {...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30}})
      for (let i = 0; i < 5 && t.worker.isTerminating; i++) await flushMicrotasks()
      assert.deepEqual(t.containerCalls().filter((c) => c.startsWith('stop')).map((c) => c.split(' ')[1]), ['app#0', 'logs#0', 'proxy#0'])
    } finally {
      t.cleanup()
    }
  })
})

describe('native sidecars: phase and validation', () => {
  const running = {state: {running: {}}, started: true}
  const ok = {state: {terminated: {exitCode: 0}}}
  it('a running sidecar keeps the pod Running; an exited one does not count', () => {
    assert.equal(podPhase({restartPolicy: 'Never'}, [{...running, sidecar: true}], [ok]), 'Running')
    assert.equal(podPhase({restartPolicy: 'Never'}, [{state: {terminated: {exitCode: 137}}, sidecar: true}], [ok]), 'Succeeded')
    // Not started yet: the pod is still initializing.
    assert.equal(podPhase({restartPolicy: 'Never'}, [{state: {running: {}}, started: false, sidecar: true}], [{state: {waiting: {reason: 'PodInitializing'}}}]), 'Pending')
  })

  it('restartPolicy is allowed as Always on init containers only, with Kubernetes wording', () => {
    const msgs = (spec: Any) => validatePodSpec({restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...spec}, 'spec').map((c) => `${c.field}: ${c.message}`)
    assert.deepEqual(msgs({containers: [{name: 'a', image: 'x'}], initContainers: [{name: 's', image: 'x', restartPolicy: 'Always', readinessProbe: {exec: {command: ['true']}}}]}), [])
    assert.deepEqual(msgs({containers: [{name: 'a', image: 'x', restartPolicy: 'Always'}]}), ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'])
    assert.deepEqual(msgs({containers: [{name: 'a', image: 'x'}], initContainers: [{name: 's', image: 'x', restartPolicy: 'OnFailure'}]}), ['spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'])
    assert.deepEqual(msgs({containers: [{name: 'a', image: 'x'}], initContainers: [{name: 's', image: 'x', readinessProbe: {exec: {command: ['true']}}}]}), [
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ])
  })
})
