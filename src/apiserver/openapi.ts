// OpenAPI v3 per group-version: Kubernetes' schemas for built-in kinds (kubectl explain), CRDs' own, a PATCH path per kind.
import {createHash} from 'node:crypto'
import type {ResourceRegistry} from '../api/registry.js'
import {definitionName, definitions, type Schema} from '../api/schema/index.js'

/** Builds and caches the /openapi/v3 index and per-group-version documents. */
export class OpenApiCache {
  private docs: Map<string, string> | undefined
  private index: string | undefined

  constructor(private readonly registry: ResourceRegistry) {
    registry.onChange(() => {
      this.docs = undefined
      this.index = undefined
    })
  }

  private build(): Map<string, string> {
    const docs = new Map<string, string>()
    for (const group of this.registry.groups()) {
      for (const version of this.registry.versions(group)) {
        const prefix = group ? `apis/${group}/${version}` : `api/${version}`
        const paths: Record<string, unknown> = {}
        const schemas: Record<string, unknown> = {}
        for (const d of this.registry.all().filter(r => r.group === group && r.version === version)) {
          const path = `/${prefix}/${d.namespaced ? 'namespaces/{namespace}/' : ''}${d.resource}/{name}`
          const op = `patch${group ? pascal(group.split('.')[0]) : 'Core'}${pascal(version)}${d.namespaced ? 'Namespaced' : ''}${d.kind}`
          paths[path] = {patch: {
            operationId: op,
            'x-kubernetes-group-version-kind': {group, version, kind: d.kind},
            parameters: [{name: 'fieldValidation', in: 'query', schema: {type: 'string'}}],
          }}
          // kubectl explain finds a kind's schema by its x-kubernetes-group-version-kind.
          const gvk = [{group, version, kind: d.kind}]
          const builtin = definitionName(group, version, d.kind)
          if (builtin) {
            addDefinition(schemas, builtin)
            schemas[builtin] = {...(schemas[builtin] as object), 'x-kubernetes-group-version-kind': gvk}
            const list = definitionName(group, version, d.listKind)
            if (list) {
              addDefinition(schemas, list)
              schemas[list] = {...(schemas[list] as object), 'x-kubernetes-group-version-kind': [{group, version, kind: d.listKind}]}
            }
          } else if (d.openapiSchema) schemas[`${group.split('.').reverse().join('.')}.${version}.${d.kind}`] = {...d.openapiSchema, 'x-kubernetes-group-version-kind': [{group, version, kind: d.kind}]}
        }
        docs.set(prefix, JSON.stringify({openapi: '3.0.0', info: {title: 'Kubernetes', version: 'v1.32.0'}, paths, components: {schemas}}))
      }
    }
    return docs
  }

  /** GET /openapi/v3 */
  getIndex(): string {
    this.docs ??= this.build()
    this.index ??= JSON.stringify({paths: Object.fromEntries([...this.docs].map(([k, v]) =>
      [k, {serverRelativeURL: `/openapi/v3/${k}?hash=${createHash('sha256').update(v).digest('hex').slice(0, 32).toUpperCase()}`}]))})
    return this.index
  }

  /** GET /openapi/v3/<prefix>, undefined for unknown group versions. */
  get(prefix: string): string | undefined {
    this.docs ??= this.build()
    return this.docs.get(prefix)
  }
}

/** Adds a definition and everything it refers to, with refs in OpenAPI v3 form. */
function addDefinition(schemas: Record<string, unknown>, name: string): void {
  if (schemas[name]) return
  schemas[name] = {}
  const refs: string[] = []
  schemas[name] = toV3(definitions()[name], refs)
  for (const r of refs) addDefinition(schemas, r)
}

/** A derived schema in the document's form: `$ref`s point into components, wrapped in allOf beside a description. */
function toV3(schema: Schema, refs: string[]): Record<string, unknown> {
  const {$ref, properties, items, additionalProperties, ...rest} = schema
  const out: Record<string, unknown> = {...rest}
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toV3(v, refs)]))
  if (items) out.items = toV3(items, refs)
  if (additionalProperties) out.additionalProperties = toV3(additionalProperties, refs)
  if ($ref) {
    refs.push($ref)
    const ref = {$ref: `#/components/schemas/${$ref}`}
    if (Object.keys(out).length === 0) return ref
    out.allOf = [ref]
  }
  return out
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
