// Resolves what users type (deploy, pods, deployments.apps, all, pod/web) to discovered resource types and API paths.
import {SkiffError} from '../../errors.js'
import type {ResourceInfo} from './types.js'

/**
 * The resource types a word names: plural, singular, short name or kind (any case), optionally qualified
 * `.group` or `.version.group`, or a category (`all`). Core types win over same-named types in other groups.
 */
export function matchType(word: string, resources: ResourceInfo[]): ResourceInfo[] {
  const w = word.toLowerCase()
  const byName = (name: string, group?: string, version?: string) =>
    resources.filter((r) =>
      (group === undefined || r.group === group) &&
      (version === undefined || r.version === version) &&
      (r.resource === name || r.singular === name || r.kind.toLowerCase() === name || r.shortNames.includes(name)))
  const plain = byName(w)
  if (plain.length) return [plain.find((r) => r.group === '') ?? plain[0]]
  const dot = w.indexOf('.')
  if (dot > 0) {
    const name = w.slice(0, dot)
    const rest = w.slice(dot + 1)
    const qualified = byName(name, rest)
    if (qualified.length) return [qualified[0]]
    const vdot = rest.indexOf('.')
    if (vdot > 0) {
      const versioned = byName(name, rest.slice(vdot + 1), rest.slice(0, vdot))
      if (versioned.length) return [versioned[0]]
    }
  }
  return resources.filter((r) => r.categories.includes(w))
}

/** One type named on the command line and the names given for it (none: every object of the type). */
export interface Target {
  type: string
  names: string[]
}

/**
 * Reads kubectl's ways of naming objects: `TYPE`, `TYPE NAME...`, `TYPE1,TYPE2`, and `TYPE/NAME...`
 * (which cannot be mixed with the others, as in kubectl).
 */
export function parseTargets(args: string[]): Target[] {
  if (!args.length) throw new SkiffError('you must specify the type of resource, e.g. `pods` or `deploy/web`', {exitCode: 2})
  if (args.some((a) => a.includes('/'))) {
    const out: Target[] = []
    for (const a of args) {
      const slash = a.indexOf('/')
      if (slash <= 0 || slash === a.length - 1) throw new SkiffError(`there is no need to give a resource type as a separate argument when using TYPE/NAME: "${a}"`, {exitCode: 2})
      const type = a.slice(0, slash)
      const name = a.slice(slash + 1)
      const t = out.find((x) => x.type === type)
      if (t) t.names.push(name)
      else out.push({type, names: [name]})
    }
    return out
  }
  const [types, ...names] = args
  return types.split(',').filter(Boolean).map((type) => ({type, names}))
}

/** Resolves a word or fails the way kubectl does. */
export function resolveOne(word: string, resources: ResourceInfo[]): ResourceInfo[] {
  const found = matchType(word, resources)
  if (!found.length) throw new SkiffError(`the server doesn't have a resource type "${word}"`, {exitCode: 1})
  return found
}

/** The resource type an object of apiVersion/kind belongs to. */
export function forKind(apiVersion: string, kind: string, resources: ResourceInfo[]): ResourceInfo | undefined {
  const slash = apiVersion.indexOf('/')
  const group = slash < 0 ? '' : apiVersion.slice(0, slash)
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
  const same = resources.filter((r) => r.group === group && r.kind === kind)
  // Discovery lists each group's preferred version; the object's own version is what its path must name.
  return same.length ? {...same[0], version} : undefined
}

/** The path of a collection, an object, or an object's subresource. */
export function resourcePath(r: Pick<ResourceInfo, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string, name?: string, sub?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  return `${base}${ns}/${r.resource}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`
}
