// The admission chain: plugin shapes and the two phases.
export * from './types.js'
export * from './chain.js'
