// Builds Kubernetes REST paths from a resource reference, the one place that knows the URL layout.

/** Identifies a resource collection, an object, or an object's subresource. */
export interface ResourceRef {
  /** API group; empty or absent for the core group (served under /api). */
  group?: string
  version: string
  /** Plural resource name, e.g. `pods`. */
  resource: string
  namespace?: string
  name?: string
  subresource?: string
}

/** Returns the URL path of ref, e.g. `/apis/apps/v1/namespaces/default/deployments/web/scale`. */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`
  const parts = [base]
  if (ref.namespace) parts.push('namespaces', encodeURIComponent(ref.namespace))
  parts.push(ref.resource)
  if (ref.name !== undefined) {
    if (ref.name === '') throw new Error(`empty name for ${ref.resource}`)
    parts.push(encodeURIComponent(ref.name))
    if (ref.subresource) parts.push(ref.subresource)
  } else if (ref.subresource) {
    throw new Error(`subresource ${ref.subresource} of ${ref.resource} needs a name`)
  }
  return parts.join('/')
}

/** A path or a reference, accepted wherever the client takes a target. */
export type Target = string | ResourceRef

/** Normalizes a target to a path. */
export function toPath(target: Target): string {
  return typeof target === 'string' ? target : resourcePath(target)
}

/** Appends the defined query parameters to path. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v))
  const qs = params.toString()
  if (!qs) return path
  return path + (path.includes('?') ? '&' : '?') + qs
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects (as client-go). */
export function objectKey(obj: {metadata: {namespace?: string; name?: string}}): string {
  const {namespace, name} = obj.metadata
  return namespace ? `${namespace}/${name}` : String(name)
}

/** Splits a key made by objectKey back into its parts. */
export function splitKey(key: string): {namespace?: string; name: string} {
  const i = key.indexOf('/')
  return i < 0 ? {name: key} : {namespace: key.slice(0, i), name: key.slice(i + 1)}
}
