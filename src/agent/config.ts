// The agent's settings, read from the node container's environment (see src/api/contract.ts).
import {NodeEnv} from '../api/contract.js'

/** Who this node is and how it registers. */
export interface AgentConfig {
  nodeName: string
  role: 'control-plane' | 'worker'
  nodeIP: string
  podCIDR?: string
  taintControlPlane: boolean
  /** The node lifecycle controller's grace period (s); the lease is renewed well within it. */
  gracePeriodSeconds?: number
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
  }
}
