// The controller manager package: the manager, the registry and the controller contract.
export * from './manager.js'
export * from './registry.js'
export * from './types.js'
export * from './nodelifecycle/controller.js'
