// Typed decoding of a JSON object against a kind's schema, as Kubernetes' strict JSON decoder does into Go structs.
import {parseQuantity} from '../quantity.js'
import {resolve, type Schema} from './index.js'

/** What decoding found: the first type error (Go's wording) and every unknown field path. */
export interface DecodeResult {
  typeError?: string
  unknown: string[]
}

const INT32 = 2 ** 31

/** Go's encoding/json name for a JSON value's type, as its "cannot unmarshal X" errors say. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'boolean') return 'bool'
  return typeof v
}

/** The Go type a schema decodes into, as Go prints it (`int32`, `[]v1.Container`, `map[string]string`). */
export function goType(schema: Schema): string {
  if (schema.$ref) {
    const parts = schema.$ref.split('.')
    return `${parts.at(-2)}.${parts.at(-1)}`
  }
  switch (schema.type) {
    case 'integer': return schema.format === 'int32' ? 'int32' : 'int64'
    case 'number': return 'float64'
    case 'boolean': return 'bool'
    case 'string': return schema.format === 'byte' ? '[]uint8' : 'string'
    case 'array': return `[]${goType(schema.items ?? {})}`
    case 'object': return schema.additionalProperties ? `map[string]${goType(schema.additionalProperties)}` : 'map[string]interface {}'
    default: return 'interface {}'
  }
}

/** The index of the first byte Go's standard base64 decoder rejects, or -1 when the text decodes. */
export function base64ErrorAt(text: string): number {
  const s = text.replace(/[\r\n]/g, '')
  const valid = /^[A-Za-z0-9+/]*$/
  const body = s.replace(/=+$/, '')
  for (let i = 0; i < body.length; i++) if (!valid.test(body[i])) return i
  const pad = s.length - body.length
  if (s.length % 4 === 0 && pad <= 2 && !(pad > 0 && body.length % 4 === 0) && body.length % 4 !== 1) return -1
  if (pad === 0 && s.length % 4 !== 0) return s.length - (s.length % 4 === 1 ? 1 : 0)
  return body.length
}

/** A decoding pass over one object; `prune` removes unknown fields as Go's decoder drops them. */
class Decoder {
  readonly unknown: string[] = []
  typeError?: string

  constructor(private readonly prune: boolean) {}

  private fail(found: unknown, want: string, struct: string, field: string): void {
    // A number that does not fit an integer type is named with its value, as Go does.
    const what = typeof found === 'number' && /^u?int/.test(want) ? `number ${found}` : jsonType(found)
    this.typeError ??= `json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${want}`
  }

  /** `path` names fields as Kubernetes' unknown-field errors do (with [i]); `field` as Go's type errors do. */
  value(v: unknown, schema: Schema, path: string, field: string, struct: string): void {
    if (v === null || v === undefined || this.typeError) return
    const ref = schema.$ref
    const s = resolve(schema)
    if (ref) {
      // Custom unmarshallers: their own wording, no struct field in it.
      if (s.format === 'int-or-string') {
        if (typeof v === 'string') return
        if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) >= INT32) {
          this.typeError ??= `json: cannot unmarshal ${typeof v === 'number' ? `number ${v}` : jsonType(v)} into Go value of type int32`
        }
        return
      }
      if (s.format === 'quantity') {
        if (typeof v !== 'string' && typeof v !== 'number') {
          this.typeError ??= `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
          return
        }
        try {
          parseQuantity(v)
        } catch {
          this.typeError ??= `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
        }
        return
      }
      if (s.format === 'date-time') {
        if (typeof v !== 'string') this.fail(v, goType(schema), struct, field)
        return
      }
    }
    switch (s.type) {
      case 'string':
        if (typeof v !== 'string') return this.fail(v, goType(s), struct, field)
        if (s.format === 'byte') {
          const at = base64ErrorAt(v)
          if (at >= 0) this.typeError ??= `illegal base64 data at input byte ${at}`
        }
        return
      case 'boolean':
        if (typeof v !== 'boolean') this.fail(v, 'bool', struct, field)
        return
      case 'integer': {
        const limit = s.format === 'int32' ? INT32 : 2 ** 63
        if (typeof v !== 'number' || !Number.isInteger(v) || v >= limit || v < -limit) this.fail(v, goType(s), struct, field)
        return
      }
      case 'number':
        if (typeof v !== 'number') this.fail(v, 'float64', struct, field)
        return
      case 'array':
        if (!Array.isArray(v)) return this.fail(v, goType(ref ? schema : s), struct, field)
        v.forEach((item, i) => this.value(item, s.items ?? {}, `${path}[${i}]`, field, struct))
        return
      case 'object':
        if (typeof v !== 'object' || Array.isArray(v)) return this.fail(v, goType(ref ? schema : s), struct, field)
        if (s.properties) return this.object(v as Record<string, unknown>, s, path, field, ref ? goType(schema).split('.')[1] : struct)
        if (s.additionalProperties) {
          for (const [k, item] of Object.entries(v)) this.value(item, s.additionalProperties, `${path}.${k}`, field, struct)
        }
        return
      default:
        return
    }
  }

  object(obj: Record<string, unknown>, schema: Schema, path: string, field: string, struct: string): void {
    const props = schema.properties ?? {}
    for (const [k, v] of Object.entries(obj)) {
      const sub = path ? `${path}.${k}` : k
      const prop = props[k]
      if (!prop) {
        this.unknown.push(sub)
        if (this.prune) delete obj[k]
        continue
      }
      this.value(v, prop, sub, field ? `${field}.${k}` : k, struct)
    }
  }
}

/**
 * Decodes `obj` (a whole object of the kind named by `definition`) as Kubernetes' strict decoder would.
 * apiVersion and kind are type meta, always known. With `prune`, unknown fields are removed in place.
 */
export function decodeTyped(obj: Record<string, unknown>, definition: string, prune: boolean): DecodeResult {
  const d = new Decoder(prune)
  const root = resolve({$ref: definition})
  d.object(obj, root, '', '', definition.split('.').at(-1)!)
  return {typeError: d.typeError, unknown: d.unknown}
}
