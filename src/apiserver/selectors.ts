// Label and field selectors for list and watch, compiled into predicates over objects (dotted field paths).
import {labelGetter, parseSelector, requirementsMatch, SelectorError, splitSelectorTerms, type Requirement} from '../api/selectors.js'
import type {KubeObject} from '../api/types.js'
import {errors} from './errors.js'

/** A compiled predicate over objects. */
export type Selector = (obj: KubeObject) => boolean

/** A selector over metadata.labels; throws 400 on bad syntax. */
export function labelSelector(s: string | null): Selector | undefined {
  if (!s) return undefined
  let reqs: Requirement[]
  try {
    reqs = parseSelector(s)
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message)
    throw err
  }
  return obj => requirementsMatch(reqs, labelGetter(obj.metadata.labels))
}

/** Reads a dotted field path, rendering scalars the way field selectors compare them. */
function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return ''
    cur = (cur as Record<string, unknown>)[seg]
  }
  return cur === undefined || cur === null ? '' : typeof cur === 'object' ? JSON.stringify(cur) : String(cur)
}

/** A selector over fields: metadata.name, spec.nodeName, involvedObject.uid, any dotted path. */
export function fieldSelector(s: string | null): Selector | undefined {
  if (!s) return undefined
  const reqs = splitSelectorTerms(s).map((term): Requirement => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term)
    if (!m) throw errors.badRequest(`invalid field selector: ${JSON.stringify(term)}`)
    return {key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3].trim()]}
  })
  return obj => requirementsMatch(reqs, k => fieldValue(obj, k))
}

/** Combines optional selectors into one predicate (undefined when nothing filters). */
export function combine(...sels: Array<Selector | undefined>): Selector | undefined {
  const active = sels.filter((s): s is Selector => Boolean(s))
  if (active.length === 0) return undefined
  return obj => active.every(s => s(obj))
}
