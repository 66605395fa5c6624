// Hard eviction thresholds and the node pressure conditions they imply, as the kubelet's eviction manager computes them.
import {parseQuantity, quantityValue} from '../api/quantity.js'

/** The eviction signals the agent observes (the kubelet's names). */
export const EVICTION_SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const
export type EvictionSignal = (typeof EVICTION_SIGNALS)[number]

/** The node conditions a signal under its threshold raises. */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure'
export const PRESSURE_CONDITIONS: readonly PressureCondition[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure']

const CONDITION_OF: Record<EvictionSignal, PressureCondition> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
}

/** The kubelet's default evictionHard (Linux); no PID threshold by default. */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'imagefs.available': '15%',
  'nodefs.inodesFree': '5%',
}

/**
 * What skiff's agents use unless their config file says otherwise: the kubelet's memory threshold, and no disk
 * thresholds, as kind does. Every node shares the host's disk, so a laptop at 85% would otherwise put every node
 * under DiskPressure and leave every new pod Pending.
 */
export const NODE_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': DEFAULT_EVICTION_HARD['memory.available'],
}

/**
 * The kubelet waits 5 minutes (evictionPressureTransitionPeriod) before a pressure condition turns False again; skiff
 * nodes live minutes to hours, so the agent waits 30 s unless its config file says otherwise.
 */
export const DEFAULT_PRESSURE_TRANSITION_MS = 30_000

/** One threshold: the signal is under pressure when its available amount is below an amount or a share of capacity. */
export interface Threshold {
  signal: EvictionSignal
  /** Bytes (or inodes, pids) when given as a quantity. */
  quantity?: number
  /** Fraction of capacity (0..1) when given as a percentage. */
  fraction?: number
  /** The value as written ("100Mi", "10%"), for logs. */
  text: string
}

const isSignal = (s: string): s is EvictionSignal => (EVICTION_SIGNALS as readonly string[]).includes(s)

/**
 * Parses an evictionHard map ({"memory.available": "100Mi", "nodefs.available": "10%"}). As the kubelet: "0%" and
 * "100%" turn a signal off, so does an empty value; negative values and unknown signals are errors.
 */
export function parseThresholds(map: Record<string, unknown>): Threshold[] {
  const out: Threshold[] = []
  for (const [signal, raw] of Object.entries(map)) {
    if (!isSignal(signal)) throw new Error(`unsupported eviction signal ${JSON.stringify(signal)} (supported: ${EVICTION_SIGNALS.join(', ')})`)
    if (typeof raw !== 'string') throw new Error(`eviction threshold for ${signal} must be a string such as "100Mi" or "10%", got ${JSON.stringify(raw)}`)
    const text = raw.trim()
    if (!text) continue
    if (text.endsWith('%')) {
      const pct = Number(text.slice(0, -1))
      if (!Number.isFinite(pct) || text.slice(0, -1).trim() === '' || pct < 0 || pct > 100) throw new Error(`eviction threshold for ${signal} has an invalid percentage ${JSON.stringify(text)} (0% to 100%)`)
      if (pct === 0 || pct === 100) continue
      out.push({signal, fraction: pct / 100, text})
      continue
    }
    let negative: boolean
    try {
      negative = parseQuantity(text).negative
    } catch {
      throw new Error(`eviction threshold for ${signal} is not a quantity or percentage: ${JSON.stringify(text)}`)
    }
    if (negative) throw new Error(`eviction threshold for ${signal} cannot be negative: ${text}`)
    const quantity = quantityValue(text)
    if (quantity === 0) continue
    out.push({signal, quantity, text})
  }
  return out
}

/** What the sampler saw of one signal: how much is left and out of how much. */
export interface Observation {
  available: number
  capacity: number
}

/** One sample of every signal that could be read; a missing one (no such filesystem) raises no pressure. */
export type Observations = Partial<Record<EvictionSignal, Observation>>

/** Whether obs is under threshold t: the kubelet's "threshold > available", a share taken of the observed capacity. */
export function thresholdMet(t: Threshold, obs: Observation | undefined): boolean {
  if (!obs) return false
  const limit = t.quantity ?? Math.round((t.fraction ?? 0) * obs.capacity)
  return limit > obs.available
}

/** The thresholds the observations meet now. */
export function thresholdsMet(thresholds: readonly Threshold[], observations: Observations): Threshold[] {
  return thresholds.filter((t) => thresholdMet(t, observations[t.signal]))
}

/** The pressure conditions a set of thresholds raise. */
export function conditionsOf(met: readonly Threshold[]): Set<PressureCondition> {
  return new Set(met.map((t) => CONDITION_OF[t.signal]))
}

/**
 * Remembers when each pressure condition was last observed and keeps it on for the transition period after the last
 * observation, so a node hovering around a threshold does not flap (the kubelet's nodeConditionsObservedSince).
 */
export class PressureTracker {
  private readonly lastObserved = new Map<PressureCondition, number>()
  private met: Threshold[] = []

  constructor(
    private readonly thresholds: readonly Threshold[],
    private readonly transitionMs: number = DEFAULT_PRESSURE_TRANSITION_MS,
  ) {}

  /** Records a sample taken at nowMs and returns the conditions that are on. */
  observe(observations: Observations, nowMs: number): Set<PressureCondition> {
    this.met = thresholdsMet(this.thresholds, observations)
    for (const c of conditionsOf(this.met)) this.lastObserved.set(c, nowMs)
    return this.active(nowMs)
  }

  /** The conditions on at nowMs: observed now, or less than the transition period ago. */
  active(nowMs: number): Set<PressureCondition> {
    const on = new Set<PressureCondition>()
    for (const [c, at] of this.lastObserved) {
      if (nowMs - at < this.transitionMs || conditionsOf(this.met).has(c)) on.add(c)
    }
    return on
  }

  /** The thresholds met by the last sample (for logs). */
  lastMet(): readonly Threshold[] {
    return this.met
  }
}

/** Parses a Go duration ("5m0s", "30s", "1m30s", "500ms", "0"); throws on anything else. */
export function parseDuration(text: string): number {
  const t = text.trim()
  if (t === '0') return 0
  const unit: Record<string, number> = {ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y
  let ms = 0
  let pos = 0
  while (pos < t.length) {
    re.lastIndex = pos
    const m = re.exec(t)
    if (!m) throw new Error(`invalid duration ${JSON.stringify(text)} (expected e.g. "30s", "5m0s")`)
    ms += Number(m[1]) * unit[m[2]]
    pos = re.lastIndex
  }
  if (!t) throw new Error('invalid duration ""')
  return ms
}
