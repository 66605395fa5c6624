// The generic path of every kind: default, validate and print an object by the hooks on its ResourceDef.
import type {KubeObject, StatusCause} from '../types.js'
import {validateObjectMeta, validateObjectMetaUpdate} from '../validation/meta.js'
import type {NameRule} from '../validation/names.js'
import type {ResourceDef, RowCondition, TableColumnDefinition} from './def.js'
import {genericColumns, genericRow, isBuiltinGroup, type PrinterColumn} from './generic-table.js'

export type {PrinterColumn} from './generic-table.js'

/** What the generic path needs of a kind: where it is served, and whichever hooks it has. */
export type KindRef = Pick<ResourceDef, 'group' | 'resource'> & Partial<ResourceDef>

/**
 * Applies the server-side defaults to a freshly decoded object (mutated in place). Idempotent: values already
 * present are never overwritten, so it is also safe on updates.
 */
export function applyDefaults(def: KindRef, obj: KubeObject): void {
  obj.metadata ??= {}
  def.default?.(obj)
}

function nameRule(def: KindRef): NameRule {
  return def.nameRule ?? (isBuiltinGroup(def.group) ? 'subdomain' : 'path')
}

/**
 * Validates an object about to be stored: metadata for every kind, then the kind's own rules. Pass `old` for
 * updates to add the immutability rules. Run after applyDefaults and after generateName has produced a name.
 */
export function validateObject(def: KindRef & {namespaced: boolean}, obj: KubeObject, old?: KubeObject): StatusCause[] {
  if (old) {
    // The real server defaults objects as it reads them from storage, so an object stored before some default
    // existed (or written around the create path) compares as if it had it; do the same to the old copy.
    old = structuredClone(old)
    applyDefaults(def, old)
  }
  const causes = validateObjectMeta(obj, def.namespaced, nameRule(def))
  if (old) causes.push(...validateObjectMetaUpdate(obj, old))
  causes.push(...(def.validate?.(obj) ?? []))
  if (old) causes.push(...(def.validateUpdate?.(obj, old) ?? []))
  return causes
}

/** The column definitions of the Table for a kind; `printerColumns` are a custom resource's. */
export function tableColumns(def: KindRef, printerColumns?: PrinterColumn[]): TableColumnDefinition[] {
  if (def.table) return def.table.columns.map((c) => ({...c}))
  return genericColumns(def.group, printerColumns)
}

/** The row cells of one object, aligned with tableColumns(def); `now` anchors every age. */
export function tableRow(def: KindRef, obj: KubeObject, now: Date, printerColumns?: PrinterColumn[]): unknown[] {
  if (def.table) return def.table.row(obj, now)
  return genericRow(def.group, obj, now, printerColumns)
}

/** Conditions the server attaches to an object's row, if its kind has any. */
export function tableRowConditions(def: KindRef, obj: KubeObject): RowCondition[] | undefined {
  return def.table?.rowConditions?.(obj)
}
