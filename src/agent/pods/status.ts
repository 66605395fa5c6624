// Pure computation of a pod's status from its spec and runtime state, with Kubernetes' phase, condition and container-state rules.
import type {Condition, Container, ContainerStateTerminated, ContainerStatus, Pod, PodSpec, PodStatus} from '../../api/types/workloads.js'
import {qosClass} from '../../api/resources/core/pod.js'
import type {ContainerInfo} from './runtime.js'

// The agent reports the class the apiserver computes, for pods that reach it without one.
export {qosClass}

/** A waiting reason the pod worker decided for a container (ErrImagePull, CrashLoopBackOff, ...). */
export interface WaitingReason {
  reason: string
  message?: string
}

/** What the status is computed from, besides the pod. */
export interface PodRuntimeView {
  /** The newest sandbox, if any. */
  sandbox?: ContainerInfo
  /** Every instance of the pod's init and app containers. */
  containers: ContainerInfo[]
  waiting: Map<string, WaitingReason>
  /** Readiness probe results by container name; absent means no result yet. */
  ready: Map<string, boolean>
  /** Startup probe results by container name; absent means not started yet. */
  started: Map<string, boolean>
  hostIP: string
  now: number
}

/** Docker's nanosecond RFC 3339 time as a Kubernetes Time (seconds). */
export function kubeTime(t: string | number | undefined): string | undefined {
  if (t === undefined) return undefined
  if (typeof t === 'number') return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(t)
  if (m) return `${m[1]}Z`
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? undefined : kubeTime(ms)
}

/** The runtime prefix of containerID fields, as the kubelet on containerd reports them. */
export const CONTAINER_ID_PREFIX = 'containerd://'

/** The imageID field: the runtime's image reference as it reports it (`sha256:…`, or `repo@sha256:…` for pulled images). */
export function imageIDString(id: string | undefined): string {
  return id ?? ''
}

/** True for a native sidecar: an init container with restartPolicy Always, which keeps running beside the app containers. */
export function isSidecar(c: Pick<Container, 'restartPolicy'>): boolean {
  return c.restartPolicy === 'Always'
}

/** Instances of one container, newest first. */
export function instancesOf(containers: ContainerInfo[], name: string): ContainerInfo[] {
  return containers.filter((c) => c.name === name && c.type !== 'sandbox').sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount)
}

/** The terminated state of an exited container instance. */
export function terminatedState(c: ContainerInfo): ContainerStateTerminated {
  const neverRan = !c.startedAt && c.error
  const reason = c.oomKilled ? 'OOMKilled' : neverRan ? 'ContainerCannotRun' : c.exitCode === 0 ? 'Completed' : 'Error'
  const t: ContainerStateTerminated = {
    exitCode: neverRan && !c.exitCode ? 128 : c.exitCode ?? 0,
    reason,
    startedAt: kubeTime(c.startedAt) ?? null,
    finishedAt: kubeTime(c.finishedAt) ?? null,
    containerID: `${CONTAINER_ID_PREFIX}${c.id}`,
  }
  if (c.error) t.message = c.error
  return t
}

