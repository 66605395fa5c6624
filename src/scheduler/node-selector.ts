// The scheduler's view of node selector and affinity matching, which lives in src/api so the DaemonSet controller shares it.
export * from '../api/node-selection.js'
