// The ResourceDefs a CustomResourceDefinition serves: one per served version, with its printer columns and schema.
import {allVerbs, defineResource, scaleSubresource, statusSubresource, type ResourceDef, type ScalePaths, type SubresourceDef} from '../../api/resources/def.js'
import {genericColumns, genericRow, type PrinterColumn} from '../../api/resources/generic-table.js'
import type {KubeObject} from '../../api/types.js'
import {compileSchema, type CompiledSchema, type JSONSchemaProps} from './schema/index.js'

type Rec = Record<string, unknown>
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {})
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/** The names a CRD's resources are served under (status.acceptedNames once accepted). */
export interface CrdNames {
  plural: string
  singular: string
  kind: string
  listKind: string
  shortNames: string[]
  categories: string[]
}

export function namesOf(crd: KubeObject): CrdNames {
  const n = rec(rec(crd.spec).names)
  const kind = typeof n.kind === 'string' ? n.kind : ''
  return {
    plural: String(n.plural ?? ''),
    singular: typeof n.singular === 'string' ? n.singular : kind.toLowerCase(),
    kind,
    listKind: typeof n.listKind === 'string' ? n.listKind : `${kind}List`,
    shortNames: strs(n.shortNames),
    categories: strs(n.categories),
  }
}

function safeCompile(schema: unknown): CompiledSchema | undefined {
  if (!schema || typeof schema !== 'object') return undefined
  try {
    return compileSchema(schema as JSONSchemaProps)
  } catch {
    // The CRD's own validation rejects schemas that do not compile; one stored before that rule serves unchecked.
    return undefined
  }
}

/** The object as the schema library sees it: plain JSON. */
function body(obj: KubeObject): Rec {
  return obj as unknown as Rec
}

function scalePathsOf(s: Rec): ScalePaths {
  return {specReplicasPath: String(s.specReplicasPath ?? '.spec.replicas'), statusReplicasPath: String(s.statusReplicasPath ?? '.status.replicas'),
    ...(typeof s.labelSelectorPath === 'string' ? {labelSelectorPath: s.labelSelectorPath} : {})}
}

/** One ResourceDef per served version of `crd`. */
export function resourcesOf(crd: KubeObject): ResourceDef[] {
  const spec = rec(crd.spec)
  const group = String(spec.group ?? '')
  const names = namesOf(crd)
  const versions = Array.isArray(spec.versions) ? spec.versions.map(rec) : []
  return versions.filter(v => v.served === true).map(v => {
    const version = String(v.name)
    const sub = rec(v.subresources)
    const subresources: SubresourceDef[] = []
    if (sub.status) subresources.push(statusSubresource)
    if (sub.scale) subresources.push(scaleSubresource)
    const columns = Array.isArray(v.additionalPrinterColumns) ? (v.additionalPrinterColumns as PrinterColumn[]) : undefined
    const openAPIV3Schema = rec(v.schema).openAPIV3Schema
    const schema = safeCompile(openAPIV3Schema)
    return defineResource(group, version, names.kind, {
      resource: names.plural,
      singular: names.singular,
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames,
      categories: names.categories,
      verbs: allVerbs,
      subresources,
      listKind: names.listKind,
      ...(sub.scale ? {scalePaths: scalePathsOf(rec(sub.scale))} : {}),
      ...(openAPIV3Schema && typeof openAPIV3Schema === 'object' ? {openapiSchema: openAPIV3Schema as Rec} : {}),
      default(obj: KubeObject) {
        if (!schema) return
        schema.prune(body(obj))
        schema.applyDefaults(body(obj))
      },
      validate: (obj: KubeObject) => schema?.validate(body(obj)) ?? [],
      // validate() has reported the plain errors already; an update adds only what needs the old object (transition rules).
      validateUpdate(obj: KubeObject, old: KubeObject) {
        if (!schema) return []
        const plain = new Set(schema.validate(body(obj)).map(c => JSON.stringify(c)))
        return schema.validate(body(obj), body(old)).filter(c => !plain.has(JSON.stringify(c)))
      },
      table: {columns: genericColumns(group, columns), row: (obj: KubeObject, now: Date) => genericRow(group, obj, now, columns)},
    })
  })
}
