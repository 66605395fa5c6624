// Cluster DNS: the zone, upstream forwarding, and the per-node server.
export * from './forward.js'
export * from './server.js'
export * from './zone.js'
