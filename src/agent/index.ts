// The node agent package: registration, heartbeats and the pure builders behind them.
export * from './agent.js'
export * from './capacity.js'
export * from './config.js'
export * from './runtime-probe.js'
export * from './host-info.js'
export * from './node-object.js'
