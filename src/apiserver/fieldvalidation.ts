// fieldValidation for unknown top-level and metadata fields of known kinds (Strict → 400, Warn → header, Ignore → drop).
import type {ResourceDef} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {errors} from './errors.js'

const common = ['apiVersion', 'kind', 'metadata']
const topLevel: Record<string, string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Endpoints: ['subsets'],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
  Binding: ['target'],
}
const coreEventFields = ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type',
  'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance']
const eventsV1Fields = ['eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding', 'related',
  'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount']
const metadataFields = new Set(['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences',
  'finalizers', 'managedFields'])
// Kinds served from the registry whose shape the server knows; custom resources are left alone.
const specStatusKinds = new Set(['Namespace', 'Node', 'Pod', 'Service', 'Lease', 'Deployment', 'ReplicaSet', 'StatefulSet',
  'DaemonSet', 'Job', 'CronJob'])

function allowedTopLevel(def: ResourceDef): Set<string> | undefined {
  if (def.kind === 'Event') return new Set([...common, ...(def.group === '' ? coreEventFields : eventsV1Fields)])
  if (topLevel[def.kind]) return new Set([...common, ...topLevel[def.kind]])
  if (specStatusKinds.has(def.kind)) return new Set([...common, 'spec', 'status'])
  return undefined
}

/** Applies the fieldValidation directive; returns warnings to send (Warn) and mutates `obj` to drop unknown fields. */
export function checkFields(def: ResourceDef, obj: KubeObject, directive: string | null): string[] {
  const mode = (directive ?? 'Warn').toLowerCase()
  if (mode === 'ignore') return []
  const allowed = allowedTopLevel(def)
  const unknown: string[] = []
  if (allowed) for (const k of Object.keys(obj)) if (!allowed.has(k)) unknown.push(k)
  for (const k of Object.keys(obj.metadata ?? {})) if (!metadataFields.has(k)) unknown.push(`metadata.${k}`)
  if (unknown.length === 0) return []
  if (mode === 'strict') {
    throw errors.badRequest(`strict decoding error: ${unknown.map(f => `unknown field "${f}"`).join(', ')}`)
  }
  for (const f of unknown) {
    if (f.startsWith('metadata.')) delete obj.metadata[f.slice(9)]
    else delete obj[f]
  }
  return unknown.map(f => `unknown field "${f}"`)
}
