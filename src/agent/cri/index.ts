// The agent's CRI side: gRPC client for containerd's CRI plugin, message definitions, CNI config and the pause image.
export * from './client.js'
export * from './cni.js'
export * from './pause.js'
export * from './proto.js'
export type * from './types.js'
export * from './probe.js'
export * from './translate.js'
