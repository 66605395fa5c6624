// Authorization: request attributes, decisions, authorizers, and the 403 of a denial.
export * from './types.js'
export * from './request.js'
