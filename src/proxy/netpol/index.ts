// NetworkPolicy enforcement, part of each node's proxy: filter chains per isolated pod, kept in step with the API.
export {BRIDGE_NF_CALL_IPTABLES, POLICY_JUMPS, PolicyEnforcer, type PolicyEnforcerOptions, type Sysctl} from './enforcer.js'
export {buildPolicyRules, NP_FORWARD, NP_MARK, NP_PREFIX} from './rules.js'
