// One pod's sync loop: observe the runtime, decide with planPodSync, carry the plan out (sandbox, init, app), then report status and events.
import type {Container, Pod, PodStatus} from '../../api/types/workloads.js'
import {sandboxRequest} from './container-config.js'
import {podDNS} from './dns.js'
import {ConfigError, type PodRuntimeFacts} from './env.js'
import {type SyncContext, type WorkerDeps, createReplacingLeftover, killContainer, startContainer} from './executor.js'
import {type BackoffState, type ContainerStep, type PodPlan, type SandboxStep, graceSeconds, newestSandbox, planPodSync, podDesc} from './plan.js'
import {PodProbes} from './pod-probes.js'
import type {ContainerInfo} from './runtime.js'
import {type WaitingReason, computePodStatus, isSidecar} from './status.js'
import {prepareVolumes, removePodDir} from './volumes.js'

export type {PodEventFn, WorkerDeps} from './executor.js'
export {podDesc, pullPolicy} from './plan.js'

/** A stable text of a value (sorted keys, undefined dropped), to tell whether a status changed. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/** The per-pod state the agent keeps between syncs (probe workers, results, kills under way, what it last wrote). */
export class PodWorker {
  private readonly probes: PodProbes
  /** Kills in progress (liveness failures, spec changes) by container id. */
  private readonly killing = new Map<string, Promise<void>>()
  /** Containers killed for a spec change, which restart without back-off. */
  private readonly respawnAtOnce = new Set<string>()
  private lastStatus = ''
  /** The pod's resourceVersion when lastStatus was written: a newer one that differs means someone else wrote status. */
  private lastStatusBase = ''
  private terminating?: Promise<void>
  /** Last pod object seen, for cleanup after the pod vanished from the API. */
  pod?: Pod

  constructor(
    readonly uid: string,
    private readonly deps: WorkerDeps,
  ) {
    this.probes = new PodProbes({
      clock: deps.clock,
      probe: deps.probe,
      nodeIP: deps.nodeIP,
      event: (type, reason, message) => this.pod && deps.event(this.pod, type, reason, message),
      requeue: () => deps.requeue(uid),
    })
  }

  /** Converges the pod once; returns when the runtime matches the spec as far as it can right now. */
  async sync(pod: Pod): Promise<void> {
    this.pod = pod
    const d = this.deps
    // Deletion needs no runtime state to decide on.
    const containers = pod.metadata.deletionTimestamp ? [] : await d.runtime.listPodContainers(this.uid)
    const plan = planPodSync(this.observe(pod, containers))
    await this.execute(pod, containers, plan)
  }

