// Event (events.k8s.io/v1): the newer spelling of core Events, printed by the same printer.
import {eventTable} from '../core/event.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'

export const eventV1 = defineResource('events.k8s.io', 'v1', 'Event', {
  shortNames: ['ev'],
  fields: ['eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding', 'related', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'],
  table: eventTable,
  patch: builtinPatch,
})
