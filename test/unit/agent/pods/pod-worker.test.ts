// Tests of one pod's sync loop against a fake runtime and a fake clock: what it creates, restarts, reports and deletes.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Backoff} from '../../../../src/agent/pods/backoff.js'
import {PodWorker, pullPolicy, type WorkerDeps} from '../../../../src/agent/pods/pod-worker.js'
import {probeExecutor} from '../../../../src/agent/pods/probes.js'
import {FakeClock} from '../../../../src/api/clock.js'
import {FakeRuntime} from './fake-runtime.js'

type Any = any

function basePod(over: Any = {}): Any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: 'web', namespace: 'default', uid: 'u1', ...(over.metadata ?? {})},
    spec: {nodeName: 'n1', containers: [{name: 'web', image: 'busybox:1'}], ...(over.spec ?? {})},
    status: {phase: 'Pending', qosClass: 'BestEffort', ...(over.status ?? {})},
  }
}

function setup(configMaps: Record<string, Record<string, string>> = {}) {
  const clock = new FakeClock()
  const runtime = new FakeRuntime(() => clock.now())
  const root = mkdtempSync(join(tmpdir(), 'skiff-pods-'))
  const events: string[] = []
  const statuses: Any[] = []
  const deleted: string[] = []
  const requeues: (number | undefined)[] = []
  const deps: WorkerDeps = {
    runtime,
    clock,
    lookup: {configMap: (ns, n) => configMaps[`${ns}/${n}`], secret: () => undefined},
    nodeName: 'n1',
    nodeIP: '172.30.0.3',
    podsRoot: root,
    event: (_pod, type, reason, message) => events.push(`${type} ${reason} ${message}`),
    writeStatus: async (_pod, s) => {
      statuses.push(structuredClone(s))
    },
    deletePod: async (pod) => {
      deleted.push(pod.metadata.uid!)
    },
    requeue: (_uid, ms) => requeues.push(ms),
    restartBackoff: new Backoff(),
    pullBackoff: new Backoff(),
    probe: probeExecutor((id, cmd) => runtime.exec(id, cmd)),
    ensurePause: async () => {},
    log: () => {},
  }
  const worker = new PodWorker('u1', deps)
  const last = () => statuses[statuses.length - 1]
  // The informer would hand the worker the pod with the status it last wrote.
  const withStatus = (pod: Any) => ({...pod, status: last() ?? pod.status})
  return {clock, runtime, root, events, statuses, deleted, requeues, worker, last, withStatus, cleanup: () => rmSync(root, {recursive: true, force: true})}
}

