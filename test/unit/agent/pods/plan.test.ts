// Tests of the pure pod-sync decision on plain data: which sandbox, kill, start and back-off steps a pod's state calls for.
import assert from 'node:assert/strict'
import type {Container, Pod} from '../../../../src/api/types/workloads.js'
import {containerHash} from '../../../../src/agent/pods/container-config.js'
import {type PodSyncInput, planImage, planPodSync} from '../../../../src/agent/pods/plan.js'
import type {ContainerInfo} from '../../../../src/agent/pods/runtime.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const web: Container = {name: 'web', image: 'busybox:1'}

function pod(spec: Partial<Pod['spec']> = {}, over: Partial<Pod> = {}): Pod {
  return {metadata: {name: 'p', namespace: 'default', uid: 'u1'}, spec: {containers: [web], ...spec}, status: {phase: 'Running'}, ...over}
}

let seq = 0
/** One runtime container; createdAt grows with each call so later ones are newer. */
function ctr(name: string, state: ContainerInfo['state'], over: Partial<ContainerInfo> = {}): ContainerInfo {
  seq++
  const type = name === 'POD' ? 'sandbox' : name.startsWith('i') ? 'init' : 'app'
  return {id: `${name}-${seq}`, podUID: 'u1', podName: 'p', podNamespace: 'default', name, type, restartCount: 0, hash: '', state, image: 'busybox:1', imageID: 'sha256:b', createdAt: seq, ...over}
}

function input(p: Pod, containers: ContainerInfo[], over: Partial<PodSyncInput> = {}): PodSyncInput {
  return {pod: p, containers, now: NOW, restartBackoff: new Map(), condemned: new Map(), killing: new Set(), respawnAtOnce: new Set(), ...over}
}

function run(i: PodSyncInput) {
  const plan = planPodSync(i)
  assert.equal(plan.kind, 'run')
  return plan as Extract<ReturnType<typeof planPodSync>, {kind: 'run'}>
}

