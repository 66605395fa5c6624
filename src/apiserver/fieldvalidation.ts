// fieldValidation for unknown top-level and metadata fields of known kinds (Strict → 400, Warn → header, Ignore → drop).
import type {ResourceDef} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {duplicateFields} from './duplicates.js'
import {errors} from './errors.js'

const common = ['apiVersion', 'kind', 'metadata']
const metadataFields = new Set(['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences',
  'finalizers', 'managedFields'])

// Kinds whose definition lists their fields are checked; custom resources are left alone.
function allowedTopLevel(def: ResourceDef): Set<string> | undefined {
  return def.fields ? new Set([...common, ...def.fields]) : undefined
}

/**
 * Applies the fieldValidation directive; returns warnings to send (Warn) and mutates `obj` to drop unknown fields.
 * `duplicates` are the paths of keys the JSON body repeated (the last one won when it was decoded).
 */
export function checkFields(def: ResourceDef, obj: KubeObject, directive: string | null, duplicates: string[] = []): string[] {
  const mode = (directive ?? 'Warn').toLowerCase()
  if (mode === 'ignore') return []
  const allowed = allowedTopLevel(def)
  const unknown: string[] = []
  if (allowed) for (const k of Object.keys(obj)) if (!allowed.has(k)) unknown.push(k)
  for (const k of Object.keys(obj.metadata ?? {})) if (!metadataFields.has(k)) unknown.push(`metadata.${k}`)
  const problems = [...duplicates.map(f => `duplicate field "${f}"`), ...unknown.map(f => `unknown field "${f}"`)]
  if (problems.length === 0) return []
  if (mode === 'strict') throw errors.badRequest(`strict decoding error: ${problems.join(', ')}`)
  for (const f of unknown) {
    if (f.startsWith('metadata.')) delete obj.metadata[f.slice(9)]
    else delete obj[f]
  }
  return problems
}

/** The repeated keys of a JSON body, when the directive asks for field checks at all. */
export function bodyDuplicates(raw: Buffer, type: string, directive: string | null): string[] {
  if ((directive ?? 'Warn').toLowerCase() === 'ignore') return []
  return type === 'application/json' || type.endsWith('+json') ? duplicateFields(raw.toString('utf8')) : []
}
