// One pod's sync loop: converge its docker containers (sandbox, init, app) to the spec, run probes, and report status and events.
import type {Clock} from '../../client/clock.js'
import {Backoff} from './backoff.js'
import {containerHash, containerRequest, sandboxRequest} from './container-config.js'
import {ConfigError, type ObjectLookup, type PodRuntimeFacts, resolveEnv} from './env.js'
import {ensurePauseImage} from './pause-image.js'
import {type ProbeExecutor, type ProbeKind, ProbeWorker} from './probes.js'
import type {ContainerInfo, ContainerRuntime} from './runtime.js'
import {type WaitingReason, computePodStatus, instancesOf, isTerminalPhase, kubeTime} from './status.js'
import {prepareVolumes, removePodDir} from './volumes.js'

type Any = any

/** Records an Event about a pod (the agent's EventRecorder bound to source kubelet). */
export type PodEventFn = (pod: Any, type: 'Normal' | 'Warning', reason: string, message: string) => void

/** What every pod worker shares. */
export interface WorkerDeps {
  runtime: ContainerRuntime
  clock: Clock
  lookup: ObjectLookup
  nodeName: string
  nodeIP: string
  podsRoot: string
  event: PodEventFn
  /** Writes the pod's status (merge patch of the status subresource). */
  writeStatus(pod: Any, status: Record<string, any>): Promise<void>
  /** Deletes the pod for good (gracePeriodSeconds 0, uid precondition). */
  deletePod(pod: Any): Promise<void>
  /** Asks for another sync of this pod, now or after ms. */
  requeue(uid: string, afterMs?: number): void
  restartBackoff: Backoff
  pullBackoff: Backoff
  probe: ProbeExecutor
  ensurePause?: () => Promise<void>
  log: (msg: string) => void
}

/** Default imagePullPolicy: Always for `:latest` or untagged images, IfNotPresent otherwise. */
export function pullPolicy(container: Any): string {
  if (container.imagePullPolicy) return container.imagePullPolicy
  const image: string = container.image ?? ''
  const ref = image.split('@')[0]
  const lastSlash = ref.lastIndexOf('/')
  const tag = ref.slice(lastSlash + 1).includes(':') ? ref.slice(ref.lastIndexOf(':') + 1) : ''
  if (image.includes('@')) return 'IfNotPresent'
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent'
}