/** One entry of containerStatuses/initContainerStatuses. */
export function containerStatus(spec: Container, instances: ContainerInfo[], view: PodRuntimeView, kind: 'init' | 'app', waitingDefault: string): ContainerStatus {
  const [latest, previous] = instances
  const override = view.waiting.get(spec.name)
  const out: ContainerStatus = {name: spec.name, state: {}, lastState: {}, ready: false, restartCount: latest?.restartCount ?? 0, image: spec.image, imageID: '', started: false}
  if (!latest) {
    out.state = {waiting: override ?? {reason: waitingDefault}}
    return out
  }
  out.containerID = `${CONTAINER_ID_PREFIX}${latest.id}`
  out.imageID = imageIDString(latest.imageID)
  if (latest.state === 'running') {
    out.state = {running: {startedAt: kubeTime(latest.startedAt) ?? kubeTime(view.now)}}
    if (previous?.state === 'exited') out.lastState = {terminated: terminatedState(previous)}
    const hasStartup = !!spec.startupProbe
    const started = !hasStartup || view.started.get(spec.name) === true
    out.started = started
    const ready = spec.readinessProbe ? view.ready.get(spec.name) === true : true
    out.ready = started && ready
  } else if (latest.state === 'exited') {
    if (override) {
      out.state = {waiting: override}
      out.lastState = {terminated: terminatedState(latest)}
    } else {
      out.state = {terminated: terminatedState(latest)}
      if (previous?.state === 'exited') out.lastState = {terminated: terminatedState(previous)}
      // A completed init container counts as ready, as the kubelet reports it (a sidecar that exited does not).
      if (kind === 'init' && latest.exitCode === 0 && !isSidecar(spec)) out.ready = true
    }
  } else {
    out.state = {waiting: override ?? {reason: 'ContainerCreating'}}
    if (previous?.state === 'exited') out.lastState = {terminated: terminatedState(previous)}
  }
  return out
}

/** The parts of a container status the phase depends on (sidecar marks a restartable init container). */
export type StatusStates = Partial<Pick<ContainerStatus, 'state' | 'lastState' | 'started'>> & {sidecar?: boolean}

/** True when any app container has started once: the pod was initialized, whatever its sidecars do now. */
export function anyAppStarted(statuses: StatusStates[]): boolean {
  return statuses.some((s) => !!s.state?.running || !!s.state?.terminated || !!s.lastState?.terminated)
}

/**
 * Pod phase from container statuses, following the kubelet's getPhase. A running sidecar keeps the pod Running; an
 * exited one does not count, so a pod whose app containers finished turns terminal once its sidecars are stopped.
 */
