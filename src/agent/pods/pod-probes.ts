// The probe workers of one pod: started for each running container instance with probes, stopped when it goes, with their verdicts.
import type {Container, Pod} from '../../api/types/workloads.js'
import type {Clock} from '../../api/clock.js'
import {type ProbeExecutor, type ProbeKind, ProbeWorker} from './probes.js'
import type {ContainerInfo} from './runtime.js'
import {instancesOf, isSidecar} from './status.js'

/** What the pod's probes report to: Unhealthy events and requests for another sync. */
export interface PodProbeDeps {
  clock: Clock
  probe: ProbeExecutor
  nodeIP: string
  event(type: 'Warning', reason: string, message: string): void
  requeue(): void
}

/** Probe workers and verdicts of one pod, by container instance. */
export class PodProbes {
  /** Readiness probe results by container name; absent means no result yet. */
  readonly ready = new Map<string, boolean>()
  /** Startup probe results by container name; absent means not started yet. */
  readonly started = new Map<string, boolean>()
  /** Containers a liveness/startup probe condemned: id → the kubelet's Killing message. */
  readonly condemned = new Map<string, string>()
  /** Probe workers by container id. */
  private readonly workers = new Map<string, ProbeWorker[]>()

  constructor(private readonly deps: PodProbeDeps) {}

  /** Starts probe workers for running containers that have probes, and stops those of gone instances. */
  reconcile(pod: Pod, containers: ContainerInfo[], sandbox: ContainerInfo): void {
    const live = new Set<string>()
    // Sidecars (restartable init containers) are probed like app containers; other init containers have no probes.
    for (const c of [...(pod.spec?.initContainers ?? []).filter(isSidecar), ...(pod.spec?.containers ?? [])]) {
      const latest = instancesOf(containers, c.name)[0]
      if (!latest || latest.state !== 'running') continue
      if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) continue
      live.add(latest.id)
      if (this.workers.has(latest.id)) continue
      // A new instance starts with fresh results: not ready, not started.
      this.ready.delete(c.name)
      this.started.delete(c.name)
      const podIP = pod.spec?.hostNetwork ? this.deps.nodeIP : sandbox.ip ?? ''
      this.workers.set(latest.id, this.startWorkers(c, latest, podIP))
    }
    for (const [id, workers] of this.workers) {
      if (live.has(id)) continue
      for (const w of workers) w.stop()
      this.workers.delete(id)
      this.condemned.delete(id)
    }
  }

  /** Stops every probe worker of the pod. */
  stopAll(): void {
    for (const workers of this.workers.values()) for (const w of workers) w.stop()
    this.workers.clear()
  }

  private startWorkers(c: Container, instance: ContainerInfo, podIP: string): ProbeWorker[] {
    const d = this.deps
    const target = {containerID: instance.id, podIP, container: c}
    const startedAt = instance.startedAt ? Date.parse(instance.startedAt) : d.clock.now()
    const byKind = new Map<ProbeKind, ProbeWorker>()
    const onResult = (kind: ProbeKind, ok: boolean) => {
      if (kind === 'readiness') this.ready.set(c.name, ok)
      else if (kind === 'startup' && ok) {
        this.started.set(c.name, true)
        byKind.get('liveness')?.enable()
        byKind.get('readiness')?.enable()
      } else if (!ok) {
        const what = kind === 'liveness' ? 'liveness' : 'startup'
        this.condemned.set(instance.id, `Container ${c.name} failed ${what} probe, will be restarted`)
      }
      d.requeue()
    }
    const onFailure = (kind: ProbeKind, message: string) => {
      const title = kind[0].toUpperCase() + kind.slice(1)
      d.event('Warning', 'Unhealthy', `${title} probe failed: ${message}`)
    }
    // Liveness and readiness wait for a startup probe to succeed, when there is one.
    const gated = !!c.startupProbe
    const workers: ProbeWorker[] = []
    for (const [kind, probe] of [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]] as const) {
      if (!probe) continue
      const w = new ProbeWorker(kind, probe, target, startedAt, {clock: d.clock, run: d.probe, onResult, onFailure}, {enabled: kind === 'startup' || !gated})
      byKind.set(kind, w)
      workers.push(w)
    }
    for (const w of workers) w.start()
    return workers
  }
}
