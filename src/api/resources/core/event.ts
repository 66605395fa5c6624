// Event (core/v1): what components report about objects; the same printer serves events.k8s.io/v1 Events.
import type {KubeObject} from '../../types.js'
import {defineResource, type TableDef} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {col, name, NAME, since} from '../shared/table.js'

/** The object an event is about (involvedObject in core/v1, regarding in events.k8s.io/v1). */
interface EventObject {
  kind?: string
  name?: string
  fieldPath?: string
}

function eventCells(ev: KubeObject, now: Date): unknown[] {
  // core/v1 and events.k8s.io/v1 spell the same fields differently; the server prints both via the internal type.
  const firstTs = ev.firstTimestamp ?? ev.deprecatedFirstTimestamp
  const lastTs = ev.lastTimestamp ?? ev.deprecatedLastTimestamp
  const first = firstTs ? since(firstTs, now) : since(ev.eventTime, now)
  let last = lastTs ? since(lastTs, now) : first
  let count: number = ev.count ?? ev.deprecatedCount ?? 0
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now)
    count = ev.series.count ?? 0
  } else if (count === 0) {
    count = 1
  }
  const involved: EventObject = ev.involvedObject ?? ev.regarding ?? {}
  const kind = String(involved.kind ?? '').toLowerCase()
  const target = involved.name ? `${kind}/${involved.name}` : kind
  const source: {component?: string; host?: string} = ev.source ?? ev.deprecatedSource ?? {}
  const component = source.component || ev.reportingController || ''
  const host = source.host || ev.reportingInstance || ''
  const sourceStr = host ? `${component}, ${host}` : component
  const message = String(ev.message ?? ev.note ?? '').trim()
  return [last, ev.type ?? '', ev.reason ?? '', target, involved.fieldPath ?? '', sourceStr, message, first, count, name(ev)]
}

/** The events printer; core/v1 and events.k8s.io/v1 spell the same fields differently and both print alike. */
export const eventTable: TableDef = {
  columns: [
    col('Last Seen', 'string', 0, 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'string', 0, 'The object that this event is about.'),
    col('Subobject', 'string', 1, 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.'),
    col('Source', 'string', 1, 'The component reporting this event. Should be a short machine understandable string.'),
    col('Message', 'string', 0, 'A human-readable description of the status of this operation.'),
    col('First Seen', 'string', 1, 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    col('Count', 'string', 1, 'The number of times this event has occurred.'),
    {...NAME, priority: 1},
  ],
  row: eventCells,
}

export const event = defineResource('', 'v1', 'Event', {
  shortNames: ['ev'],
  fields: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
  table: eventTable,
  patch: builtinPatch,
})
