// The admission chain: plugin shapes, the two phases, and the built-in plugins.
export * from './types.js'
export * from './chain.js'
export {namespaceLifecycle} from './namespace-lifecycle.js'
export {podSecurity} from './pod-security/plugin.js'
export {serviceAccountAdmission} from './service-account.js'
export {limitRanger} from './limit-ranger.js'
export {defaultTolerationSeconds} from './default-toleration-seconds.js'
export {resourceQuotaAdmission} from './resource-quota.js'
