// The service proxy: rules from Services and EndpointSlices, applied with iptables-restore.
export * from './proxy.js'
export * from './restore.js'
export * from './rules.js'
