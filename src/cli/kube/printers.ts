// Prints API objects as kubectl does: server-side Tables in aligned columns, JSON and YAML with sorted keys, names, JSONPath.
import yaml from 'js-yaml'
import {SkiffError} from '../../errors.js'
import {jsonpath} from './jsonpath.js'
import type {KubeObject} from './types.js'

export {humanDuration} from '../../api/resources/shared/format.js'

/** A meta.k8s.io/v1 Table as the server sends it. */
export interface Table {
  kind?: string
  metadata?: {resourceVersion?: string}
  columnDefinitions: Array<{name: string; type?: string; priority?: number}>
  rows: Array<{cells: unknown[]; object?: KubeObject}>
}

export interface TableOptions {
  wide?: boolean
  /** Prefix a NAMESPACE column (taken from each row's object), as -A does. */
  withNamespace?: boolean
  /** `deployment.apps`: names become `deployment.apps/web`, as when several types are printed. */
  typePrefix?: string
  noHeaders?: boolean
}

/** The rows of a Table as cells (header first), with the columns -o wide shows or hides. */
export function tableCells(table: Table, opts: TableOptions = {}): string[][] {
  const keep = table.columnDefinitions.map((c, i) => ({c, i})).filter(({c}) => opts.wide || !c.priority)
  const nameAt = keep.findIndex(({c}) => c.name.toLowerCase() === 'name')
  const header = keep.map(({c}) => c.name.toUpperCase())
  const rows = table.rows.map((row) => {
    const cells = keep.map(({i}) => cell(row.cells[i]))
    if (opts.typePrefix && nameAt >= 0) cells[nameAt] = `${opts.typePrefix}/${cells[nameAt]}`
    if (opts.withNamespace) cells.unshift(row.object?.metadata?.namespace ?? '')
    return cells
  })
  if (opts.withNamespace) header.unshift('NAMESPACE')
  return opts.noHeaders ? rows : [header, ...rows]
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '<none>'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/**
 * Aligns cells the way kubectl's tabwriter does: every column but the last is padded to its widest cell plus three
 * spaces (at least six wide); the last is not padded, so lines carry no trailing blanks. `rollout history` uses
 * kubectl's other tabwriter (padding two, no minimum width).
 */
export function alignColumns(rows: string[][], tab: {padding: number; minWidth: number} = {padding: 3, minWidth: 6}): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(widths[i] + tab.padding, tab.minWidth)))).join(''))
}

/** Copies a JSON value with object keys sorted, as Go's encoder writes maps (kubectl prints unstructured objects so). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
  }
  return v
}

/** kubectl's `-o json`: four-space indent, sorted keys. */
export function toJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 4)
}

/** kubectl's `-o yaml`: sorted keys, list items flush with their key, long strings unwrapped. */
export function toYaml(v: unknown): string {
  return yaml.dump(v, {sortKeys: true, noArrayIndent: true, lineWidth: -1, noRefs: true, quotingType: '"'})
}

/** What `-o json` prints for several objects: a v1 List, as kubectl wraps them. */
export function asList(items: KubeObject[]): KubeObject {
  return {apiVersion: 'v1', items, kind: 'List', metadata: {resourceVersion: ''}}
}

/** The output formats every printing command accepts besides its table. */
export type ObjectFormat = 'json' | 'yaml' | 'name' | `jsonpath=${string}` | `jsonpath-as-json=${string}`

/** The object without metadata.managedFields, which kubectl hides unless --show-managed-fields. */
export function withoutManagedFields(o: KubeObject): KubeObject {
  if (!o.metadata || !('managedFields' in o.metadata)) return o
  const {managedFields: _hidden, ...metadata} = o.metadata
  return {...o, metadata}
}

/** Prints objects in a non-table format; `ref` names an object as `deployment.apps/web`. */
export function formatObjects(format: string, objects: KubeObject[], ref: (o: KubeObject) => string, single: boolean): string {
  const shown = objects.map(withoutManagedFields)
  const data = single && shown.length === 1 ? shown[0] : asList(shown)
  if (format === 'json') return toJson(data)
  if (format === 'yaml') return toYaml(sortKeys(data)).replace(/\n$/, '')
  if (format === 'name') return objects.map(ref).join('\n')
  const jp = /^jsonpath(?:-as-json)?=(.*)$/s.exec(format)
  if (jp) return jsonpath(jp[1], data)
  throw new SkiffError(`unable to match a printer suitable for the output format "${format}", allowed formats are: json,jsonpath,name,wide,yaml`, {exitCode: 1})
}
