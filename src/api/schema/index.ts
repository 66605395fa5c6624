// Kubernetes' API schemas for the built-in kinds, derived at build time from kubernetes-models (scripts/gen-schemas.mjs).
import generated from './generated/definitions.json' with {type: 'json'}

/** The subset of an OpenAPI v3 schema the derived definitions use. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  format?: string
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  additionalProperties?: Schema
  enum?: string[]
  $ref?: string
  'x-kubernetes-int-or-string'?: boolean
}

export const definitions = (generated as unknown as {definitions: Record<string, Schema>}).definitions

/** Where the definitions came from, for the OpenAPI document's info. */
export const schemaSource = (generated as unknown as {source: string}).source

// Definition names put a group's first label after io.k8s.api; these groups live elsewhere.
const groupPrefixes: Record<string, string> = {
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
}

/** The definition name of a built-in kind, or undefined when Kubernetes has no such kind. */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  const prefix = groupPrefixes[group] ?? `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}`
  const name = `${prefix}.${version}.${kind}`
  return definitions[name] ? name : undefined
}

/** The schema a `$ref` names; throws for a name the definitions lack (the generator checks none dangle). */
export function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema
  const target = definitions[schema.$ref]
  if (!target) throw new Error(`no schema definition ${schema.$ref}`)
  return target
}
