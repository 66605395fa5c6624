// What one pod sync should do, decided from plain data (spec, observed containers, back-off, probe verdicts, clock): the kubelet's "pod actions".
import type {Container, Pod, PodStatus} from '../../api/types/workloads.js'
import {containerHash} from './container-config.js'
import type {ContainerInfo} from './runtime.js'
import {type WaitingReason, instancesOf, isSidecar, isTerminalPhase, kubeTime} from './status.js'

/** Restart back-off of one container as the worker sees it at `now`. */
export interface BackoffState {
  /** Milliseconds before the container may be restarted; 0 when it may restart now. */
  remainingMs: number
  /** The current back-off delay, for the "back-off 20s" message. */
  delayMs: number
}

/** Everything a sync decision depends on, as plain data. */
export interface PodSyncInput {
  pod: Pod
  /** Every instance of the pod's sandbox and containers in the runtime. */
  containers: ContainerInfo[]
  now: number
  /** Restart back-off by container name; absent means none. */
  restartBackoff: ReadonlyMap<string, BackoffState>
  /** Containers a liveness or startup probe condemned: id → the Killing message. */
  condemned: ReadonlyMap<string, string>
  /** Containers whose kill is already under way. */
  killing: ReadonlySet<string>
  /** Containers killed for a spec change, which restart without back-off. */
  respawnAtOnce: ReadonlySet<string>
  /** Startup probe verdicts by container name (a sidecar with a startup probe counts as started once it passed). */
  started?: ReadonlyMap<string, boolean>
}

/** What to do about the pod sandbox (the network namespace every container joins). */
export type SandboxStep =
  | {action: 'keep'; sandbox: ContainerInfo}
  | {
      action: 'create'
      /** Distinguishes re-created sandboxes (their restart count). */
      attempt: number
      /** A dead sandbox to remove first, after stopping the containers that still run in it. */
      replace?: {sandboxID: string; stopContainers: string[]}
      /** True when containers need the pod IP first (init containers, or env/downward API reading status.podIP). */
      awaitBeforeContainers: boolean
    }

/** What to do about one container of the spec; containers that are fine get no step. */
export type ContainerStep =
  | {
      action: 'kill'
      name: string
      containerID: string
      /** The Killing event's message. */
      message: string
      /** A spec change (not a probe verdict): the replacement starts without back-off. */
      respawnAtOnce: boolean
    }
  | {
      action: 'start'
      name: string
      type: 'init' | 'app'
      restartCount: number
      /** A created-but-never-started instance to remove before creating the new one. */
      removeFirst?: string
      /** Older instances to remove once the new one exists (the newest exited one stays as lastState). */
      prune: string[]
      /** Count this start against the restart back-off. */
      recordBackoff: boolean
      /** The respawn-at-once mark this start uses up. */
      consumesRespawn?: string
    }
  | {action: 'backOff'; name: string; waiting: WaitingReason; event: string; retryInMs: number}

/** The decision of one sync. */
export type PodPlan =
  /** The pod is being deleted: graceful termination. */
  | {kind: 'terminate'}
  /** The pod finished: give back the sandbox, keep the containers (logs); status only when the sandbox condition flips. */
  | {kind: 'finished'; stopSandboxes: string[]; status?: PodStatus}
  /** Nothing will run again and no sandbox runs: only report status. */
  | {kind: 'report'}
  /** Converge: the sandbox, then the next init container or every app container. */
  | {kind: 'run'; sandbox: SandboxStep; containers: ContainerStep[]}

