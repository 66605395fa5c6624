// Table output (`Accept: ...;as=Table`): server-side columns for kubectl get, via src/api/tables.
import type {IncomingMessage} from 'node:http'
import type {ResourceDef} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import type {ServerContext} from './context.js'

/** Whether the client asked for a Table (meta.k8s.io v1 or v1beta1). */
export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept
  return !!accept && accept.includes('as=Table')
}

/** One row for `obj`, carrying the object as includeObject says (Metadata by default). */
export function tableRow(ctx: ServerContext, def: ResourceDef, obj: KubeObject, includeObject: string | null, now: Date) {
  const row: {cells: unknown[]; object?: unknown} = {cells: ctx.deps.tableRow(def, obj, now)}
  const mode = includeObject ?? 'Metadata'
  if (mode === 'Object') row.object = obj
  else if (mode !== 'None') row.object = {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata}
  return row
}

/** A Table of `items`; column definitions are omitted when `withColumns` is false (later watch events). */
export function toTable(ctx: ServerContext, def: ResourceDef, items: KubeObject[], meta: {resourceVersion?: string; continue?: string; remainingItemCount?: number}, includeObject: string | null, withColumns = true) {
  const now = ctx.now()
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: withColumns ? ctx.deps.tableColumns(def) : [],
    rows: items.map(o => tableRow(ctx, def, o, includeObject, now)),
  }
}
