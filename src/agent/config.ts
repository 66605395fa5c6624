// The agent's settings, read from the node container's environment (see src/api/contract.ts).
import {ClusterDefaults, clusterRanges, NodeEnv} from '../api/contract.js'
import {addressIn} from '../api/net/cidr.js'

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
  }
}
