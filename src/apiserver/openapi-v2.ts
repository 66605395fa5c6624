// OpenAPI v2 (Swagger 2.0) of the built-in kinds, as JSON or as gnostic's protobuf: kubectl validates `kind: List` files against it.
//
// The protobuf messages are a minimal subset of gnostic's openapi.v2 package (OpenAPIv2.proto), declared from its
// field numbers: Document, Info, Definitions, NamedSchema, Schema and the few wrappers a schema needs.
import protobuf from 'protobufjs'
import type {ResourceRegistry} from '../api/registry.js'
import {definitionName, definitions, type Schema} from '../api/schema/index.js'

/** What kubectl asks for (Accept) and what kube-apiserver answers (Content-Type: Go's mime parser refuses the '@'). */
export const protobufV2Accept = 'com.github.proto-openapi.spec.v2'
export const protobufV2Type = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'

const root = protobuf.Root.fromJSON({nested: {openapi: {nested: {v2: {nested: {
  Document: {fields: {swagger: {id: 1, type: 'string'}, info: {id: 2, type: 'Info'}, definitions: {id: 9, type: 'Definitions'}}},
  Info: {fields: {title: {id: 1, type: 'string'}, version: {id: 2, type: 'string'}}},
  Definitions: {fields: {additionalProperties: {id: 1, type: 'NamedSchema', rule: 'repeated'}}},
  NamedSchema: {fields: {name: {id: 1, type: 'string'}, value: {id: 2, type: 'Schema'}}},
  Properties: {fields: {additionalProperties: {id: 1, type: 'NamedSchema', rule: 'repeated'}}},
  AdditionalPropertiesItem: {fields: {schema: {id: 1, type: 'Schema'}}},
  TypeItem: {fields: {value: {id: 1, type: 'string', rule: 'repeated'}}},
  ItemsItem: {fields: {schema: {id: 1, type: 'Schema', rule: 'repeated'}}},
  Any: {fields: {yaml: {id: 2, type: 'string'}}},
  NamedAny: {fields: {name: {id: 1, type: 'string'}, value: {id: 2, type: 'Any'}}},
  Schema: {fields: {
    ref: {id: 1, type: 'string'}, format: {id: 2, type: 'string'}, description: {id: 4, type: 'string'},
    required: {id: 19, type: 'string', rule: 'repeated'}, additionalProperties: {id: 21, type: 'AdditionalPropertiesItem'},
    type: {id: 22, type: 'TypeItem'}, items: {id: 23, type: 'ItemsItem'}, properties: {id: 25, type: 'Properties'},
    vendorExtension: {id: 31, type: 'NamedAny', rule: 'repeated'},
  }},
}}}}}})
const Document = root.lookupType('openapi.v2.Document')

interface Gvk {
  group: string
  version: string
  kind: string
}

type Swagger = Record<string, unknown>

/**
 * A schema in Swagger 2.0 form. IntOrString and Quantity lose their type: a client validating against them must
 * accept both numbers and strings, which Swagger can only say by saying nothing.
 */
function toV2(schema: Schema, refs: string[]): Swagger {
  const {$ref, properties, items, additionalProperties, enum: _enum, 'x-kubernetes-int-or-string': _ios, ...rest} = schema
  const out: Swagger = {...rest}
  if (rest.format === 'int-or-string' || rest.format === 'quantity') delete out.type
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toV2(v, refs)]))
  if (items) out.items = toV2(items, refs)
  if (additionalProperties) out.additionalProperties = toV2(additionalProperties, refs)
  if ($ref) {
    refs.push($ref)
    out.$ref = `#/definitions/${$ref}`
  }
  return out
}

/** The Swagger schema as gnostic's protobuf message fields. */
function toMessage(s: Swagger): Record<string, unknown> {
  const m: Record<string, unknown> = {}
  if (typeof s.$ref === 'string') m.ref = s.$ref
  if (typeof s.format === 'string') m.format = s.format
  if (typeof s.description === 'string') m.description = s.description
  if (Array.isArray(s.required)) m.required = s.required
  if (typeof s.type === 'string') m.type = {value: [s.type]}
  if (s.items) m.items = {schema: [toMessage(s.items as Swagger)]}
  if (s.additionalProperties) m.additionalProperties = {schema: toMessage(s.additionalProperties as Swagger)}
  if (s.properties) m.properties = {additionalProperties: Object.entries(s.properties as Record<string, Swagger>).map(([name, v]) => ({name, value: toMessage(v)}))}
  const gvks = s['x-kubernetes-group-version-kind'] as Gvk[] | undefined
  if (gvks) {
    const yaml = gvks.map((g) => `- group: "${g.group}"\n  kind: ${g.kind}\n  version: ${g.version}\n`).join('')
    m.vendorExtension = [{name: 'x-kubernetes-group-version-kind', value: {yaml}}]
  }
  return m
}

/** Builds and caches /openapi/v2 for the registry's built-in kinds, in both encodings. */
export class OpenApiV2Cache {
  private json: string | undefined
  private proto: Buffer | undefined

  constructor(private readonly registry: ResourceRegistry) {
    registry.onChange(() => {
      this.json = undefined
      this.proto = undefined
    })
  }

  private document(): Swagger {
    const defs: Record<string, Swagger> = {}
    const gvks = new Map<string, Gvk[]>()
    const add = (name: string): void => {
      if (defs[name]) return
      const refs: string[] = []
      defs[name] = toV2(definitions()[name], refs)
      for (const r of refs) add(r)
    }
    for (const d of this.registry.all()) {
      for (const kind of [d.kind, d.listKind]) {
        const name = definitionName(d.group, d.version, kind)
        if (!name) continue
        add(name)
        gvks.set(name, [...(gvks.get(name) ?? []), {group: d.group, version: d.version, kind}])
      }
    }
    for (const [name, list] of gvks) defs[name] = {...defs[name], 'x-kubernetes-group-version-kind': list}
    return {swagger: '2.0', info: {title: 'Kubernetes', version: 'v1.32.0'}, paths: {}, definitions: defs}
  }

  getJson(): string {
    this.json ??= JSON.stringify(this.document())
    return this.json
  }

  getProtobuf(): Buffer {
    if (!this.proto) {
      const doc = this.document()
      const message = {swagger: doc.swagger, info: doc.info, definitions: {additionalProperties:
        Object.entries(doc.definitions as Record<string, Swagger>).map(([name, value]) => ({name, value: toMessage(value)}))}}
      this.proto = Buffer.from(Document.encode(Document.fromObject(message)).finish())
    }
    return this.proto
  }
}
