// The admission chain: plugin shapes, the two phases, and the built-in plugins.
export * from './types.js'
export * from './chain.js'
export {namespaceLifecycle} from './namespace-lifecycle.js'
export {podSecurity} from './pod-security/plugin.js'
export {webhookAdmission} from './webhook/plugin.js'
export {policyAdmission} from './policy/plugin.js'