/** "web-abc_default(uid)": how the kubelet names a pod in messages. */
export function podDesc(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`
}

/** The grace period of a kill: the deletion's, else the spec's, else 30 s. */
export function graceSeconds(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
}

/** The newest sandbox instance, if any. */
export function newestSandbox(containers: ContainerInfo[]): ContainerInfo | undefined {
  return containers.filter((c) => c.type === 'sandbox').sort((a, b) => b.createdAt - a.createdAt)[0]
}

/** True when nothing will run again: restartPolicy lets no exited container restart (the pod is about to turn terminal). */
export function podDone(pod: Pod, containers: ContainerInfo[]): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always'
  if (policy === 'Always') return false
  return (pod.spec?.containers ?? []).every((c) => {
    const latest = instancesOf(containers, c.name)[0]
    return latest?.state === 'exited' && (policy === 'Never' || latest.exitCode === 0)
  })
}

/** Decides one sync of a pod. */
export function planPodSync(input: PodSyncInput): PodPlan {
  const {pod, containers} = input
  if (pod.metadata.deletionTimestamp) return {kind: 'terminate'}
  if (isTerminalPhase(pod.status?.phase)) return planFinished(pod, containers, input.now)
  const spec = pod.spec ?? {containers: []}
  const policy = spec.restartPolicy ?? 'Always'

  const current = newestSandbox(containers)
  let sandbox: SandboxStep
  if (current?.state === 'running') sandbox = {action: 'keep', sandbox: current}
  else {
    if (podDone(pod, containers)) return {kind: 'report'}
    sandbox = {
      action: 'create',
      attempt: current ? current.restartCount + 1 : 0,
      replace: current && {sandboxID: current.id, stopContainers: containers.filter((c) => c.state === 'running').map((c) => c.id)},
      awaitBeforeContainers: (spec.initContainers ?? []).length > 0 || JSON.stringify(spec).includes('status.podIP'),
    }
  }

  const steps: ContainerStep[] = []
  const add = (step: ContainerStep | undefined) => step && steps.push(step)
  const sidecars = (spec.initContainers ?? []).filter(isSidecar)
  if (podDone(pod, containers)) {
    // The app containers finished for good: stop the sidecars, last one first, so the pod can turn terminal.
    const running = sidecars.map((c) => instancesOf(containers, c.name)[0]).filter((i) => i?.state === 'running')
    const last = running[running.length - 1]
    if (last && !input.killing.has(last.id)) steps.push({action: 'kill', name: last.name, containerID: last.id, message: `Stopping container ${last.name}`, respawnAtOnce: false})
    return {kind: 'run', sandbox, containers: steps}
  }
  // Init containers one at a time, in order, a sidecar counting as done once it started; app containers only after
  // all. Once an app container exists the pod was initialized: only its sidecars are looked after (restarted) then.
  const initialized = (spec.containers ?? []).some((c) => instancesOf(containers, c.name).length > 0)
  let initDone = true
  if (initialized) {
    for (const c of sidecars) add(planContainer(input, c, 'init', instancesOf(containers, c.name), true))
  } else {
    for (const c of spec.initContainers ?? []) {
      const inst = instancesOf(containers, c.name)
      const latest = inst[0]
      if (isSidecar(c)) {
        // Always restartable, whatever the pod's restartPolicy; the next init container waits for its startup probe.
        const step = planContainer(input, c, 'init', inst, true)
        add(step)
        if (step?.action !== 'kill' && latest?.state === 'running' && (!c.startupProbe || input.started?.get(c.name) === true)) continue
        initDone = false
        break
      }
      if (latest?.state === 'exited' && latest.exitCode === 0) continue
      initDone = false
      if (latest?.state === 'running') break
      if (latest?.state === 'exited' && policy === 'Never') break
      add(planContainer(input, c, 'init', inst, true))
      break
    }
  }
  if (initDone) {
    for (const c of spec.containers ?? []) {
      const inst = instancesOf(containers, c.name)
      const latest = inst[0]
      const restartable = latest?.state !== 'exited' || policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)
      add(planContainer(input, c, 'app', inst, restartable))
    }
  }
  return {kind: 'run', sandbox, containers: steps}
}

/** A finished pod stops its running sandboxes; PodReadyToStartContainers turns False, the rest of its final status stands. */
function planFinished(pod: Pod, containers: ContainerInfo[], now: number): PodPlan {
  const stopSandboxes = containers.filter((c) => c.type === 'sandbox' && c.state === 'running').map((c) => c.id)
  const conditions = pod.status?.conditions ?? []
  const sandboxCond = conditions.find((c) => c.type === 'PodReadyToStartContainers')
  if (sandboxCond?.status !== 'True') return {kind: 'finished', stopSandboxes}
  const next = conditions.map((c) => (c === sandboxCond ? {...c, status: 'False', lastTransitionTime: kubeTime(now)} : c))
  return {kind: 'finished', stopSandboxes, status: {...pod.status, conditions: next}}
}

/**
 * One container's step: keep a running one (killing it when changed or condemned), replace one that was created but
 * never started, restart an exited one subject to restartPolicy and back-off, or create the first.
 */
export function planContainer(input: PodSyncInput, c: Container, type: 'init' | 'app', instances: ContainerInfo[], restartable: boolean): ContainerStep | undefined {
  let inst = instances
  let latest = inst[0]
  if (latest?.state === 'running') {
    const condemned = input.condemned.get(latest.id)
    if (condemned === undefined && (latest.hash === '' || latest.hash === containerHash(c))) return undefined
    if (input.killing.has(latest.id)) return undefined
    const message = condemned ?? `Container ${c.name} definition changed, will be restarted`
    return {action: 'kill', name: c.name, containerID: latest.id, message, respawnAtOnce: condemned === undefined}
  }
  const step: Extract<ContainerStep, {action: 'start'}> = {action: 'start', name: c.name, type, restartCount: 0, prune: [], recordBackoff: false}
  if (latest?.state === 'created' || latest?.state === 'unknown') {
    // Created but never started (the agent stopped in between): replace it.
    step.removeFirst = latest.id
    step.restartCount = latest.restartCount
    inst = inst.slice(1)
    latest = inst[0]
    if (latest && latest.restartCount >= step.restartCount) step.restartCount = latest.restartCount + 1
  } else if (latest?.state === 'exited' && input.respawnAtOnce.has(latest.id)) {
    // Killed because its spec changed: restart at once, without back-off.
    step.consumesRespawn = latest.id
    step.restartCount = latest.restartCount + 1
  } else if (latest?.state === 'exited') {
    if (!restartable) return undefined
    const backoff = input.restartBackoff.get(c.name)
    if (backoff && backoff.remainingMs > 0) {
      const desc = podDesc(input.pod)
      const secs = Math.round(backoff.delayMs / 1000)
      return {
        action: 'backOff',
        name: c.name,
        waiting: {reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${c.name} pod=${desc}`},
        event: `Back-off restarting failed container ${c.name} in pod ${desc}`,
        retryInMs: backoff.remainingMs,
      }
    }
    step.recordBackoff = true
    step.restartCount = latest.restartCount + 1
  }
  step.prune = inst.slice(1).map((i) => i.id)
  return step
}

