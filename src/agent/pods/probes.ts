// Liveness, readiness and startup probes (exec, httpGet, tcpSocket) and the timing loop that turns results into thresholds.
import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import type {Clock, TimerHandle} from '../../api/clock.js'
import type {Container, HTTPGetAction, Probe} from '../../api/types/workloads.js'
import type {ExecResult} from './runtime.js'

/** Which probe. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup'

/** Outcome of one probe run: success, or failure with the kubelet's message. */
export interface ProbeOutcome {
  ok: boolean
  message?: string
}

/** What a probe needs to reach its container. */
export interface ProbeTarget {
  containerID: string
  podIP: string
  container: Pick<Container, 'ports'>
}

/** Runs one probe of a container (exec through the runtime, HTTP and TCP from the node to the pod IP). */
export type ProbeExecutor = (probe: Probe, target: ProbeTarget) => Promise<ProbeOutcome>

/** A container port given by number or by name. */
export function resolvePort(port: unknown, container: Pick<Container, 'ports'> | undefined): number | undefined {
  if (typeof port === 'number') return port
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port)
  const named = (container?.ports ?? []).find((p) => p.name === port)
  return named?.containerPort
}

/** The default executor: exec via execIn, HTTP/TCP over the node's network. */
export function probeExecutor(execIn: (id: string, cmd: string[], timeoutMs: number) => Promise<ExecResult>): ProbeExecutor {
  return async (probe, target) => {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
    if (probe.exec) {
      const cmd = probe.exec.command ?? []
      const r = await execIn(target.containerID, cmd, timeoutMs)
      if (r.timedOut) return {ok: false, message: `command ${JSON.stringify(cmd.join(' '))} timed out`}
      if (r.exitCode === 0) return {ok: true}
      return {ok: false, message: r.output.trim() || `command ${JSON.stringify(cmd.join(' '))} exited with ${r.exitCode}`}
    }
    if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs)
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, target.container)
      return tcpProbe(probe.tcpSocket.host || target.podIP, port ?? 0, timeoutMs)
    }
    if (probe.grpc) {
      // No gRPC health client in the agent: a listening port is the best available signal.
      return tcpProbe(target.podIP, probe.grpc.port, timeoutMs)
    }
    return {ok: true}
  }
}

function httpProbe(hg: HTTPGetAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(hg.port, target.container) ?? 80
  const scheme = String(hg.scheme ?? 'HTTP').toLowerCase()
  const host = hg.host || target.podIP
  let p = hg.path ?? '/'
  if (!p.startsWith('/')) p = `/${p}`
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${p}`
  const headers: Record<string, string> = {'User-Agent': 'kube-probe/1.32', Accept: '*/*'}
  for (const h of hg.httpHeaders ?? []) headers[h.name] = h.value
  return new Promise((resolve) => {
    const lib = scheme === 'https' ? https : http
    let settled = false
    const done = (o: ProbeOutcome) => {
      if (!settled) {
        settled = true
        resolve(o)
      }
    }
    const req = lib.request(url, {method: 'GET', headers, rejectUnauthorized: false, agent: false} as https.RequestOptions, (res) => {
      res.resume()
      const code = res.statusCode ?? 0
      if (code >= 200 && code < 400) done({ok: true})
      else done({ok: false, message: `HTTP probe failed with statuscode: ${code}`})
    })
    req.setTimeout(timeoutMs, () => {
      done({ok: false, message: `Get ${JSON.stringify(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`})
      req.destroy()
    })
    req.on('error', (err) => done({ok: false, message: `Get ${JSON.stringify(url)}: ${dialError(host, port, err)}`}))
    req.end()
  })
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err?.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`
  if (err?.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`
  return err?.message ?? String(err)
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = net.connect({host, port})
    const done = (o: ProbeOutcome) => {
      sock.destroy()
      resolve(o)
    }
    sock.setTimeout(timeoutMs, () => done({ok: false, message: `dial tcp ${host}:${port}: i/o timeout`}))
    sock.on('connect', () => done({ok: true}))
    sock.on('error', (err) => done({ok: false, message: dialError(host, port, err)}))
  })
}

/** Timing fields of a probe with the API's defaults. */
export function probeTiming(probe: Probe): {initialDelayMs: number; periodMs: number; successThreshold: number; failureThreshold: number} {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  }
}

/**
 * Probes one container instance periodically, as the kubelet's probe worker: nothing before initialDelaySeconds
 * after the container started, then every periodSeconds; the result flips after successThreshold successes or
 * failureThreshold failures in a row. Liveness and startup start as success/unknown, readiness as failure.
 * onResult is called when the thresholded result changes; onFailure on every failed run (for Unhealthy events).
 */
export class ProbeWorker {
  private timer?: TimerHandle
  private stopped = false
  private result: boolean | undefined
  private successes = 0
  private failures = 0
  private readonly timing: ReturnType<typeof probeTiming>
  /** False while a liveness/readiness worker waits for the startup probe. */
  private enabled: boolean

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly target: ProbeTarget,
    private readonly startedAtMs: number,
    private readonly deps: {clock: Clock; run: ProbeExecutor; onResult(kind: ProbeKind, ok: boolean): void; onFailure(kind: ProbeKind, message: string): void},
    opts: {enabled?: boolean} = {},
  ) {
    this.timing = probeTiming(probe)
    this.enabled = opts.enabled ?? true
    this.result = kind === 'readiness' ? false : kind === 'liveness' ? true : undefined
  }

  /** Current thresholded result (undefined: startup not yet decided). */
  get current(): boolean | undefined {
    return this.result
  }

  /** Starts probing: at once if the initial delay has passed, otherwise when it does. */
  start(): void {
    const wait = Math.max(0, this.startedAtMs + this.timing.initialDelayMs - this.deps.clock.now())
    this.schedule(wait)
  }

  /** Lets a worker that waited for the startup probe begin. */
  enable(): void {
    if (this.enabled) return
    this.enabled = true
    this.timer?.cancel()
    this.schedule(Math.max(0, this.startedAtMs + this.timing.initialDelayMs - this.deps.clock.now()))
  }

  stop(): void {
    this.stopped = true
    this.timer?.cancel()
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = this.deps.clock.setTimer(ms, () => void this.tick())
  }

  private async tick(): Promise<void> {
    if (this.stopped) return
    if (this.enabled) {
      let outcome: ProbeOutcome
      try {
        outcome = await this.deps.run(this.probe, this.target)
      } catch (err) {
        outcome = {ok: false, message: (err as Error)?.message ?? String(err)}
      }
      if (this.stopped) return
      this.record(outcome)
      // A startup probe is done once it succeeded; a liveness probe that killed its container is done too.
      if (this.kind === 'startup' && this.result === true) return
      if (this.kind !== 'readiness' && this.result === false) return
    }
    this.schedule(this.timing.periodMs)
  }

  private record(o: ProbeOutcome): void {
    if (o.ok) {
      this.failures = 0
      this.successes++
      if (this.result !== true && this.successes >= this.timing.successThreshold) this.set(true)
    } else {
      this.successes = 0
      this.failures++
      this.deps.onFailure(this.kind, o.message ?? '')
      if (this.result !== false && this.failures >= this.timing.failureThreshold) this.set(false)
    }
  }

  private set(ok: boolean): void {
    this.result = ok
    this.deps.onResult(this.kind, ok)
  }
}
