// Carries out a pod plan's container steps against the runtime: image per pull policy, env, create, start, lifecycle hooks, kill.
import type {Container, Handler, Pod, PodStatus} from '../../api/types/workloads.js'
import type {Clock} from '../../api/clock.js'
import {errorText} from '../errors.js'
import type {Backoff} from './backoff.js'
import {containerRequest} from './container-config.js'
import {ConfigError, type ObjectLookup, type PodRuntimeFacts, resolveEnv} from './env.js'
import {graceSeconds, planImage} from './plan.js'
import type {ProbeExecutor} from './probes.js'
import type {ContainerInfo, ContainerRuntime, CreateRequest} from './runtime.js'
import type {WaitingReason} from './status.js'
import type {ClusterDNS} from './dns.js'
import {verifyRunAsNonRoot} from './security-context.js'
import type {TokenProvider} from './volumes.js'

/** Records an Event about a pod (the agent's EventRecorder bound to source kubelet). */
export type PodEventFn = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void

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
  writeStatus(pod: Pod, status: PodStatus): Promise<void>
  /** Deletes the pod for good (gracePeriodSeconds 0, uid precondition). */
  deletePod(pod: Pod): Promise<void>
  /** Asks for another sync of this pod, now or after ms. */
  requeue(uid: string, afterMs?: number): void
  restartBackoff: Backoff
  pullBackoff: Backoff
  probe: ProbeExecutor
  ensurePause?: () => Promise<void>
  /** Cluster DNS, for the pods' resolv.conf; absent, the runtime's default applies. */
  dns?: ClusterDNS
  /** Service-account tokens for projected volumes; absent, token sources are left out. */
  tokens?: TokenProvider
  /** Records a startup milestone of this worker's pod (see startup-trace.ts); the first of each name counts. */
  trace?: (name: string) => void
  log: (msg: string) => void
}

/** What the container steps of one sync share, and what they report back (waiting reasons, retry delays). */
export interface SyncContext {
  pod: Pod
  uid: string
  sandboxID: string
  /** Settles once the sandbox runs (containers join its network namespace). */
  sandboxReady: Promise<ContainerInfo>
  /** Volume name → path on the node. */
  volumes: Map<string, string>
  readOnly: Set<string>
  facts: PodRuntimeFacts
  waiting: Map<string, WaitingReason>
  /** Milliseconds after which something waiting may succeed; the soonest requeues the pod. */
  delays: number[]
}

const MIN_GRACE_SECONDS = 2

/** Creates a container; a leftover of an earlier attempt holding the name is removed and the create retried once. */
export async function createReplacingLeftover(runtime: ContainerRuntime, req: CreateRequest): Promise<string> {
  try {
    return await runtime.create(req)
  } catch (err) {
    if ((err as {statusCode?: number})?.statusCode !== 409) throw err
    await runtime.remove(req.name)
    return runtime.create(req)
  }
}

