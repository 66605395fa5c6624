// The controller manager package: the manager, the registry and the controller contract.
export * from './manager.js'
export * from './registry.js'
export * from './types.js'
export * from './nodelifecycle/controller.js'
export * from './replicaset/controller.js'
export * from './deployment/controller.js'
export * from './garbagecollector/controller.js'
export * from './namespace/controller.js'
