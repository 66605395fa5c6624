// Re-export of the shared clock (src/api/clock.ts) for importers not yet moved to it.
export * from '../api/clock.js'