  /** The decision's inputs: the pod, the runtime's containers, and the worker's back-off, probe and kill state. */
  private observe(pod: Pod, containers: ContainerInfo[]) {
    const d = this.deps
    const now = d.clock.now()
    const restartBackoff = new Map<string, BackoffState>()
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const key = `${this.uid}/${c.name}`
      restartBackoff.set(c.name, {remainingMs: d.restartBackoff.remaining(key, now), delayMs: d.restartBackoff.delay(key)})
    }
    return {pod, containers, now, restartBackoff, condemned: this.probes.condemned, killing: new Set(this.killing.keys()), respawnAtOnce: this.respawnAtOnce, started: this.probes.started}
  }

  private async execute(pod: Pod, containers: ContainerInfo[], plan: PodPlan): Promise<void> {
    const d = this.deps
    const waiting = new Map<string, WaitingReason>()
    const delays: number[] = []
    switch (plan.kind) {
      case 'terminate':
        // Termination takes up to the grace period, so it runs outside the sync slot; a last sync afterwards lets the
        // manager forget this worker once the pod has left the API.
        this.terminating ??= this.terminate(pod).finally(() => {
          this.terminating = undefined
          d.requeue(this.uid, 1000)
        })
        return
      case 'finished':
        this.stopProbes()
        for (const id of plan.stopSandboxes) await d.runtime.stop(id, 0)
        if (plan.status) await d.writeStatus(pod, plan.status)
        return
      case 'report':
        return this.report(pod, containers, waiting, delays)
      case 'run':
        break
    }

    const sandbox = await this.syncSandbox(pod, plan.sandbox, () => this.report(pod, containers, waiting, delays))
    const spec = pod.spec ?? {containers: []}
    const facts: PodRuntimeFacts = {podIP: spec.hostNetwork ? d.nodeIP : sandbox.info?.ip, hostIP: d.nodeIP}
    let volumes: Map<string, string>
    try {
      volumes = await prepareVolumes(pod, d.podsRoot, d.lookup, facts, d.tokens)
      // Come back when a token is due for renewal, so the file is rewritten then (not only at the next resync).
      const renew = d.tokens?.nextRefresh?.(this.uid)
      if (renew !== undefined) delays.push(Math.max(1000, renew - d.clock.now()))
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      const vol = /volume "([^"]+)"/.exec(err.message)?.[1] ?? failingVolume(pod, err.message)
      d.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${vol}" : ${err.message}`)
      delays.push(10_000)
      await sandbox.ready.catch(() => {})
      return this.report(pod, await d.runtime.listPodContainers(this.uid), waiting, delays)
    }
    const readOnly = new Set<string>((spec.volumes ?? []).filter((v) => v.configMap || v.secret || v.downwardAPI || v.projected || v.persistentVolumeClaim?.readOnly).map((v) => v.name))
    const ctx: SyncContext = {pod, uid: this.uid, sandboxID: sandbox.id, sandboxReady: sandbox.ready, volumes, readOnly, facts, waiting, delays}
    // At most one init container has a step; app containers' steps run side by side.
    const results = await Promise.all(plan.containers.map((step) => this.runStep(ctx, step)))
    const changed = sandbox.created || results.some(Boolean)
    const readySandbox = await sandbox.ready
    const now = changed ? await d.runtime.listPodContainers(this.uid) : containers
    this.probes.reconcile(pod, now, readySandbox)
    await this.report(pod, now, waiting, delays)
  }

  /**
   * Keeps the running sandbox, or (re)creates it. `ready` settles once it runs; `info` is its state when known before
   * the containers start (kept, or awaited because they need the pod IP).
   */
  private async syncSandbox(pod: Pod, step: SandboxStep, reportFailure: () => Promise<void>): Promise<{id: string; ready: Promise<ContainerInfo>; info?: ContainerInfo; created: boolean}> {
    const d = this.deps
    if (step.action === 'keep') return {id: step.sandbox.id, ready: Promise.resolve(step.sandbox), info: step.sandbox, created: false}
    if (step.replace) {
      d.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.')
      await Promise.all(step.replace.stopContainers.map((id) => d.runtime.stop(id, 0)))
      await d.runtime.remove(step.replace.sandboxID)
    }
    const failed = async (err: unknown): Promise<never> => {
      d.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error)?.message ?? err}`)
      await reportFailure().catch(() => {})
      throw err
    }
    const created = await this.createSandbox(pod, step.attempt).catch(failed)
    const ready = created.ready.catch(failed)
    // Nothing may await it when every container is waiting (image, config): keep that from being unhandled.
    ready.catch(() => {})
    // The sandbox's start (network setup: the slowest step) overlaps image checks, env and container creation,
    // unless something needs the pod IP first (env/downward API, or init containers which run one by one anyway).
    const info = step.awaitBeforeContainers ? await ready : undefined
    return {id: created.id, ready, info, created: true}
  }

  /** Creates the sandbox and starts it; ready settles with its state (and address) once it runs. */
  private async createSandbox(pod: Pod, attempt: number): Promise<{id: string; ready: Promise<ContainerInfo>}> {
    const d = this.deps
    await (d.ensurePause ?? (() => d.runtime.prepare?.() ?? Promise.resolve()))()
    const req = sandboxRequest(pod, attempt, d.dns ? podDNS(pod, d.dns) : undefined, d.dns?.domain)
    d.trace?.('sandbox')
    const id = await createReplacingLeftover(d.runtime, req)
    const ready = (async () => {
      await d.runtime.start(id)
      const info = await d.runtime.inspect(id)
      if (!info) throw new Error(`sandbox ${req.name} vanished after start`)
      d.trace?.('sandboxReady')
      return info
    })()
    return {id, ready}
  }

  /** Carries out one container step; true when it changed anything in the runtime. */
  private async runStep(ctx: SyncContext, step: ContainerStep): Promise<boolean> {
    const d = this.deps
    const {pod} = ctx
    const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === step.name)!
    switch (step.action) {
      case 'kill':
        this.startKill(pod, step, spec)
        return false
      case 'backOff':
        ctx.waiting.set(step.name, step.waiting)
        d.event(pod, 'Warning', 'BackOff', step.event)
        ctx.delays.push(step.retryInMs)
        return false
      case 'start':
        if (step.consumesRespawn) this.respawnAtOnce.delete(step.consumesRespawn)
        if (step.recordBackoff) d.restartBackoff.next(`${this.uid}/${step.name}`, d.clock.now())
        if (step.removeFirst) await d.runtime.remove(step.removeFirst)
        return startContainer(d, ctx, spec, step.type, step.restartCount, step.prune)
    }
  }

  /**
   * Kills a container outside the sync (it takes up to the grace period, and other pods' syncs must not wait); the
   * container's death (a runtime event) and the requeue bring the pod back for the restart.
   */
  private startKill(pod: Pod, step: Extract<ContainerStep, {action: 'kill'}>, spec: Container): void {
    const d = this.deps
    const id = step.containerID
    if (step.respawnAtOnce) this.respawnAtOnce.add(id)
    d.event(pod, 'Normal', 'Killing', step.message)
    const p = killContainer(d, pod, spec, id, graceSeconds(pod))
      .catch((err) => d.log(`killing ${step.name} of ${podDesc(pod)}: ${err?.message ?? err}`))
      .finally(() => {
        this.killing.delete(id)
        this.probes.condemned.delete(id)
        d.requeue(this.uid)
      })
    this.killing.set(id, p)
  }

  /** Computes the status and writes it when it differs from the last one written; schedules the next back-off expiry. */
  private async report(pod: Pod, containers: ContainerInfo[], waiting: Map<string, WaitingReason>, delays: number[]): Promise<void> {
    const d = this.deps
    const view = {sandbox: newestSandbox(containers), containers, waiting, ready: this.probes.ready, started: this.probes.started, hostIP: d.nodeIP, now: d.clock.now()}
    const status = computePodStatus(pod, view)
    const text = canonical(status)
    if (delays.length > 0) d.requeue(this.uid, Math.min(...delays) + 50)
    // Same as what we wrote: already stored, or on its way. Someone else's write over ours (the node lifecycle
    // controller marking the pod not Ready while the node was unreachable) shows as a newer pod whose phase or
    // condition statuses differ from ours: put ours back. Formatting differences alone never cause a write.
    const overwritten = pod.metadata.resourceVersion !== this.lastStatusBase && statusesDiffer(status, pod.status)
    if (text === canonical(pod.status) || (text === this.lastStatus && !overwritten)) {
      this.lastStatus = text
      return
    }
    await d.writeStatus(pod, status)
    this.lastStatus = text
    this.lastStatusBase = pod.metadata.resourceVersion ?? ''
  }

  /** Stops every probe worker of the pod. */
  stopProbes(): void {
    this.probes.stopAll()
  }

  /**
   * Graceful deletion: stop every container (preStop, SIGTERM, SIGKILL after the grace period), clean up, delete the
   * pod. App containers stop first, side by side; then the sidecars one by one, last first, so what the app containers
   * lean on (proxies, log shippers) outlives them. All of it shares the one grace period.
   */
  private async terminate(pod: Pod): Promise<void> {
    const d = this.deps
    this.stopProbes()
    const grace = graceSeconds(pod)
    const t0 = d.clock.now()
    const containers = await d.runtime.listPodContainers(this.uid)
    const initSpecs = pod.spec?.initContainers ?? []
    const specs = [...initSpecs, ...(pod.spec?.containers ?? [])]
    const running = containers.filter((c) => c.type !== 'sandbox' && c.state === 'running')
    const sidecarOrder = initSpecs.filter(isSidecar).map((c) => c.name)
    const kill = async (c: ContainerInfo) => {
      d.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`)
      const left = grace - Math.floor((d.clock.now() - t0) / 1000)
      await killContainer(d, pod, specs.find((s) => s.name === c.name), c.id, grace > 0 ? Math.max(1, left) : 0)
    }
    await Promise.all(running.filter((c) => !sidecarOrder.includes(c.name)).map(kill))
    for (const name of [...sidecarOrder].reverse()) {
      for (const c of running.filter((r) => r.name === name)) await kill(c)
    }
    await this.removeAll(containers)
    try {
      await d.deletePod(pod)
    } catch (err) {
      d.log(`deleting pod ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error)?.message ?? err}`)
      d.requeue(this.uid, 1000)
    }
  }

  /** Removes every container of the pod and its directory (the pod is gone or going). */
  async removeAll(containers?: ContainerInfo[]): Promise<void> {
    const d = this.deps
    this.stopProbes()
    const list = containers ?? (await d.runtime.listPodContainers(this.uid))
    // App containers first: removing the sandbox first would pull the network out from under them.
    await Promise.all(list.filter((c) => c.type !== 'sandbox').map((c) => d.runtime.remove(c.id)))
    await Promise.all(list.filter((c) => c.type === 'sandbox').map((c) => d.runtime.remove(c.id)))
    await removePodDir(d.podsRoot, this.uid).catch((err) => d.log(`removing pod dir of ${this.uid}: ${err?.message ?? err}`))
    d.tokens?.forget?.(this.uid)
    d.restartBackoff.resetPrefix(`${this.uid}/`)
    d.pullBackoff.resetPrefix(`${this.uid}/`)
  }

  /** True while a graceful termination is running. */
  get isTerminating(): boolean {
    return this.terminating !== undefined
  }
}

/** The volume a ConfigError message is about, found by the ConfigMap or Secret name it quotes. */
function failingVolume(pod: Pod, message: string): string {
  if (message.startsWith('failed to fetch token')) return pod.spec?.volumes?.find((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))?.name ?? ''
  for (const v of pod.spec?.volumes ?? []) {
    const names = [v.configMap?.name, v.secret?.secretName, ...(v.projected?.sources ?? []).map((s) => s.configMap?.name ?? s.secret?.name)]
    if (names.some((n) => n && message.includes(`"${n}"`))) return v.name
  }
  return ''
}

/** Whether two pod statuses disagree on the phase or on any condition's status (what readiness depends on). */
function statusesDiffer(a: PodStatus, b: PodStatus | undefined): boolean {
  if (a.phase !== b?.phase) return true
  const of = (st: PodStatus | undefined) => new Map((st?.conditions ?? []).map((c) => [c.type, c.status]))
  const [x, y] = [of(a), of(b)]
  return x.size !== y.size || [...x].some(([type, status]) => y.get(type) !== status)
}
