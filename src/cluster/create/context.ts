// The typed context every cluster-creation action reads and fills in.
import type {ClusterConfig} from '../../config/types.js'
import type {ClusterPKI} from '../pki.js'
import type {ClusterPlan} from '../plan.js'
import type {Provider, SecurityMode} from '../provider.js'

/** Options of one `cluster create`. */
export interface CreateOptions {
  wait: boolean
  timeoutMs: number
  retain: boolean
  kubeconfigPath: string
  switchContext: boolean
  /** Rebuild the node image even when it exists. */
  rebuildImage?: boolean
}

/** State shared by the creation actions, filled in as they run. */
export interface CreateContext {
  config: ClusterConfig
  opts: CreateOptions
  provider: Provider
  startedAt: number
  /** Milliseconds since start at which each milestone was reached. */
  milestones: Record<string, number>
  image?: string
  imageBuilt?: boolean
  plan?: ClusterPlan
  pki?: ClusterPKI
  apiServerPort?: number
  /** Host ports of the Ingress controller's HTTP and HTTPS listeners. */
  ingressPorts?: {http: number; https: number}
  /** The host Docker engine's unix socket, mounted into the control plane for the cloud controller. */
  hostDockerSocket?: string
  securityMode?: SecurityMode
  /** Set once anything was made, so a failure knows to clean up. */
  madeSomething?: boolean
}

/** Records how long after the start a milestone was reached. */
export function mark(ctx: CreateContext, milestone: string): void {
  ctx.milestones[milestone] = Date.now() - ctx.startedAt
}
