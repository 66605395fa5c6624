// The scheduler's view of taint and toleration matching, which lives in src/api so the DaemonSet controller shares it.
export * from '../api/taints.js'
