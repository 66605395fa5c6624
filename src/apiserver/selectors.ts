// Label and field selectors for list and watch (=, ==, !=, in, notin, exists, !exists; dotted field paths).
import type {KubeObject} from '../api/types.js'
import {errors} from './errors.js'

type Requirement = {key: string; op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists'; values: string[]}

/** A compiled predicate over objects. */
export type Selector = (obj: KubeObject) => boolean

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out.map(t => t.trim()).filter(Boolean)
}

/** Parses a label selector string into requirements; throws 400 on bad syntax. */
export function parseLabelSelector(s: string): Requirement[] {
  return splitTerms(s).map(term => {
    let m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term)
    if (m) return {key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map(v => v.trim()).filter(Boolean)}
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term)
    if (m) return {key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]]}
    m = /^!\s*([^=!\s]+)$/.exec(term)
    if (m) return {key: m[1], op: '!exists', values: []}
    if (/^[^=!\s()]+$/.test(term)) return {key: term, op: 'exists', values: []}
    throw errors.badRequest(`unable to parse requirement: ${JSON.stringify(term)}`)
  })
}

function matches(reqs: Requirement[], get: (key: string) => string | undefined): boolean {
  return reqs.every(r => {
    const v = get(r.key)
    switch (r.op) {
      case '=': return v === r.values[0]
      case '!=': return v !== r.values[0]
      case 'in': return v !== undefined && r.values.includes(v)
      case 'notin': return v === undefined || !r.values.includes(v)
      case 'exists': return v !== undefined
      case '!exists': return v === undefined
    }
  })
}

/** A selector over metadata.labels. */
export function labelSelector(s: string | null): Selector | undefined {
  if (!s) return undefined
  const reqs = parseLabelSelector(s)
  return obj => matches(reqs, k => obj.metadata.labels?.[k])
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
  const reqs = splitTerms(s).map(term => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term)
    if (!m) throw errors.badRequest(`invalid field selector: ${JSON.stringify(term)}`)
    return {key: m[1], op: (m[2] === '!=' ? '!=' : '=') as '=' | '!=', values: [m[3].trim()]}
  })
  return obj => matches(reqs, k => fieldValue(obj, k))
}

/** Combines optional selectors into one predicate (undefined when nothing filters). */
export function combine(...sels: Array<Selector | undefined>): Selector | undefined {
  const active = sels.filter((s): s is Selector => Boolean(s))
  if (active.length === 0) return undefined
  return obj => active.every(s => s(obj))
}