/** Default imagePullPolicy: Always for `:latest` or untagged images, IfNotPresent otherwise. */
export function pullPolicy(container: Pick<Container, 'image' | 'imagePullPolicy'>): string {
  if (container.imagePullPolicy) return container.imagePullPolicy
  const image = container.image ?? ''
  const ref = image.split('@')[0]
  const lastSlash = ref.lastIndexOf('/')
  const tag = ref.slice(lastSlash + 1).includes(':') ? ref.slice(ref.lastIndexOf(':') + 1) : ''
  if (image.includes('@')) return 'IfNotPresent'
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent'
}

/** What to do about a container's image before creating it. */
export type ImageStep = {action: 'present'} | {action: 'neverPull'} | {action: 'backOff'; retryInMs: number} | {action: 'pull'}

/** Decides the image step from the pull policy, whether the image is present, and the pull back-off left. */
export function planImage(container: Pick<Container, 'image' | 'imagePullPolicy'>, present: boolean, pullBackoffMs: number): ImageStep {
  const policy = pullPolicy(container)
  if (policy === 'Never' && !present) return {action: 'neverPull'}
  if (present && policy !== 'Always') return {action: 'present'}
  if (pullBackoffMs > 0) return {action: 'backOff', retryInMs: pullBackoffMs}
  return {action: 'pull'}
}
