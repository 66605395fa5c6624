// Tables for kinds without a printer of their own: the default convertor for built-in groups, printer columns for custom resources.
import type {KubeObject} from '../types.js'
import type {TableColumnDefinition} from './def.js'
import {AGE_DOC, NAME, since} from './shared/table.js'

/** additionalPrinterColumns of a CustomResourceDefinition version. */
export interface PrinterColumn {
  name: string
  type: string
  jsonPath: string
  format?: string
  description?: string
  priority?: number
}

/** Groups whose resources are served by the built-in apiserver; anything else is a custom resource. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy'])
export function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group) || group.endsWith('.k8s.io')
}

/** Evaluates a simple CRD printer-column JSONPath such as `.spec.replicas` or `.status.conditions[0].type`. */
function evalJsonPath(obj: unknown, path: string): unknown {
  const expr = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '')
  const parts = expr.match(/[^.[\]]+|\[\d+\]/g) ?? []
  let cur: unknown = obj
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined
    const c = cur as Record<string, unknown>
    cur = p.startsWith('[') ? c[Number(p.slice(1, -1))] : c[p]
  }
  return cur
}

/** cellForJSONValue of the CRD table convertor: a value of the wrong type for its column becomes null. */
function customCell(value: unknown, type: string, now: Date): unknown {
  if (value === undefined || value === null) return null
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null
    case 'number':
      return typeof value === 'number' ? value : null
    case 'boolean':
      return typeof value === 'boolean' ? value : null
    case 'date':
      if (typeof value !== 'string') return null
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : since(value, now)
    default:
      // String columns print whatever the JSONPath finds: strings verbatim, anything else as JSON.
      return typeof value === 'string' ? value : JSON.stringify(value)
  }
}

/** A CRD version's printer columns; without any, CRD defaulting supplies a single Age column. */
function crdColumns(printerColumns: PrinterColumn[] | undefined): PrinterColumn[] {
  if (printerColumns && printerColumns.length > 0) return printerColumns
  return [{name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DOC}]
}

/**
 * Columns for a kind without a printer: custom resources get Name plus the CRD version's additionalPrinterColumns
 * (or Age when it has none), as the CRD table convertor does; built-in groups get the default convertor's Name and Created At.
 */
export function genericColumns(group: string, printerColumns?: PrinterColumn[]): TableColumnDefinition[] {
  if (isBuiltinGroup(group)) {
    return [{...NAME}, {name: 'Created At', type: 'date', format: '', description: AGE_DOC, priority: 0}]
  }
  return [{...NAME}, ...crdColumns(printerColumns).map((c) => ({name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0}))]
}

/** The row cells aligned with genericColumns. */
export function genericRow(group: string, obj: KubeObject, now: Date, printerColumns?: PrinterColumn[]): unknown[] {
  if (isBuiltinGroup(group)) {
    // The default table convertor prints the creation time as RFC3339 (kubectl shows it verbatim).
    const ts = obj.metadata.creationTimestamp
    return [obj.metadata.name ?? '', ts ? new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z') : null]
  }
  return [obj.metadata.name ?? '', ...crdColumns(printerColumns).map((c) => customCell(evalJsonPath(obj, c.jsonPath), c.type, now))]
}