/** "web-abc_default(uid)": how the kubelet names a pod in messages. */
export function podDesc(pod: Any): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`
}

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

const MIN_GRACE_SECONDS = 2

/** The per-pod state the agent keeps between syncs (probe workers, results, what it last wrote). */
export class PodWorker {
  private readonly ready = new Map<string, boolean>()
  private readonly started = new Map<string, boolean>()
  /** Probe workers by container id. */
  private readonly probes = new Map<string, ProbeWorker[]>()
  /** Containers a liveness/startup probe condemned: id → the kubelet's Killing message. */
  private readonly condemned = new Map<string, string>()
  /** Kills in progress (liveness failures, spec changes) by container id. */
  private readonly killing = new Map<string, Promise<void>>()
  /** Containers killed for a spec change, which restart without back-off. */
  private readonly respawnAtOnce = new Set<string>()
  private lastStatus = ''
  private terminating?: Promise<void>
  /** Last pod object seen, for cleanup after the pod vanished from the API. */
  pod: Any

  constructor(
    readonly uid: string,
    private readonly deps: WorkerDeps,
  ) {}

  /** Converges the pod once; returns when the runtime matches the spec as far as it can right now. */
  async sync(pod: Any): Promise<void> {
    this.pod = pod
    const d = this.deps
    if (pod.metadata.deletionTimestamp) {
      // Termination takes up to the grace period, so it runs outside the sync slot; a last sync afterwards lets the
      // manager forget this worker once the pod has left the API.
      this.terminating ??= this.terminate(pod).finally(() => {
        this.terminating = undefined
        d.requeue(this.uid, 1000)
      })
      return
    }
    let containers = await d.runtime.listPodContainers(this.uid)
    if (isTerminalPhase(pod.status?.phase)) {
      // A finished pod keeps its containers (for logs) but gives back its sandbox and address.
      this.stopProbes()
      for (const c of containers) if (c.type === 'sandbox' && c.state === 'running') await d.runtime.stop(c.id, 0)
      // Its final status stands (containers may be garbage-collected later); only the sandbox condition changes.
      const conditions: Any[] = pod.status?.conditions ?? []
      const sandboxCond = conditions.find((c) => c.type === 'PodReadyToStartContainers')
      if (sandboxCond?.status === 'True') {
        const now = kubeTime(d.clock.now())
        const next = conditions.map((c) => (c === sandboxCond ? {...c, status: 'False', lastTransitionTime: now} : c))
        await d.writeStatus(pod, {...pod.status, conditions: next})
      }
      return
    }
    const waiting = new Map<string, WaitingReason>()
    const delays: number[] = []
    let changed = false
    const spec = pod.spec ?? {}
    const policy: string = spec.restartPolicy ?? 'Always'

    // The sandbox first: it holds the network namespace every container joins.
    let sandbox: ContainerInfo | undefined = containers.filter((c) => c.type === 'sandbox').sort((a, b) => b.createdAt - a.createdAt)[0]
    let sandboxReady: Promise<ContainerInfo>
    let sandboxID: string
    if (!sandbox || sandbox.state !== 'running') {
      if (this.podDone(pod, containers)) return this.report(pod, containers, waiting, delays)
      if (sandbox) {
        d.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.')
        await Promise.all(containers.filter((c) => c.state === 'running').map((c) => d.runtime.stop(c.id, 0)))
        await d.runtime.remove(sandbox.id)
      }
      const failed = async (err: any): Promise<never> => {
        d.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err?.message ?? err}`)
        await this.report(pod, containers, waiting, delays).catch(() => {})
        throw err
      }
      const created = await this.createSandbox(pod, sandbox ? sandbox.restartCount + 1 : 0).catch(failed)
      sandboxID = created.id
      sandboxReady = created.ready.catch(failed)
      // Nothing may await it when every container is waiting (image, config): keep that from being unhandled.
      sandboxReady.catch(() => {})
      changed = true
      // The sandbox's start (network setup: the slowest step) overlaps image checks, env and container creation,
      // unless something needs the pod IP first (env/downward API, or init containers which run one by one anyway).
      if ((spec.initContainers ?? []).length > 0 || JSON.stringify(spec).includes('status.podIP')) {
        sandbox = await sandboxReady
      } else {
        sandbox = undefined
      }
    } else {
      sandboxID = sandbox.id
      sandboxReady = Promise.resolve(sandbox)
    }
    const facts: PodRuntimeFacts = {podIP: spec.hostNetwork ? d.nodeIP : sandbox?.ip, hostIP: d.nodeIP}

    let volumes: Map<string, string>
    try {
      volumes = await prepareVolumes(pod, d.podsRoot, d.lookup, facts)
    } catch (err: any) {
      if (!(err instanceof ConfigError)) throw err
      const vol = /volume "([^"]+)"/.exec(err.message)?.[1] ?? this.failingVolume(pod, err.message)
      d.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${vol}" : ${err.message}`)
      delays.push(10_000)
      await sandboxReady.catch(() => {})
      return this.report(pod, await d.runtime.listPodContainers(this.uid), waiting, delays)
    }
    const readOnly = new Set<string>((spec.volumes ?? []).filter((v: Any) => v.configMap || v.secret || v.downwardAPI || v.projected).map((v: Any) => v.name))
    const ctx: SyncContext = {pod, sandboxID, sandboxReady, volumes, readOnly, facts, waiting, delays}

    // Init containers one at a time, in order; app containers only once all succeeded.
    let initDone = true
    for (const c of spec.initContainers ?? []) {
      const inst = instancesOf(containers, c.name)
      const latest = inst[0]
      if (latest?.state === 'exited' && latest.exitCode === 0) continue
      initDone = false
      if (latest?.state === 'running') break
      if (latest?.state === 'exited' && policy === 'Never') break
      changed = (await this.syncContainer(ctx, c, 'init', inst, true)) || changed
      break
    }
    if (initDone) {
      const results = await Promise.all(
        (spec.containers ?? []).map((c: Any) => {
          const inst = instancesOf(containers, c.name)
          const latest = inst[0]
          const restartable = latest?.state !== 'exited' || policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)
          return this.syncContainer(ctx, c, 'app', inst, restartable)
        }),
      )
      changed = results.some(Boolean) || changed
    }
    const readySandbox = await sandboxReady
    if (changed) containers = await d.runtime.listPodContainers(this.uid)
    this.reconcileProbes(pod, containers, readySandbox)
    await this.report(pod, containers, waiting, delays)
  }

  /** True when nothing will run again: restartPolicy lets no exited container restart (the pod is about to turn terminal). */
  private podDone(pod: Any, containers: ContainerInfo[]): boolean {
    const policy = pod.spec?.restartPolicy ?? 'Always'
    if (policy === 'Always') return false
    const apps: Any[] = pod.spec?.containers ?? []
    return apps.every((c) => {
      const latest = instancesOf(containers, c.name)[0]
      return latest?.state === 'exited' && (policy === 'Never' || latest.exitCode === 0)
    })
  }

  private failingVolume(pod: Any, message: string): string {
    for (const v of pod.spec?.volumes ?? []) {
      const names = [v.configMap?.name, v.secret?.secretName, ...(v.projected?.sources ?? []).map((s: Any) => s.configMap?.name ?? s.secret?.name)]
      if (names.some((n) => n && message.includes(`"${n}"`))) return v.name
    }
    return ''
  }

  /** Creates the sandbox and starts it; ready settles with its state (and address) once it runs. */
  private async createSandbox(pod: Any, attempt: number): Promise<{id: string; ready: Promise<ContainerInfo>}> {
    const d = this.deps
    await (d.ensurePause ?? (() => ensurePauseImage((ref) => d.runtime.imageID(ref))))()
    const req = sandboxRequest(pod, attempt)
    const id = await this.createReplacingLeftover(req)
    const ready = (async () => {
      await d.runtime.start(id)
      const info = await d.runtime.inspect(id)
      if (!info) throw new Error(`sandbox ${req.name} vanished after start`)
      return info
    })()
    return {id, ready}
  }

  /**
   * Brings one container to its desired state: keep it running (restarting a changed or condemned one), restart an
   * exited one subject to back-off, or create it. Returns true when it changed anything in the runtime.
   */
  private async syncContainer(ctx: SyncContext, c: Any, type: 'init' | 'app', inst: ContainerInfo[], restartable: boolean): Promise<boolean> {
    const d = this.deps
    const {pod} = ctx
    let latest = inst[0]
    let restartCount = 0
    if (latest?.state === 'running') {
      const condemned = this.condemned.get(latest.id)
      if (condemned === undefined && (latest.hash === '' || latest.hash === containerHash(c))) return false
      if (!this.killing.has(latest.id)) {
        // Killing takes up to the grace period: do it outside the sync so other pods' syncs are not held up;
        // the container's death (docker event) and this requeue bring the pod back for the restart.
        const id = latest.id
        if (condemned === undefined) this.respawnAtOnce.add(id)
        d.event(pod, 'Normal', 'Killing', condemned ?? `Container ${c.name} definition changed, will be restarted`)
        const p = this.killContainer(pod, c, latest, this.graceSeconds(pod, c))
          .catch((err) => d.log(`killing ${c.name} of ${podDesc(pod)}: ${err?.message ?? err}`))
          .finally(() => {
            this.killing.delete(id)
            this.condemned.delete(id)
            d.requeue(this.uid)
          })
        this.killing.set(id, p)
      }
      return false
    }
    if (latest?.state === 'created' || latest?.state === 'unknown') {
      // Created but never started (the agent stopped in between): replace it.
      await d.runtime.remove(latest.id)
      restartCount = latest.restartCount
      inst = inst.slice(1)
      latest = inst[0]
      if (latest && latest.restartCount >= restartCount) restartCount = latest.restartCount + 1
    } else if (latest?.state === 'exited' && this.respawnAtOnce.has(latest.id)) {
      // Killed because its spec changed: restart at once, without back-off.
      this.respawnAtOnce.delete(latest.id)
      restartCount = latest.restartCount + 1
    } else if (latest?.state === 'exited') {
      if (!restartable) return false
      const key = `${this.uid}/${c.name}`
      const now = d.clock.now()
      const remaining = d.restartBackoff.remaining(key, now)
      if (remaining > 0) {
        const secs = Math.round(d.restartBackoff.delay(key) / 1000)
        ctx.waiting.set(c.name, {reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${c.name} pod=${podDesc(pod)}`})
        d.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podDesc(pod)}`)
        ctx.delays.push(remaining)
        return false
      }
      d.restartBackoff.next(key, now)
      restartCount = latest.restartCount + 1
    }
    return this.startContainer(ctx, c, type, restartCount, inst)
  }

  /** Pulls (per policy), resolves env, creates and starts one container instance. */
  private async startContainer(ctx: SyncContext, c: Any, type: 'init' | 'app', restartCount: number, inst: ContainerInfo[]): Promise<boolean> {
    const d = this.deps
    const {pod} = ctx
    if (!(await this.ensureImage(ctx, c))) return false
    let env: Map<string, string>
    try {
      env = resolveEnv(pod, c, d.lookup, ctx.facts)
    } catch (err: any) {
      if (!(err instanceof ConfigError)) throw err
      ctx.waiting.set(c.name, {reason: 'CreateContainerConfigError', message: err.message})
      d.event(pod, 'Warning', 'Failed', `Error: ${err.message}`)
      ctx.delays.push(10_000)
      return false
    }
    const req = containerRequest(pod, c, {sandboxID: ctx.sandboxID, type, restartCount, env, volumes: ctx.volumes, readOnlyVolumes: ctx.readOnly, hostNetwork: pod.spec?.hostNetwork})
    let id: string
    try {
      id = await this.createReplacingLeftover(req)
    } catch (err: any) {
      const msg = err?.json?.message ?? err?.message ?? String(err)
      ctx.waiting.set(c.name, {reason: 'CreateContainerError', message: msg})
      d.event(pod, 'Warning', 'Failed', `Error: ${msg}`)
      ctx.delays.push(10_000)
      return false
    }
    d.event(pod, 'Normal', 'Created', `Created container: ${c.name}`)
    // A container joins the sandbox's network namespace, which exists only once the sandbox runs.
    await ctx.sandboxReady
    // Older instances beyond the one that becomes lastState are of no further use.
    for (const old of inst.slice(1)) void d.runtime.remove(old.id).catch(() => {})
    try {
      await d.runtime.start(id)
    } catch (err: any) {
      const msg = err?.json?.message ?? err?.message ?? String(err)
      d.event(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${msg}`)
      return true
    }
    d.event(pod, 'Normal', 'Started', `Started container ${c.name}`)
    if (c.lifecycle?.postStart) {
      const hook = await this.runHook(c.lifecycle.postStart, id, (await ctx.sandboxReady).ip ?? '', c, 30_000)
      if (!hook.ok) {
        d.event(pod, 'Warning', 'FailedPostStartHook', hook.message ?? 'PostStartHook failed')
        await d.runtime.stop(id, this.graceSeconds(pod, c))
      }
    }
    return true
  }

  /** Makes sure the container's image is present per imagePullPolicy; false (with a waiting reason) when it is not. */
  /** Creates a container; a leftover of an earlier attempt holding the name is removed and the create retried once. */
  private async createReplacingLeftover(req: Parameters<ContainerRuntime['create']>[0]): Promise<string> {
    try {
      return await this.deps.runtime.create(req)
    } catch (err: any) {
      if (err?.statusCode !== 409) throw err
      await this.deps.runtime.remove(req.name)
      return this.deps.runtime.create(req)
    }
  }

  private async ensureImage(ctx: SyncContext, c: Any): Promise<boolean> {
    const d = this.deps
    const {pod} = ctx
    const image: string = c.image
    const policy = pullPolicy(c)
    const present = await d.runtime.imageID(image)
    if (policy === 'Never' && !present) {
      const msg = `Container image "${image}" is not present with pull policy of Never`
      ctx.waiting.set(c.name, {reason: 'ErrImageNeverPull', message: msg})
      d.event(pod, 'Warning', 'ErrImageNeverPull', msg)
      d.event(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull')
      return false
    }
    if (present && policy !== 'Always') {
      d.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`)
      return true
    }
    const key = `${this.uid}/${image}`
    const now = d.clock.now()
    const remaining = d.pullBackoff.remaining(key, now)
    if (remaining > 0) {
      ctx.waiting.set(c.name, {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`})
      d.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`)
      d.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff')
      ctx.delays.push(remaining)
      return false
    }
    d.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`)
    const t0 = d.clock.now()
    try {
      await d.runtime.pullImage(image)
    } catch (err: any) {
      d.pullBackoff.next(key, d.clock.now())
      const msg = err?.json?.message ?? err?.message ?? String(err)
      ctx.waiting.set(c.name, {reason: 'ErrImagePull', message: msg})
      d.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`)
      d.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull')
      ctx.delays.push(d.pullBackoff.remaining(key, d.clock.now()))
      return false
    }
    d.pullBackoff.reset(key)
    const secs = ((d.clock.now() - t0) / 1000).toFixed(3)
    d.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s (${secs}s including waiting)`)
    return true
  }

  /** Computes the status and writes it when it differs from the last one written; schedules the next back-off expiry. */
  private async report(pod: Any, containers: ContainerInfo[], waiting: Map<string, WaitingReason>, delays: number[]): Promise<void> {
    const d = this.deps
    const sandbox = containers.filter((c) => c.type === 'sandbox').sort((a, b) => b.createdAt - a.createdAt)[0]
    const status = computePodStatus(pod, {sandbox, containers, waiting, ready: this.ready, started: this.started, hostIP: d.nodeIP, now: d.clock.now()})
    const text = canonical(status)
    if (delays.length > 0) d.requeue(this.uid, Math.min(...delays) + 50)
    if (text === this.lastStatus || text === canonical(pod.status)) {
      this.lastStatus = text
      return
    }
    await d.writeStatus(pod, status)
    this.lastStatus = text
  }

  /** Starts probe workers for running containers that have probes, and stops those of gone instances. */
  private reconcileProbes(pod: Any, containers: ContainerInfo[], sandbox: ContainerInfo): void {
    const d = this.deps
    const live = new Set<string>()
    for (const c of pod.spec?.containers ?? []) {
      const latest = instancesOf(containers, c.name)[0]
      if (!latest || latest.state !== 'running') continue
      if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) continue
      live.add(latest.id)
      if (this.probes.has(latest.id)) continue
      // A new instance starts with fresh results: not ready, not started.
      this.ready.delete(c.name)
      this.started.delete(c.name)
      const target = {containerID: latest.id, podIP: pod.spec?.hostNetwork ? d.nodeIP : sandbox.ip ?? '', container: c}
      const startedAt = latest.startedAt ? Date.parse(latest.startedAt) : d.clock.now()
      const workers: ProbeWorker[] = []
      const byKind = new Map<ProbeKind, ProbeWorker>()
      const onResult = (kind: ProbeKind, ok: boolean) => {
        if (kind === 'readiness') this.ready.set(c.name, ok)
        else if (kind === 'startup' && ok) {
          this.started.set(c.name, true)
          byKind.get('liveness')?.enable()
          byKind.get('readiness')?.enable()
        } else if (!ok) {
          const what = kind === 'liveness' ? 'liveness' : 'startup'
          this.condemned.set(latest.id, `Container ${c.name} failed ${what} probe, will be restarted`)
        }
        d.requeue(this.uid)
      }
      const onFailure = (kind: ProbeKind, message: string) => {
        const title = kind[0].toUpperCase() + kind.slice(1)
        d.event(pod, 'Warning', 'Unhealthy', `${title} probe failed: ${message}`)
      }
      const gated = !!c.startupProbe
      for (const [kind, probe] of [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]] as const) {
        if (!probe) continue
        const w = new ProbeWorker(kind, probe, target, startedAt, {clock: d.clock, run: d.probe, onResult, onFailure}, {enabled: kind === 'startup' || !gated})
        byKind.set(kind, w)
        workers.push(w)
      }
      this.probes.set(latest.id, workers)
      for (const w of workers) w.start()
    }
    for (const [id, workers] of this.probes) {
      if (live.has(id)) continue
      for (const w of workers) w.stop()
      this.probes.delete(id)
      this.condemned.delete(id)
    }
  }

  /** Stops every probe worker of the pod. */
  stopProbes(): void {
    for (const workers of this.probes.values()) for (const w of workers) w.stop()
    this.probes.clear()
  }

  private graceSeconds(pod: Any, _c?: Any): number {
    return pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
  }

  /** preStop hook (within the grace period), then the stop signal, then SIGKILL when the rest of the grace period is over. */
  private async killContainer(pod: Any, c: Any, info: ContainerInfo, graceSeconds: number): Promise<void> {
    const d = this.deps
    let grace = graceSeconds
    if (c?.lifecycle?.preStop && grace > 0 && info.state === 'running') {
      const t0 = d.clock.now()
      const podIP = pod.status?.podIP ?? ''
      const hook = await this.runHook(c.lifecycle.preStop, info.id, podIP, c, grace * 1000)
      if (!hook.ok) d.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${hook.message ?? ''}`)
      grace -= Math.floor((d.clock.now() - t0) / 1000)
    }
    // As the kubelet: always leave a short window for the signal to be handled, unless deletion was immediate.
    if (graceSeconds > 0) grace = Math.max(grace, MIN_GRACE_SECONDS)
    await d.runtime.stop(info.id, Math.max(0, grace))
  }

  private async runHook(hook: Any, containerID: string, podIP: string, c: Any, timeoutMs: number): Promise<{ok: boolean; message?: string}> {
    const d = this.deps
    if (hook.sleep) {
      await d.clock.sleep(Math.min(timeoutMs, (hook.sleep.seconds ?? 0) * 1000))
      return {ok: true}
    }
    const probe = hook.exec ? {exec: hook.exec, timeoutSeconds: Math.ceil(timeoutMs / 1000)} : hook.httpGet ? {httpGet: hook.httpGet, timeoutSeconds: Math.ceil(timeoutMs / 1000)} : undefined
    if (!probe) return {ok: true}
    const out = await d.probe(probe, {containerID, podIP, container: c}).catch((err) => ({ok: false, message: String(err?.message ?? err)}))
    return out
  }

  /** Graceful deletion: stop every container (preStop, SIGTERM, SIGKILL after the grace period), clean up, delete the pod. */
  private async terminate(pod: Any): Promise<void> {
    const d = this.deps
    this.stopProbes()
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
    const containers = await d.runtime.listPodContainers(this.uid)
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
    await Promise.all(
      containers
        .filter((c) => c.type !== 'sandbox' && c.state === 'running')
        .map(async (c) => {
          d.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`)
          await this.killContainer(pod, specs.find((s) => s.name === c.name), c, grace)
        }),
    )
    await this.removeAll(containers)
    try {
      await d.deletePod(pod)
    } catch (err: any) {
      d.log(`deleting pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err?.message ?? err}`)
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
    d.restartBackoff.resetPrefix(`${this.uid}/`)
    d.pullBackoff.resetPrefix(`${this.uid}/`)
  }

  /** True while a graceful termination is running. */
  get isTerminating(): boolean {
    return this.terminating !== undefined
  }
}

interface SyncContext {
  pod: Any
  sandboxID: string
  sandboxReady: Promise<ContainerInfo>
  volumes: Map<string, string>
  readOnly: Set<string>
  facts: PodRuntimeFacts
  waiting: Map<string, WaitingReason>
  delays: number[]
}
