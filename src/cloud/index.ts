// The cloud controller: LoadBalancer services on the host through one proxy container per cluster.
export {CloudController, type CloudControllerOptions, type LoadBalancerHost} from './controller.js'
export {HostLoadBalancer, takenPort, type HostLoadBalancerOptions, type PortMap} from './host-lb.js'
export {desiredListeners, isOurLoadBalancer, loadBalancerStatus, servesPorts, type Listener} from './lb-config.js'
export {LB_CHAIN, LB_MAIN, LB_POST_CHAIN, lbRestoreInput} from './lb-rules.js'
export {dockerLoadBalancer} from './docker-host.js'
