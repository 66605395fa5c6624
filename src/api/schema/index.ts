// Kubernetes' API schemas for the built-in kinds, derived at build time from kubernetes-models (scripts/gen-schemas.mjs).
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

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

/** Where the generated file is: beside this module's source (src, dist) or beside the node bundle. */
function definitionsFile(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'generated', 'definitions.json'), join(here, 'k8s-definitions.json')]
  const found = candidates.find((f) => existsSync(f))
  if (!found) throw new Error(`Kubernetes API schemas not found (looked for ${candidates.join(', ')}); run npm run build`)
  return found
}

let loaded: Record<string, Schema> | undefined

/**
 * Every definition by OpenAPI name. Read on first use, not at start-up: only the apiserver needs them, and every
 * other process of the node bundle would otherwise pay for 1 MB of JSON it never reads.
 */
export function definitions(): Record<string, Schema> {
  loaded ??= (JSON.parse(readFileSync(definitionsFile(), 'utf8')) as {definitions: Record<string, Schema>}).definitions
  return loaded
}

// Definition names put a group's first label after io.k8s.api; these groups live elsewhere.
const groupPrefixes: Record<string, string> = {
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
}

/** The definition name of a built-in kind, or undefined when Kubernetes has no such kind. */
export function definitionName(group: string, version: string, kind: string): string | undefined {
  const prefix = groupPrefixes[group] ?? `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}`
  const name = `${prefix}.${version}.${kind}`
  return definitions()[name] ? name : undefined
}

/** The schema a `$ref` names; throws for a name the definitions lack (the generator checks none dangle). */
export function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema
  const target = definitions()[schema.$ref]
  if (!target) throw new Error(`no schema definition ${schema.$ref}`)
  return target
}
