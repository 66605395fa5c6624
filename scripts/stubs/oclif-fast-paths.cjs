// Cheap stand-ins for three things oclif does at every start, used in the CLI bundle (scripts/bundle-cli.mjs): each gives the same answer as the call it replaces, and falls back to that call when it cannot be sure.
'use strict'

/** Ids of lowercase ASCII letters, `:` and `-`: ICU's root collation orders these by code unit. */
const SIMPLE_ID = /^[a-z:-]*$/

/**
 * The locale ICU's default collator follows (what localeCompare uses): Node's ICU reads it from the environment.
 * Root-like locales (unset, C, POSIX, English) do not reorder ASCII letters; some others do (Estonian puts z after s).
 */
function rootLikeLocale() {
  const locale = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || ''
  return locale === '' || /^(C|POSIX|en)([._@-]|$)/.test(locale)
}

/**
 * a.localeCompare(b) for command ids. Why: the first localeCompare of a process builds ICU's collator, about 5 ms,
 * and oclif sorts each plugin's commands with it on every start.
 */
function compareIds(a, b) {
  if (SIMPLE_ID.test(a) && SIMPLE_ID.test(b) && rootLikeLocale()) return a < b ? -1 : a > b ? 1 : 0
  return a.localeCompare(b)
}

/**
 * semver.satisfies(version, range) for the plain `>=X.Y.Z` of package.json engines. Why: oclif checks the engines
 * range at load, and evaluating semver's ~50 modules for it costs about 3 ms.
 */
function satisfies(version, range) {
  const min = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim())
  const have = /^(\d+)\.(\d+)\.(\d+)$/.exec(version)
  if (!min || !have) return require('semver').satisfies(version, range)
  for (let i = 1; i <= 3; i++) {
    const d = Number(have[i]) - Number(min[i] ?? 0)
    if (d !== 0) return d > 0
  }
  return true
}

/**
 * minimatch(name, pattern) for matching package names against oclif.plugins. Why: oclif compiles each pattern
 * once per dependency (a dozen Minimatch objects, about 2 ms); a pattern without glob characters matches only itself.
 */
function matchesPackage(name, pattern) {
  if (/^[@a-z0-9._/-]+$/i.test(pattern) && !pattern.includes('@(')) return name === pattern
  return require('minimatch').minimatch(name, pattern)
}

module.exports = {compareIds, satisfies, matchesPackage}
