// The agent's settings, read from the node container's environment (see src/api/contract.ts).
import {readFileSync} from 'node:fs'
import {ClusterDefaults, clusterRanges, NodeEnv} from '../api/contract.js'
import {addressIn} from '../api/net/cidr.js'
import {NODE_EVICTION_HARD, DEFAULT_PRESSURE_TRANSITION_MS, parseDuration, parseThresholds, type Threshold} from './eviction.js'

/**
 * The agent's optional config file in the node (a subset of the kubelet's KubeletConfiguration fields, as JSON); read
 * at start, so a change takes effect when the agent restarts. $SKIFF_AGENT_CONFIG names another file.
 */
export const AGENT_CONFIG_FILE = '/etc/skiff/agent-config.json'
export const AGENT_CONFIG_ENV = 'SKIFF_AGENT_CONFIG'

/** How the agent turns resource signals into pressure conditions. */
export interface EvictionConfig {
  hard: Threshold[]
  /** How long a pressure condition stays True after its threshold was last met. */
  transitionMs: number
}

/** Who this node is and how it registers. */
export interface AgentConfig {
  nodeName: string
  role: 'control-plane' | 'worker'
  nodeIP: string
  podCIDR?: string
  taintControlPlane: boolean
  /** The node lifecycle controller's grace period (s); the lease is renewed well within it. */
  gracePeriodSeconds?: number
  /** Labels for this node from the cluster config. */
  labels?: Record<string, string>
  /** Taints for this node from the cluster config (set when the Node is created). */
  taints?: {key: string; value?: string; effect: string}[]
  /** The cluster DNS Service's address: the tenth of the service range, as Kubernetes clusters set it up. */
  clusterDNS: string
  clusterDomain: string
  /** Hard eviction thresholds and the pressure transition period (kubelet defaults unless the config file says otherwise). */
  eviction?: EvictionConfig
}

/**
 * The eviction settings from a parsed config file: evictionHard replaces the defaults (as the kubelet's does) unless
 * mergeDefaultEvictionSettings is true; evictionPressureTransitionPeriod is a Go duration ("30s", "5m0s").
 */
export function evictionConfig(file: Record<string, unknown> = {}): EvictionConfig {
  const hard = file.evictionHard
  if (hard !== undefined && (typeof hard !== 'object' || hard === null || Array.isArray(hard))) throw new Error('evictionHard must be an object of signal to threshold, e.g. {"memory.available": "100Mi"}')
  const merged = hard === undefined ? NODE_EVICTION_HARD : file.mergeDefaultEvictionSettings === true ? {...NODE_EVICTION_HARD, ...hard} : hard
  const period = file.evictionPressureTransitionPeriod
  if (period !== undefined && typeof period !== 'string') throw new Error('evictionPressureTransitionPeriod must be a duration string such as "30s"')
  return {hard: parseThresholds(merged as Record<string, unknown>), transitionMs: period === undefined ? DEFAULT_PRESSURE_TRANSITION_MS : parseDuration(period)}
}

/** Reads the config file at path: {} when there is none; throws naming the file when it is not a JSON object or invalid. */
export function readAgentConfigFile(path: string, read: (p: string) => string | undefined = readOrUndefined): {eviction: EvictionConfig} {
  const text = read(path)
  if (text === undefined || !text.trim()) return {eviction: evictionConfig()}
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object')
    return {eviction: evictionConfig(parsed as Record<string, unknown>)}
  } catch (err) {
    throw new Error(`agent config ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Parses the node labels the CLI passes as a JSON object of strings; throws on anything else. */
export function parseNodeLabels(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`environment variable ${NodeEnv.nodeLabels} must be a JSON object of strings, got ${text}`)
  }
  return parsed as Record<string, string>
}

/** Parses the node taints the CLI passes as a JSON list of {key, value?, effect}; throws on anything else. */
export function parseNodeTaints(text: string | undefined): {key: string; value?: string; effect: string}[] | undefined {
  if (!text) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const ok = Array.isArray(parsed) && parsed.every((t) => typeof t === 'object' && t !== null && typeof t.key === 'string' && typeof t.effect === 'string' && (t.value === undefined || typeof t.value === 'string'))
  if (!ok) throw new Error(`environment variable ${NodeEnv.nodeTaints} must be a JSON list of {key, value, effect}, got ${text}`)
  return parsed as {key: string; value?: string; effect: string}[]
}

/** Reads AgentConfig from env; throws naming the first missing variable. */
export function agentConfigFromEnv(env: NodeJS.ProcessEnv, role: 'control-plane' | 'worker'): AgentConfig {
  const need = (name: string) => {
    const v = env[name]
    if (!v) throw new Error(`environment variable ${name} is not set`)
    return v
  }
  return {
    nodeName: need(NodeEnv.nodeName),
    role,
    nodeIP: need(NodeEnv.nodeIP),
    podCIDR: env[NodeEnv.podCIDR] || undefined,
    taintControlPlane: env[NodeEnv.taintControlPlane] === 'true',
    gracePeriodSeconds: Number(env[NodeEnv.nodeGracePeriod]) > 0 ? Number(env[NodeEnv.nodeGracePeriod]) : undefined,
    labels: parseNodeLabels(env[NodeEnv.nodeLabels]),
    taints: parseNodeTaints(env[NodeEnv.nodeTaints]),
    clusterDNS: addressIn(clusterRanges(env).serviceCIDR, 10),
    clusterDomain: env[NodeEnv.clusterDomain] || ClusterDefaults.domain,
    ...readAgentConfigFile(env[AGENT_CONFIG_ENV] || AGENT_CONFIG_FILE),
  }
}
