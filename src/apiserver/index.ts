// The apiserver entry point: start an HTTPS Kubernetes API over a Store.
export {startApiServer, type RunningApiServer} from './start.js'
export {DEFAULT_SERVICE_CIDR, type ApiServerOptions} from './server.js'
export {ServiceAccountTokens} from './serviceaccount/tokens.js'
export {clusterAccess, type ClusterAccess} from './authz/cluster.js'
export {serviceAccountAdmission} from './admission/service-account.js'
