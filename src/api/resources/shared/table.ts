// Building blocks of the Table printers: column definitions and the cells most kinds share (Name, Age, containers).
import type {KubeObject} from '../../types.js'
import type {TableColumnDefinition} from '../def.js'
import {since} from './format.js'

export {containerCells, formatLabels, formatLabelSelector, humanDuration, selectorString, since} from './format.js'

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'
export const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'

/** A column definition; most columns are strings at priority 0 (shown without -o wide). */
export function col(name: string, type = 'string', priority = 0, description = ''): TableColumnDefinition {
  return {name, type, format: '', description, priority}
}
export const NAME: TableColumnDefinition = {name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0}
export const AGE = col('Age', 'string', 0, AGE_DOC)
export const CONTAINERS = col('Containers', 'string', 1, 'Names of each container in the template.')
export const IMAGES = col('Images', 'string', 1, 'Images referenced by each container in the template.')
export const SELECTOR = col('Selector', 'string', 1, 'A label query over pods that should match the replica count.')

export const name = (o: KubeObject): string => o.metadata?.name ?? ''
export const age = (o: KubeObject, now: Date): string => since(o.metadata?.creationTimestamp, now)
/** A number cell: Go prints an unset int as 0. */
export const int = (v: unknown): number => (typeof v === 'number' ? v : 0)
export const countKeys = (v: unknown): number => (v && typeof v === 'object' ? Object.keys(v).length : 0)

/** Whether the condition of `type` has status True. */
export function conditionTrue(conditions: {type?: string; status?: string}[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type)
  return c?.status === 'True'
}

/** Name, `...cells`, Age: the shape of most simple printers. */
export function nameCellsAge(columns: TableColumnDefinition[], cells: (o: KubeObject) => unknown[]) {
  return {columns: [NAME, ...columns, AGE], row: (o: KubeObject, now: Date) => [name(o), ...cells(o), age(o, now)]}
}
