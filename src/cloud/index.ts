// The cloud controller: LoadBalancer services on the host through one proxy container per cluster.
export {CloudController, type CloudControllerOptions, type LoadBalancerHost} from './controller.js'
export {HostLoadBalancer, LB_CONFIG_FILE, takenPort, type HostLoadBalancerOptions, type PortMap, type WireListener} from './host-lb.js'
export {desiredListeners, isOurLoadBalancer, loadBalancerStatus, portsKey, type Listener} from './lb-config.js'
export {LbProxy, runLoadBalancer, type LbProxyOptions} from './lb-proxy.js'
export {dockerLoadBalancer} from './docker-host.js'
