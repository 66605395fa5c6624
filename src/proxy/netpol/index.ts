// NetworkPolicy enforcement, part of each node's proxy: filter chains per isolated pod.
export {PolicyEnforcer, type PolicyEnforcerOptions} from './enforcer.js'
export {buildPolicyRules, NP_FORWARD, NP_MARK} from './rules.js'
