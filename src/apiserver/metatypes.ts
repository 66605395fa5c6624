// Typed decoding of ObjectMeta for every kind: a wrong JSON type in metadata is a 400 before any code reads it.
import type {ResourceDef} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {errors} from './errors.js'

type GoType = 'string' | 'int64' | 'bool' | 'map[string]string' | '[]string' | '[]v1.OwnerReference' | '[]v1.ManagedFieldsEntry' | 'v1.Time'

const fields: Record<string, GoType> = {
  name: 'string', generateName: 'string', namespace: 'string', selfLink: 'string', uid: 'string', resourceVersion: 'string',
  generation: 'int64', deletionGracePeriodSeconds: 'int64', creationTimestamp: 'v1.Time', deletionTimestamp: 'v1.Time',
  labels: 'map[string]string', annotations: 'map[string]string', finalizers: '[]string',
  ownerReferences: '[]v1.OwnerReference', managedFields: '[]v1.ManagedFieldsEntry',
}

/** Go's encoding/json name for a JSON value's type, as its "cannot unmarshal X" errors say. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'boolean') return 'bool'
  return typeof v
}

/** The Go type mismatch, if any: [JSON type found, Go type wanted, field path]. */
function mismatch(key: string, want: GoType, v: unknown): [string, string, string] | undefined {
  const path = `ObjectMeta.metadata.${key}`
  if (v === null || v === undefined) return undefined
  switch (want) {
    case 'string':
      return typeof v === 'string' ? undefined : [jsonType(v), 'string', path]
    case 'v1.Time':
      return typeof v === 'string' ? undefined : [jsonType(v), want, path]
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : [typeof v === 'number' ? `number ${v}` : jsonType(v), 'int64', path]
    case 'bool':
      return typeof v === 'boolean' ? undefined : [jsonType(v), 'bool', path]
    case 'map[string]string': {
      if (typeof v !== 'object' || Array.isArray(v)) return [jsonType(v), want, path]
      const bad = Object.values(v).find((x) => typeof x !== 'string' && x !== null)
      // Non-string label values keep the field-named 422 of label validation; annotations have no such check.
      return bad === undefined || key === 'labels' ? undefined : [jsonType(bad), 'string', path]
    }
    case '[]string': {
      if (!Array.isArray(v)) return [jsonType(v), want, path]
      const bad = v.find((x) => typeof x !== 'string')
      return bad === undefined ? undefined : [jsonType(bad), 'string', path]
    }
    default: {
      if (!Array.isArray(v)) return [jsonType(v), want, path]
      const bad = v.find((x) => x === null || typeof x !== 'object' || Array.isArray(x))
      return bad === undefined ? undefined : [jsonType(bad), want.slice(2), path]
    }
  }
}

/** Throws Kubernetes' decode error for the first ObjectMeta field of the wrong JSON type. */
export function checkMetaTypes(def: ResourceDef, obj: KubeObject): void {
  const meta = obj.metadata as unknown as Record<string, unknown>
  for (const [key, want] of Object.entries(fields)) {
    const m = mismatch(key, want, meta[key])
    if (!m) continue
    throw errors.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${m[0]} into Go struct field ${m[2]} of type ${m[1]}`)
  }
}