describe('agent pod worker', () => {
  it('starts the sandbox, then the container in its network namespace, and reports Running', async () => {
    const t = setup()
    try {
      await t.worker.sync(basePod())
      assert.deepEqual(t.runtime.calls, ['create k8s_POD_web_default_u1_0', 'start k8s_POD_web_default_u1_0', 'create k8s_web_web_default_u1_0', 'start k8s_web_web_default_u1_0'])
      const sandbox = t.runtime.latest('POD')!
      assert.equal(t.runtime.latest('web')!.body.HostConfig.NetworkMode, `container:${sandbox.id}`)
      assert.equal(sandbox.body.Hostname, 'web')
      const s = t.last()
      assert.equal(s.phase, 'Running')
      assert.equal(s.podIP, sandbox.ip)
      assert.deepEqual(s.hostIPs, [{ip: '172.30.0.3'}])
      assert.equal(s.containerStatuses[0].state.running !== undefined, true)
      assert.equal(s.containerStatuses[0].containerID, `containerd://${t.runtime.latest('web')!.id}`)
      assert.deepEqual(s.conditions.map((c: Any) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True'])
      assert.deepEqual(t.events, ['Normal Pulled Container image "busybox:1" already present on machine', 'Normal Created Created container: web', 'Normal Started Started container web'])
      // A second sync with nothing changed touches nothing and writes nothing.
      const calls = t.runtime.calls.length
      await t.worker.sync(t.withStatus(basePod()))
      assert.equal(t.runtime.calls.length, calls)
      assert.equal(t.statuses.length, 1)
    } finally {
      t.cleanup()
    }
  })

  it('restarts a crashed container at once, then backs off 10 s (CrashLoopBackOff), then 20 s', async () => {
    const t = setup()
    try {
      await t.worker.sync(basePod())
      t.runtime.exit(t.runtime.latest('web')!.id, 1)
      await t.worker.sync(t.withStatus(basePod()))
      assert.equal(t.runtime.latest('web')!.restartCount, 1)
      assert.equal(t.last().containerStatuses[0].lastState.terminated.reason, 'Error')
      await t.clock.advance(1000)
      t.runtime.exit(t.runtime.latest('web')!.id, 1)
      await t.worker.sync(t.withStatus(basePod()))
      const cs = t.last().containerStatuses[0]
      assert.deepEqual(cs.state.waiting, {reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=web pod=web_default(u1)'})
      assert.equal(cs.restartCount, 1)
      assert.equal(cs.lastState.terminated.exitCode, 1)
      assert.equal(t.last().phase, 'Running')
      assert.ok(t.events.includes('Warning BackOff Back-off restarting failed container web in pod web_default(u1)'))
      assert.ok(t.requeues.some((ms) => ms !== undefined && ms > 8000 && ms <= 10_100))
      await t.clock.advance(9000)
      await t.worker.sync(t.withStatus(basePod()))
      assert.equal(t.runtime.latest('web')!.restartCount, 2)
      t.runtime.exit(t.runtime.latest('web')!.id, 2)
      await t.worker.sync(t.withStatus(basePod()))
      assert.match(t.last().containerStatuses[0].state.waiting.message, /^back-off 20s /)
    } finally {
      t.cleanup()
    }
  })

  it('with restartPolicy Never reports Succeeded/Completed or Failed/Error and does not restart', async () => {
    for (const [code, phase, reason] of [[0, 'Succeeded', 'Completed'], [1, 'Failed', 'Error']] as const) {
      const t = setup()
      try {
        const pod = basePod({spec: {restartPolicy: 'Never'}})
        await t.worker.sync(pod)
        t.runtime.exit(t.runtime.latest('web')!.id, code)
        await t.worker.sync(t.withStatus(pod))
        assert.equal(t.last().phase, phase)
        assert.equal(t.last().containerStatuses[0].state.terminated.reason, reason)
        assert.equal(t.runtime.latest('web')!.restartCount, 0)
        // Once terminal, the sandbox is stopped and PodReadyToStartContainers turns False; the rest stands.
        await t.worker.sync(t.withStatus(pod))
        assert.equal(t.runtime.latest('POD')!.state, 'exited')
        assert.equal(t.last().conditions.find((c: Any) => c.type === 'PodReadyToStartContainers').status, 'False')
        assert.equal(t.last().phase, phase)
      } finally {
        t.cleanup()
      }
    }
  })

  it('reports OOMKilled from docker state', async () => {
    const t = setup()
    try {
      const pod = basePod({spec: {restartPolicy: 'Never'}})
      await t.worker.sync(pod)
      t.runtime.exit(t.runtime.latest('web')!.id, 137, {oom: true})
      await t.worker.sync(t.withStatus(pod))
      assert.equal(t.last().containerStatuses[0].state.terminated.reason, 'OOMKilled')
    } finally {
      t.cleanup()
    }
  })

  it('a failing pull gives ErrImagePull, then ImagePullBackOff until the back-off expires', async () => {
    const t = setup()
    try {
      const pod = basePod({spec: {containers: [{name: 'web', image: 'nothing:1'}]}})
      await t.worker.sync(pod)
      assert.deepEqual(t.last().containerStatuses[0].state.waiting, {reason: 'ErrImagePull', message: 'pull access denied'})
      assert.ok(t.events.includes('Normal Pulling Pulling image "nothing:1"'))
      assert.ok(t.events.includes('Warning Failed Failed to pull image "nothing:1": pull access denied'))
      await t.clock.advance(1000)
      await t.worker.sync(t.withStatus(pod))
      assert.deepEqual(t.last().containerStatuses[0].state.waiting, {reason: 'ImagePullBackOff', message: 'Back-off pulling image "nothing:1"'})
      assert.equal(t.runtime.calls.filter((c) => c.startsWith('pull')).length, 1)
      await t.clock.advance(10_000)
      await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.calls.filter((c) => c.startsWith('pull')).length, 2)
      assert.equal(t.last().containerStatuses[0].state.waiting.reason, 'ErrImagePull')
    } finally {
      t.cleanup()
    }
  })

  it('Never with a missing image gives ErrImageNeverPull without pulling', async () => {
    const t = setup()
    try {
      await t.worker.sync(basePod({spec: {containers: [{name: 'web', image: 'nothing:1', imagePullPolicy: 'Never'}]}}))
      assert.equal(t.last().containerStatuses[0].state.waiting.reason, 'ErrImageNeverPull')
      assert.equal(t.runtime.calls.filter((c) => c.startsWith('pull')).length, 0)
    } finally {
      t.cleanup()
    }
  })

  it('runs init containers one by one, in order, before the app containers', async () => {
    const t = setup()
    try {
      const pod = basePod({spec: {initContainers: [{name: 'i1', image: 'busybox:1'}, {name: 'i2', image: 'busybox:1'}]}})
      await t.worker.sync(pod)
      assert.equal(t.runtime.latest('i1')?.state, 'running')
      assert.equal(t.runtime.latest('i2'), undefined)
      assert.equal(t.last().phase, 'Pending')
      assert.equal(t.last().conditions.find((c: Any) => c.type === 'Initialized').message, 'containers with incomplete status: [i1 i2]')
      assert.equal(t.last().containerStatuses[0].state.waiting.reason, 'PodInitializing')
      t.runtime.exit(t.runtime.latest('i1')!.id, 0)
      await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.latest('i2')?.state, 'running')
      assert.equal(t.runtime.latest('web'), undefined)
      t.runtime.exit(t.runtime.latest('i2')!.id, 0)
      await t.worker.sync(t.withStatus(pod))
      assert.equal(t.runtime.latest('web')?.state, 'running')
      assert.equal(t.last().phase, 'Running')
      assert.deepEqual(t.last().initContainerStatuses.map((s: Any) => s.state.terminated.reason), ['Completed', 'Completed'])
    } finally {
      t.cleanup()
    }
  })

  it('a missing ConfigMap key is CreateContainerConfigError; env resolves once it exists', async () => {
    const cms: Record<string, Record<string, string>> = {}
    const t = setup(cms)
    try {
      const pod = basePod({spec: {containers: [{name: 'web', image: 'busybox:1', env: [{name: 'A', valueFrom: {configMapKeyRef: {name: 'cfg', key: 'a'}}}, {name: 'B', value: '$(A)-b'}]}]}})
      await t.worker.sync(pod)
      assert.deepEqual(t.last().containerStatuses[0].state.waiting, {reason: 'CreateContainerConfigError', message: 'configmap "cfg" not found'})
      cms['default/cfg'] = {a: 'x'}
      await t.worker.sync(t.withStatus(pod))
      assert.deepEqual(t.runtime.latest('web')!.body.Env, ['A=x', 'B=x-b'])
    } finally {
      t.cleanup()
    }
  })

  it('runAsNonRoot with a root image is CreateContainerConfigError (no container created); an image with a non-root uid starts', async () => {
    const t = setup()
    try {
      const pod = basePod({spec: {securityContext: {runAsNonRoot: true}, containers: [{name: 'web', image: 'busybox:1'}]}})
      await t.worker.sync(pod)
      assert.deepEqual(t.last().containerStatuses[0].state.waiting, {reason: 'CreateContainerConfigError', message: 'container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: web)'})
      assert.equal(t.runtime.latest('web'), undefined)
      assert.ok(t.events.includes('Warning Failed Error: container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: web)'))
      t.runtime.imageUsers.set('busybox:1', {uid: 1000})
      await t.worker.sync(t.withStatus(pod))
      assert.ok(t.runtime.latest('web'))
    } finally {
      t.cleanup()
    }
  })

  it('graceful deletion stops containers with the grace period, removes everything, then deletes the pod', async () => {
    const t = setup()
    try {
      await t.worker.sync(basePod())
      const pod = basePod({metadata: {deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: 30}})
      await t.worker.sync(pod)
      for (let i = 0; i < 5 && t.deleted.length === 0; i++) await t.clock.advance(10)
      assert.ok(t.runtime.calls.includes('stop k8s_web_web_default_u1_0 30'))
      assert.equal(t.runtime.containers.size, 0)
      assert.deepEqual(t.deleted, ['u1'])
      assert.ok(t.events.includes('Normal Killing Stopping container web'))
    } finally {
      t.cleanup()
    }
  })

  it('runs a preStop exec hook before stopping', async () => {
    const t = setup()
    try {
      const spec = {containers: [{name: 'web', image: 'busybox:1', lifecycle: {preStop: {exec: {command: ['sh', '-c', 'bye']}}}}]}
      await t.worker.sync(basePod({spec}))
      await t.worker.sync(basePod({spec, metadata: {deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: 5}}))
      for (let i = 0; i < 5 && t.deleted.length === 0; i++) await t.clock.advance(10)
      const hook = t.runtime.calls.indexOf('exec k8s_web_web_default_u1_0 sh -c bye')
      const stop = t.runtime.calls.indexOf('stop k8s_web_web_default_u1_0 5')
      assert.ok(hook >= 0 && stop > hook, t.runtime.calls.join('\n'))
    } finally {
      t.cleanup()
    }
  })

  it('adopts running containers after a restart instead of recreating them', async () => {
    const t = setup()
    try {
      await t.worker.sync(basePod())
      const fresh = new PodWorker('u1', (t.worker as Any).deps)
      const calls = t.runtime.calls.length
      await fresh.sync(t.withStatus(basePod()))
      assert.equal(t.runtime.calls.length, calls)
    } finally {
      t.cleanup()
    }
  })
})

describe('imagePullPolicy default', () => {
  it('is Always for latest or untagged images, IfNotPresent otherwise', () => {
    assert.equal(pullPolicy({image: 'busybox'}), 'Always')
    assert.equal(pullPolicy({image: 'busybox:latest'}), 'Always')
    assert.equal(pullPolicy({image: 'localhost:5000/busybox'}), 'Always')
    assert.equal(pullPolicy({image: 'skiff/busybox:test'}), 'IfNotPresent')
    assert.equal(pullPolicy({image: 'x@sha256:abc'}), 'IfNotPresent')
    assert.equal(pullPolicy({image: 'busybox', imagePullPolicy: 'Never'}), 'Never')
  })
})
