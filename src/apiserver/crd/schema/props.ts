// Typed accessors over a JSONSchemaProps record, shared by validation, defaulting, pruning and the structural check.
export type Schema = Record<string, unknown>

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function sub(s: Schema, key: string): Schema | undefined {
  const v = s[key]
  return isObj(v) ? v : undefined
}

export function props(s: Schema): Record<string, Schema> {
  const p = sub(s, 'properties')
  const out: Record<string, Schema> = {}
  if (p) for (const [k, v] of Object.entries(p)) if (isObj(v)) out[k] = v
  return out
}

export function num(s: Schema, key: string): number | undefined {
  const v = s[key]
  return typeof v === 'number' ? v : undefined
}

export function strs(s: Schema, key: string): string[] {
  const v = s[key]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

/** The JSON type name Kubernetes reports for a value ("string", "integer", "number", "boolean", "array", "object", "null"). */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  if (typeof v === 'bigint') return 'integer'
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v
  return 'object'
}

/** Appends a property to a field path, bracketing keys that are not plain identifiers as Kubernetes' field.Path does. */
export function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}
