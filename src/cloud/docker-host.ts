// Finds the host Docker engine from inside the control plane and makes the cluster's HostLoadBalancer on it.
import {HostLoadBalancer} from './host-lb.js'

/**
 * The load balancer on the host engine at `socketUrl` (unix:///...). The image and network are the control plane's
 * own (its container is named after the node): the node image holds the load-balancer program, and the cluster
 * network reaches every node. dockerode is loaded here only, so workers never pay for it.
 */
export async function dockerLoadBalancer(opts: {socketUrl: string; cluster: string; nodeName: string; hostAddress: string; log?: (msg: string) => void}): Promise<HostLoadBalancer> {
  const {default: Dockerode} = await import('dockerode')
  const docker = new Dockerode({socketPath: opts.socketUrl.replace(/^unix:\/\//, '')})
  const self = await docker.getContainer(opts.nodeName).inspect()
  const network = Object.keys(self.NetworkSettings?.Networks ?? {})[0]
  if (!network) throw new Error(`container ${opts.nodeName} is on no network`)
  return new HostLoadBalancer({docker, cluster: opts.cluster, network, image: self.Image, hostAddress: opts.hostAddress, log: opts.log})
}
