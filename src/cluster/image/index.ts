// The node image: naming and hashing, the components bundle, the base image, and the build.
export * from './base.js'
export * from './build.js'
export * from './bundle.js'
export * from './naming.js'
