// The store package: the Store interface and its etcd and in-memory implementations.
export * from './types.js'
export * from './keys.js'
export {EtcdStore} from './etcd.js'
export {MemoryStore} from './memory.js'
export {EncryptionTransformer, parseEncryptionConfig, loadEncryptionConfig, type ValueTransformer} from './encryption.js'
