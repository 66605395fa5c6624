// What kubectl adds to the server's Tables on the client: label columns (-L, --show-labels) and row order (--sort-by).
import {SkiffError} from '../../errors.js'
import {evaluate} from './jsonpath.js'
import type {Table} from './printers.js'
import type {KubeObject} from './types.js'

/** Labels as kubectl's labels.FormatLabels writes them: `k=v` sorted by key, joined by commas; `<none>` when there are none. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort()
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>'
}

/** The header of a -L column: the key's last `/` segment, upper-cased (`app.kubernetes.io/name` → `NAME`), as kubectl. */
export function labelHeader(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).toUpperCase()
}

/** Which label columns to add, in kubectl's order: one per -L key, then LABELS. */
export interface LabelColumns {
  labelColumns?: string[]
  showLabels?: boolean
}

/**
 * The Table with a column per -L key (the label's value, empty when unset) and, with --show-labels, LABELS, after the
 * server's columns (wide ones included), read from each row's object as kubectl's decorateTable does.
 */
export function withLabelColumns(table: Table, opts: LabelColumns): Table {
  const keys = opts.labelColumns ?? []
  if (!keys.length && !opts.showLabels) return table
  const columns = [...table.columnDefinitions, ...keys.map((k) => ({name: labelHeader(k), type: 'string'}))]
  if (opts.showLabels) columns.push({name: 'Labels', type: 'string'})
  const rows = table.rows.map((row) => {
    const labels = row.object?.metadata?.labels ?? {}
    const extra: string[] = keys.map((k) => labels[k] ?? '')
    if (opts.showLabels) extra.push(formatLabels(labels))
    return {...row, cells: [...row.cells, ...extra]}
  })
  return {...table, columnDefinitions: columns, rows}
}

/** kubectl's relaxed JSONPath for --sort-by: `{.metadata.name}`, `.metadata.name` and `metadata.name` all mean one field. */
export function sortPath(text: string): string {
  let p = text.trim()
  const braced = /^\{(.*)\}$/s.exec(p)
  if (braced) p = braced[1].trim()
  if (!p || p.includes('{') || p.includes('}')) throw new SkiffError(`couldn't parse --sort-by "${text}": give one JSONPath such as .metadata.name`, {exitCode: 1})
  if (!p.startsWith('.') && !p.startsWith('[')) p = `.${p}`
  return p
}

// A Kubernetes quantity (`100m`, `1Gi`, `2`, `1.5e3`): kubectl orders such strings by amount.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/
const SUFFIX: Record<string, number> = {Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18}

function quantity(s: string): number | undefined {
  const m = QUANTITY.exec(s)
  if (!m) return undefined
  const n = Number(m[1])
  if (!m[2]) return n
  return /^[eE]/.test(m[2]) ? Number(`${m[1]}${m[2]}`) : n * SUFFIX[m[2]]
}

/**
 * Orders strings as kubectl 1.32's --sort-by does in practice: bytewise, so `item-10` < `item-5` (measured against
 * the real kubectl over Table rows; its sources name a natural order, but that is not what it prints).
 */
export function stringCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Orders two values of a --sort-by field as kubectl's isLess: numbers by value, strings that are both quantities by
 * amount, other strings bytewise, false before true. A missing field sorts first, as kubectl puts nil first.
 */
export function compareValues(a: unknown, b: unknown): number {
  const missing = (v: unknown) => v === undefined || v === null
  if (missing(a) || missing(b)) return missing(a) && missing(b) ? 0 : missing(a) ? -1 : 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (typeof a === 'string' && typeof b === 'string') {
    const qa = quantity(a)
    const qb = quantity(b)
    if (qa !== undefined && qb !== undefined && qa !== qb) return qa - qb
    return stringCompare(a, b)
  }
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' ? -1 : 1
  return stringCompare(JSON.stringify(a), JSON.stringify(b))
}

/** Sorts items by the first value a --sort-by path finds in each (stable: equal values keep the server's order). */
export function sortBy<T>(items: T[], path: string, objectOf: (item: T) => unknown): T[] {
  const p = sortPath(path)
  const keyed = items.map((item, i) => ({item, i, v: evaluate(p, objectOf(item))[0]}))
  return keyed.sort((x, y) => compareValues(x.v, y.v) || x.i - y.i).map((k) => k.item)
}

/** The Table's rows ordered by --sort-by over each row's object (the server includes it when asked for includeObject=Object). */
export function sortTable(table: Table, path: string): Table {
  return {...table, rows: sortBy(table.rows, path, (row) => row.object)}
}

/** Objects ordered by --sort-by, for -o json/yaml/name. */
export function sortObjects(objects: KubeObject[], path: string): KubeObject[] {
  return sortBy(objects, path, (o) => o)
}