export function podPhase(spec: Pick<PodSpec, 'restartPolicy'>, initStatuses: StatusStates[], statuses: StatusStates[]): string {
  const policy = spec.restartPolicy ?? 'Always'
  let pendingInit = 0
  let pendingSidecars = 0
  let failedInit = 0
  let running = 0
  let waiting = 0
  let stopped = 0
  let succeeded = 0
  for (const s of initStatuses) {
    const t = s.state?.terminated
    if (s.sidecar) {
      if (s.state?.running) {
        if (!s.started) pendingSidecars++
        running++
      } else if (!t && !s.lastState?.terminated) {
        pendingSidecars++
        waiting++
      }
      continue
    }
    if (t && t.exitCode === 0) continue
    if (t) failedInit++
    else if (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++
    pendingInit++
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed'
  // A sidecar restarting after the pod was initialized does not make it Pending again.
  if (pendingSidecars > 0 && !anyAppStarted(statuses)) pendingInit++
  for (const s of statuses) {
    if (s.state?.running) running++
    else if (s.state?.terminated) {
      stopped++
      if (s.state.terminated.exitCode === 0) succeeded++
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++
      else waiting++
    }
  }
  if (pendingInit > 0 || waiting > 0) return 'Pending'
  if (running > 0) return 'Running'
  if (stopped > 0) {
    if (policy === 'Always') return 'Running'
    if (stopped === succeeded) return 'Succeeded'
    if (policy === 'Never') return 'Failed'
    return 'Running'
  }
  return 'Pending'
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'])

function condition(type: string, ok: boolean, old: Condition[], now: number, reason?: string, message?: string): Condition {
  const status = ok ? 'True' : 'False'
  const prev = old.find((c) => c.type === type)
  const c: Condition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : kubeTime(now),
  }
  if (reason) c.reason = reason
  if (message) c.message = message
  return c
}

/** The pod's status as the kubelet would report it. */
export function computePodStatus(pod: Pod, view: PodRuntimeView): PodStatus {
  const spec: PodSpec = pod.spec ?? {containers: []}
  const old: PodStatus = pod.status ?? {}
  const oldConditions = old.conditions ?? []
  const initSpecs = spec.initContainers ?? []
  const appSpecs = spec.containers ?? []

  const initStatuses = initSpecs.map((c) => containerStatus(c, instancesOf(view.containers, c.name), view, 'init', 'PodInitializing'))
  // A sidecar counts as initialized once started; the others once they exited 0.
  const incomplete = initStatuses.filter((s, i) => (isSidecar(initSpecs[i]) ? !s.started : s.state?.terminated?.exitCode !== 0)).map((s) => s.name)
  const appStatusesUnsorted = appSpecs.map((c) => containerStatus(c, instancesOf(view.containers, c.name), view, 'app', incomplete.length === 0 ? 'ContainerCreating' : 'PodInitializing'))
  // Once an app container started the pod stays initialized, even while a sidecar restarts.
  const initialized = incomplete.length === 0 || anyAppStarted(appStatusesUnsorted)
  const appStatuses = appStatusesUnsorted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

  const phase = podPhase(spec, initStatuses.map((s, i) => ({...s, sidecar: isSidecar(initSpecs[i])})), appStatuses)
  const sandboxUp = view.sandbox?.state === 'running' && (spec.hostNetwork === true || !!view.sandbox.ip)
  // Sidecars' readiness counts towards the pod's, ahead of the app containers (as the kubelet lists them).
  const sidecarUnready = initStatuses.filter((s, i) => isSidecar(initSpecs[i]) && !s.ready).map((s) => s.name)
  const unready = [...sidecarUnready, ...appSpecs.map((c) => appStatuses.find((s) => s.name === c.name)!).filter((s) => !s.ready).map((s) => s.name)]
  const gates = spec.readinessGates ?? []
  const missingGates = gates.filter((g) => oldConditions.find((c) => c.type === g.conditionType)?.status !== 'True').map((g) => g.conditionType)

  const conditions: Condition[] = [condition('PodReadyToStartContainers', sandboxUp, oldConditions, view.now)]
  if (phase === 'Succeeded' && initStatuses.every((s) => s.containerID)) conditions.push(condition('Initialized', true, oldConditions, view.now, 'PodCompleted'))
  else if (!initialized) conditions.push(condition('Initialized', false, oldConditions, view.now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`))
  else conditions.push(condition('Initialized', true, oldConditions, view.now))

  let containersReady: Condition
  if (phase === 'Succeeded') containersReady = condition('ContainersReady', false, oldConditions, view.now, 'PodCompleted')
  else if (unready.length > 0) containersReady = condition('ContainersReady', false, oldConditions, view.now, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`)
  else containersReady = condition('ContainersReady', true, oldConditions, view.now)
  let ready: Condition
  if (phase === 'Succeeded') ready = condition('Ready', false, oldConditions, view.now, 'PodCompleted')
  else if (unready.length > 0) ready = condition('Ready', false, oldConditions, view.now, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`)
  else if (missingGates.length > 0) ready = condition('Ready', false, oldConditions, view.now, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${missingGates[0]}" does not exist.`)
  else ready = condition('Ready', true, oldConditions, view.now)
  conditions.push(ready, containersReady)
  for (const c of oldConditions) if (!KUBELET_CONDITIONS.has(c.type)) conditions.push(c)

  const podIP = spec.hostNetwork ? view.hostIP : view.sandbox?.ip ?? old.podIP
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ip: view.hostIP}],
    startTime: old.startTime ?? kubeTime(view.now),
    containerStatuses: appStatuses,
    qosClass: old.qosClass ?? qosClass(spec),
  }
  if (podIP) {
    status.podIP = podIP
    status.podIPs = [{ip: podIP}]
  }
  if (initSpecs.length > 0) status.initContainerStatuses = initStatuses
  if (old.nominatedNodeName) status.nominatedNodeName = old.nominatedNodeName
  return status
}

/** True when phase is final (the pod's containers will not run again). */
export function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed'
}
