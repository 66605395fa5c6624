// Typed decoding and fieldValidation of written objects: wrong types → 400, unknown fields per the directive.
import type {ResourceDef} from '../api/registry.js'
import {decodeTyped} from '../api/schema/decode.js'
import {definitionName} from '../api/schema/index.js'
import type {KubeObject} from '../api/types.js'
import {duplicateFields} from './duplicates.js'
import {errors} from './errors.js'

const common = ['apiVersion', 'kind', 'metadata']
const metadataFields = new Set(['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
  'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences',
  'finalizers', 'managedFields'])

/** Unknown fields of a kind without a Kubernetes schema: its listed top-level fields and ObjectMeta. */
function untypedUnknown(def: ResourceDef, obj: KubeObject, prune: boolean): string[] {
  const unknown: string[] = []
  const allowed = def.fields ? new Set([...common, ...def.fields]) : undefined
  if (allowed) for (const k of Object.keys(obj)) if (!allowed.has(k)) unknown.push(k)
  for (const k of Object.keys(obj.metadata ?? {})) if (!metadataFields.has(k)) unknown.push(`metadata.${k}`)
  if (prune) {
    for (const f of unknown) {
      if (f.startsWith('metadata.')) delete obj.metadata[f.slice(9)]
      else delete obj[f]
    }
  }
  return unknown
}

/** The prefix of every decoding error of a kind, as Kubernetes words it. */
function cannotHandle(def: ResourceDef): string {
  // The version alone, without the group: "Deployment in version "v1"".
  return `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: `
}

/**
 * Decodes `obj` as its kind's Go type would: a wrong type is a 400 whatever the directive; unknown fields are
 * dropped (as Go's decoder drops them), a 400 under Strict, warnings under Warn (the default). Returns the warnings.
 * `duplicates` are the paths of keys the JSON body repeated (the last one won when it was decoded).
 */
export function checkFields(def: ResourceDef, obj: KubeObject, directive: string | null, duplicates: string[] = []): string[] {
  const mode = (directive ?? 'Warn').toLowerCase()
  const definition = definitionName(def.group, def.version, def.kind)
  let unknown: string[]
  if (definition) {
    const result = decodeTyped(obj as unknown as Record<string, unknown>, definition, mode !== 'strict')
    if (result.typeError) throw errors.badRequest(cannotHandle(def) + result.typeError)
    unknown = result.unknown
  } else {
    // Custom resources are pruned by their own structural schema; only the object's envelope is checked here.
    if (mode === 'ignore') return []
    unknown = untypedUnknown(def, obj, mode !== 'strict')
  }
  if (mode === 'ignore') return []
  const problems = [...duplicates.map(f => `duplicate field "${f}"`), ...unknown.map(f => `unknown field "${f}"`)]
  if (problems.length === 0) return []
  if (mode === 'strict') throw errors.badRequest(`${cannotHandle(def)}strict decoding error: ${problems.join(', ')}`)
  return problems
}

/** The repeated keys of a JSON body, when the directive asks for field checks at all. */
export function bodyDuplicates(raw: Buffer, type: string, directive: string | null): string[] {
  if ((directive ?? 'Warn').toLowerCase() === 'ignore') return []
  return type === 'application/json' || type.endsWith('+json') ? duplicateFields(raw.toString('utf8')) : []
}