describe('pod sync plan', () => {
  it('a pod being deleted is terminated, whatever runs', () => {
    const p = pod({}, {metadata: {name: 'p', uid: 'u1', deletionTimestamp: '2026-01-01T00:00:00Z'}})
    assert.deepEqual(planPodSync(input(p, [ctr('POD', 'running')])), {kind: 'terminate'})
  })

  it('a new pod gets a sandbox (not awaited) and its app container started once', () => {
    const plan = run(input(pod(), []))
    assert.deepEqual(plan.sandbox, {action: 'create', attempt: 0, replace: undefined, awaitBeforeContainers: false})
    assert.deepEqual(plan.containers, [{action: 'start', name: 'web', type: 'app', restartCount: 0, prune: [], recordBackoff: false}])
  })

  it('waits for the sandbox first when there are init containers or env reads status.podIP', () => {
    const byInit = run(input(pod({initContainers: [{name: 'i1', image: 'busybox:1'}]}), []))
    assert.equal(byInit.sandbox.action === 'create' && byInit.sandbox.awaitBeforeContainers, true)
    const env = [{name: 'IP', valueFrom: {fieldRef: {fieldPath: 'status.podIP'}}}]
    const byEnv = run(input(pod({containers: [{...web, env}]}), []))
    assert.equal(byEnv.sandbox.action === 'create' && byEnv.sandbox.awaitBeforeContainers, true)
  })

  it('a dead sandbox is replaced with the next attempt after stopping what still runs', () => {
    const sandbox = ctr('POD', 'exited', {restartCount: 2})
    const app = ctr('web', 'running')
    const plan = run(input(pod(), [sandbox, app]))
    assert.deepEqual(plan.sandbox, {action: 'create', attempt: 3, replace: {sandboxID: sandbox.id, stopContainers: [app.id]}, awaitBeforeContainers: false})
    // The running container is left to the next sync, once its death is seen.
    assert.deepEqual(plan.containers, [])
  })

  it('a running container with the same spec is left alone; a changed one is killed to respawn at once', () => {
    const sandbox = ctr('POD', 'running')
    const same = ctr('web', 'running', {hash: containerHash(web)})
    assert.deepEqual(run(input(pod(), [sandbox, same])).containers, [])
    const changed = ctr('web', 'running', {hash: 'old'})
    assert.deepEqual(run(input(pod(), [sandbox, changed])).containers, [
      {action: 'kill', name: 'web', containerID: changed.id, message: 'Container web definition changed, will be restarted', respawnAtOnce: true},
    ])
    // A kill already under way is not started twice.
    assert.deepEqual(run(input(pod(), [sandbox, changed], {killing: new Set([changed.id])})).containers, [])
  })

  it('a container a probe condemned is killed with the probe message and restarts under back-off', () => {
    const sandbox = ctr('POD', 'running')
    const c = ctr('web', 'running', {hash: containerHash(web)})
    const msg = 'Container web failed liveness probe, will be restarted'
    assert.deepEqual(run(input(pod(), [sandbox, c], {condemned: new Map([[c.id, msg]])})).containers, [
      {action: 'kill', name: 'web', containerID: c.id, message: msg, respawnAtOnce: false},
    ])
  })

  it('an exited container restarts counted against back-off, or waits in CrashLoopBackOff while it lasts', () => {
    const sandbox = ctr('POD', 'running')
    const older = ctr('web', 'exited', {exitCode: 1})
    const latest = ctr('web', 'exited', {exitCode: 1, restartCount: 1})
    assert.deepEqual(run(input(pod(), [sandbox, older, latest])).containers, [
      {action: 'start', name: 'web', type: 'app', restartCount: 2, prune: [older.id], recordBackoff: true},
    ])
    const restartBackoff = new Map([['web', {remainingMs: 7000, delayMs: 20_000}]])
    assert.deepEqual(run(input(pod(), [sandbox, latest], {restartBackoff})).containers, [
      {
        action: 'backOff',
        name: 'web',
        waiting: {reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=web pod=p_default(u1)'},
        event: 'Back-off restarting failed container web in pod p_default(u1)',
        retryInMs: 7000,
      },
    ])
  })

  it('a container killed for a spec change restarts without back-off', () => {
    const sandbox = ctr('POD', 'running')
    const killed = ctr('web', 'exited', {exitCode: 137})
    const restartBackoff = new Map([['web', {remainingMs: 7000, delayMs: 10_000}]])
    assert.deepEqual(run(input(pod(), [sandbox, killed], {restartBackoff, respawnAtOnce: new Set([killed.id])})).containers, [
      {action: 'start', name: 'web', type: 'app', restartCount: 1, prune: [], recordBackoff: false, consumesRespawn: killed.id},
    ])
  })

  it('a container created but never started is removed and replaced, keeping the restart count ahead of the last run', () => {
    const sandbox = ctr('POD', 'running')
    const ran = ctr('web', 'exited', {exitCode: 1, restartCount: 3})
    const leftover = ctr('web', 'created', {restartCount: 3})
    assert.deepEqual(run(input(pod(), [sandbox, ran, leftover])).containers, [
      {action: 'start', name: 'web', type: 'app', restartCount: 4, removeFirst: leftover.id, prune: [], recordBackoff: false},
    ])
  })

  it('restartPolicy decides which exits restart: OnFailure only failures, Never none', () => {
    const sandbox = ctr('POD', 'running')
    const ok = ctr('web', 'exited', {exitCode: 0})
    const failed = ctr('web', 'exited', {exitCode: 1})
    assert.deepEqual(run(input(pod({restartPolicy: 'OnFailure'}), [sandbox, failed])).containers.map((s) => s.action), ['start'])
    const side = {...web, name: 'side'}
    const sideRunning = ctr('side', 'running', {hash: containerHash(side)})
    assert.deepEqual(run(input(pod({restartPolicy: 'OnFailure', containers: [web, side]}), [sandbox, ok, sideRunning])).containers, [])
    assert.deepEqual(run(input(pod({restartPolicy: 'Never', containers: [web, side]}), [sandbox, failed, sideRunning])).containers, [])
  })

  it('a pod whose containers will not run again only reports, without a new sandbox', () => {
    const done = ctr('web', 'exited', {exitCode: 0})
    assert.deepEqual(planPodSync(input(pod({restartPolicy: 'OnFailure'}), [ctr('POD', 'exited'), done])), {kind: 'report'})
  })

  it('runs init containers one at a time, in order, and app containers only after all succeeded', () => {
    const inits = [{name: 'i1', image: 'busybox:1'}, {name: 'i2', image: 'busybox:1'}]
    const sandbox = ctr('POD', 'running')
    const i1done = ctr('i1', 'exited', {exitCode: 0})
    assert.deepEqual(run(input(pod({initContainers: inits}), [sandbox])).containers.map((s) => `${s.action} ${s.name}`), ['start i1'])
    assert.deepEqual(run(input(pod({initContainers: inits}), [sandbox, i1done])).containers.map((s) => `${s.action} ${s.name}`), ['start i2'])
    assert.deepEqual(run(input(pod({initContainers: inits}), [sandbox, i1done, ctr('i2', 'running')])).containers, [])
    const i2failed = ctr('i2', 'exited', {exitCode: 1})
    assert.deepEqual(run(input(pod({initContainers: inits, restartPolicy: 'Never'}), [sandbox, i1done, i2failed])).containers, [])
    const i2done = ctr('i2', 'exited', {exitCode: 0})
    assert.deepEqual(run(input(pod({initContainers: inits}), [sandbox, i1done, i2done])).containers.map((s) => `${s.action} ${s.name}`), ['start web'])
  })

  it('a finished pod stops its sandbox and turns PodReadyToStartContainers False once', () => {
    const sandbox = ctr('POD', 'running')
    const conditions = [{type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z'}, {type: 'Ready', status: 'False'}]
    const p = pod({restartPolicy: 'Never'}, {status: {phase: 'Succeeded', conditions}})
    const plan = planPodSync(input(p, [sandbox, ctr('web', 'exited', {exitCode: 0})]))
    assert.deepEqual(plan, {
      kind: 'finished',
      stopSandboxes: [sandbox.id],
      status: {phase: 'Succeeded', conditions: [{type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z'}, conditions[1]]},
    })
    const settled = pod({restartPolicy: 'Never'}, {status: {phase: 'Failed', conditions: [{type: 'PodReadyToStartContainers', status: 'False'}]}})
    assert.deepEqual(planPodSync(input(settled, [ctr('POD', 'exited')])), {kind: 'finished', stopSandboxes: []})
  })
})

describe('image step', () => {
  it('follows imagePullPolicy, presence and the pull back-off', () => {
    assert.deepEqual(planImage({image: 'busybox:1'}, true, 0), {action: 'present'})
    assert.deepEqual(planImage({image: 'busybox:1'}, false, 0), {action: 'pull'})
    assert.deepEqual(planImage({image: 'busybox:1'}, false, 5000), {action: 'backOff', retryInMs: 5000})
    assert.deepEqual(planImage({image: 'busybox:1', imagePullPolicy: 'Never'}, false, 0), {action: 'neverPull'})
    assert.deepEqual(planImage({image: 'busybox:1', imagePullPolicy: 'Never'}, true, 0), {action: 'present'})
    // Always pulls even when present (`:latest` defaults to Always).
    assert.deepEqual(planImage({image: 'busybox:latest'}, true, 0), {action: 'pull'})
  })
})
