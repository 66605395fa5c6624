// The built-in Ingress controller (HTTP routing by host and path, TLS from Secrets), run on the control plane.
export {IngressController, type IngressControllerOptions} from './controller.js'
export {IngressProxy} from './proxy.js'
export {buildRoutes, isOurIngress, match, tlsFor, type Backend, type RouteTable, type TlsEntry} from './routes.js'