/** Pulls (per policy), resolves env, creates and starts one container instance; true when the runtime changed. */
export async function startContainer(d: WorkerDeps, ctx: SyncContext, c: Container, type: 'init' | 'app', restartCount: number, prune: string[]): Promise<boolean> {
  const {pod} = ctx
  d.trace?.('imageCheck')
  if (!(await ensureImage(d, ctx, c))) return false
  d.trace?.('imageReady')
  let env: Map<string, string>
  try {
    env = resolveEnv(pod, c, d.lookup, ctx.facts)
    // Checked before each create against the image's user, as the kubelet does (the image may have changed).
    if (effectiveNonRoot(pod, c)) verifyRunAsNonRoot(pod, c, await d.runtime.imageUser?.(c.image ?? ''))
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    ctx.waiting.set(c.name, {reason: 'CreateContainerConfigError', message: err.message})
    d.event(pod, 'Warning', 'Failed', `Error: ${err.message}`)
    ctx.delays.push(10_000)
    return false
  }
  const req = containerRequest(pod, c, {sandboxID: ctx.sandboxID, type, restartCount, env, volumes: ctx.volumes, readOnlyVolumes: ctx.readOnly, hostNetwork: pod.spec?.hostNetwork})
  let id: string
  d.trace?.('create')
  try {
    id = await createReplacingLeftover(d.runtime, req)
  } catch (err) {
    const msg = errorText(err)
    ctx.waiting.set(c.name, {reason: 'CreateContainerError', message: msg})
    d.event(pod, 'Warning', 'Failed', `Error: ${msg}`)
    ctx.delays.push(10_000)
    return false
  }
  d.trace?.('created')
  d.event(pod, 'Normal', 'Created', `Created container: ${c.name}`)
  // A container joins the sandbox's network namespace, which exists only once the sandbox runs.
  await ctx.sandboxReady
  d.trace?.('start')
  // Older instances beyond the one that becomes lastState are of no further use.
  for (const old of prune) void d.runtime.remove(old).catch(() => {})
  try {
    await d.runtime.start(id)
  } catch (err) {
    d.event(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${errorText(err)}`)
    return true
  }
  d.trace?.('started')
  d.event(pod, 'Normal', 'Started', `Started container ${c.name}`)
  if (c.lifecycle?.postStart) {
    const hook = await runHook(d, c.lifecycle.postStart, id, (await ctx.sandboxReady).ip ?? '', c, 30_000)
    if (!hook.ok) {
      d.event(pod, 'Warning', 'FailedPostStartHook', hook.message ?? 'PostStartHook failed')
      await d.runtime.stop(id, graceSeconds(pod))
    }
  }
  return true
}

/** True when the container must run as non-root (its own or the pod's runAsNonRoot). */
function effectiveNonRoot(pod: Pod, c: Container): boolean {
  return (c.securityContext?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot) === true
}

/** Makes sure the container's image is present per imagePullPolicy; false (with a waiting reason) when it is not. */
async function ensureImage(d: WorkerDeps, ctx: SyncContext, c: Container): Promise<boolean> {
  const {pod} = ctx
  const image = c.image ?? ''
  const key = `${ctx.uid}/${image}`
  const present = !!(await d.runtime.imageID(image))
  const step = planImage(c, present, d.pullBackoff.remaining(key, d.clock.now()))
  switch (step.action) {
    case 'present':
      d.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`)
      return true
    case 'neverPull': {
      const msg = `Container image "${image}" is not present with pull policy of Never`
      ctx.waiting.set(c.name, {reason: 'ErrImageNeverPull', message: msg})
      d.event(pod, 'Warning', 'ErrImageNeverPull', msg)
      d.event(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull')
      return false
    }
    case 'backOff':
      ctx.waiting.set(c.name, {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"`})
      d.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`)
      d.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff')
      ctx.delays.push(step.retryInMs)
      return false
    case 'pull':
      break
  }
  d.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`)
  const t0 = d.clock.now()
  try {
    await d.runtime.pullImage(image)
  } catch (err) {
    d.pullBackoff.next(key, d.clock.now())
    const msg = errorText(err)
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

/** Kills a running container: preStop hook (within the grace period), then the stop signal, then SIGKILL when the rest of the grace period is over. */
export async function killContainer(d: WorkerDeps, pod: Pod, c: Container | undefined, containerID: string, graceSeconds: number): Promise<void> {
  let grace = graceSeconds
  if (c?.lifecycle?.preStop && grace > 0) {
    const t0 = d.clock.now()
    const hook = await runHook(d, c.lifecycle.preStop, containerID, pod.status?.podIP ?? '', c, grace * 1000)
    if (!hook.ok) d.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${hook.message ?? ''}`)
    grace -= Math.floor((d.clock.now() - t0) / 1000)
  }
  // As the kubelet: always leave a short window for the signal to be handled, unless deletion was immediate.
  if (graceSeconds > 0) grace = Math.max(grace, MIN_GRACE_SECONDS)
  await d.runtime.stop(containerID, Math.max(0, grace))
}

/** Runs a lifecycle hook (sleep, exec or httpGet) within timeoutMs. */
async function runHook(d: WorkerDeps, hook: Handler, containerID: string, podIP: string, c: Container, timeoutMs: number): Promise<{ok: boolean; message?: string}> {
  if (hook.sleep) {
    await d.clock.sleep(Math.min(timeoutMs, (hook.sleep.seconds ?? 0) * 1000))
    return {ok: true}
  }
  const timeoutSeconds = Math.ceil(timeoutMs / 1000)
  const probe = hook.exec ? {exec: hook.exec, timeoutSeconds} : hook.httpGet ? {httpGet: hook.httpGet, timeoutSeconds} : undefined
  if (!probe) return {ok: true}
  return d.probe(probe, {containerID, podIP, container: c}).catch((err) => ({ok: false, message: String(err?.message ?? err)}))
}
