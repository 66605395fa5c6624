// The node's health as the agent posts it: pressure conditions from sampled eviction signals, and the pod network's state.
import type {Clock} from '../api/clock.js'
import {formatBytes} from './capacity.js'
import type {EvictionConfig} from './config.js'
import {DEFAULT_EVICTION_HARD, DEFAULT_PRESSURE_TRANSITION_MS, type Observations, parseThresholds, type PressureCondition, PressureTracker, type Threshold} from './eviction.js'
import type {NodeHealthState} from './node-object.js'
import {quantityValue} from '../api/quantity.js'
import type {AgentConfig} from './config.js'
import {configuredPodCIDR} from './cri/cni.js'
import {sampleSignals} from './signals.js'

/** How often signals are sampled: the kubelet's eviction monitoring interval (10 s). */
export const HEALTH_SAMPLE_MS = 10_000

/** Dependencies of NodeHealth; without sample no pressure is ever reported, without network no NetworkUnavailable. */
export interface NodeHealthOptions {
  eviction?: EvictionConfig
  sample?: () => Promise<Observations>
  /** The pod range the node's CNI config serves (undefined when there is none). */
  network?: () => Promise<string | undefined>
  /** The range the Node asks for, as known at start. */
  podCIDR?: string
  clock: Clock
  log?: (msg: string) => void
  intervalMs?: number
}

const describeMet = (t: Threshold, obs: Observations) => {
  const o = obs[t.signal]
  const fmt = (n: number) => (t.signal.endsWith('inodesFree') || t.signal === 'pid.available' ? String(n) : formatBytes(n))
  return o ? `${t.signal} ${fmt(o.available)} < ${t.text}${t.fraction !== undefined ? ` of ${fmt(o.capacity)}` : ''}` : t.signal
}

/** Samples the node's signals and pod network and says when what the agent posts should change. */
export class NodeHealth {
  private readonly tracker: PressureTracker
  private readonly log: (msg: string) => void
  private pressure = new Set<PressureCondition>()
  private configured?: string
  private podCIDR?: string
  /** The state the last refresh returned, so a change made between refreshes (setPodCIDR) is reported by the next. */
  private lastKey = ''

  constructor(private readonly opts: NodeHealthOptions) {
    const eviction = opts.eviction ?? {hard: parseThresholds(DEFAULT_EVICTION_HARD), transitionMs: DEFAULT_PRESSURE_TRANSITION_MS}
    this.tracker = new PressureTracker(eviction.hard, eviction.transitionMs)
    this.log = opts.log ?? (() => {})
    this.podCIDR = opts.podCIDR
    this.lastKey = this.key()
  }

  /** What buildNodeStatus needs from the last refresh. */
  state(): Omit<NodeHealthState, 'runtimeDown'> {
    return {pressure: new Set(this.pressure), ...(this.opts.network ? {network: {podCIDR: this.podCIDR, configured: this.configured}} : {})}
  }

  /** The Node's spec.podCIDR changed (or became known); refresh() tells whether the network now serves it. */
  setPodCIDR(cidr: string): void {
    this.podCIDR = cidr
  }

  /** Samples once; returns true when the conditions to post changed since the last refresh. A failing sampler changes nothing. */
  async refresh(): Promise<boolean> {
    if (this.opts.sample) {
      try {
        const observations = await this.opts.sample()
        const on = this.tracker.observe(observations, this.opts.clock.now())
        for (const c of on) if (!this.pressure.has(c)) this.log(`${c} on: ${this.tracker.lastMet().map((t) => describeMet(t, observations)).join(', ') || 'within the transition period'}`)
        for (const c of this.pressure) if (!on.has(c)) this.log(`${c} off: no threshold met for the transition period`)
        this.pressure = on
      } catch (err) {
        this.log(`sampling eviction signals failed: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    if (this.opts.network) this.configured = await this.opts.network().catch(() => this.configured)
    const key = this.key()
    const changed = key !== this.lastKey
    this.lastKey = key
    return changed
  }

  /** Samples every interval until signal aborts, calling onChange when the conditions to post changed. */
  async run(signal: AbortSignal, onChange: () => Promise<void>): Promise<void> {
    if (!this.opts.sample && !this.opts.network) return
    const interval = this.opts.intervalMs ?? HEALTH_SAMPLE_MS
    while (!signal.aborted) {
      await this.opts.clock.sleep(interval, signal)
      if (signal.aborted) return
      if (await this.refresh()) await onChange().catch((err) => this.log(`status update failed: ${err?.message ?? err}`))
    }
  }

  private key(): string {
    return JSON.stringify([[...this.pressure].sort(), this.podCIDR, this.configured])
  }
}

/** How the agent's options choose its health sources (see AgentOptions.signals and podNetwork). */
export interface AgentHealthChoice {
  config: AgentConfig
  signals?: false | (() => Promise<Observations>)
  /** The agent was given a made-up capacity (a test): real signals cannot be measured against it. */
  fakeCapacity: boolean
  /** The memory capacity the Node reports (a Quantity). */
  memory?: string
  /** Whether the agent runs pods, so manages a pod network. */
  runsPods: boolean
  podNetwork?: () => Promise<string | undefined>
  clock: Clock
  log?: (msg: string) => void
  intervalMs?: number
}

/** The agent's NodeHealth: the real node's signals unless told otherwise, the CNI config's range when it runs pods. */
export function agentHealth(c: AgentHealthChoice): NodeHealth {
  let sample = c.signals || undefined
  if (c.signals === undefined && !c.fakeCapacity) {
    const memoryCapacity = quantityValue(c.memory ?? '0')
    sample = () => sampleSignals({memoryCapacity})
  }
  const network = c.runsPods ? (c.podNetwork ?? (() => configuredPodCIDR())) : undefined
  return new NodeHealth({eviction: c.config.eviction, sample, network, podCIDR: c.config.podCIDR, clock: c.clock, log: c.log, intervalMs: c.intervalMs})
}
