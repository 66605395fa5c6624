// The apiserver entry point: start an HTTPS Kubernetes API over a Store.
export {startApiServer, type RunningApiServer} from './start.js'
export type {ApiServerOptions} from './server.js'
