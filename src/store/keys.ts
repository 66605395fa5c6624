// Storage key layout: /registry/<group>/<resource>/<namespace>/<name> (group "core" for the legacy group).

/** The key prefix holding every object of a resource, optionally within one namespace. */
export function resourcePrefix(group: string, resource: string, namespace?: string): string {
  const base = `/registry/${group || 'core'}/${resource}/`
  return namespace ? `${base}${namespace}/` : base
}

/** The key of one object; cluster-scoped objects use an empty namespace segment. */
export function objectKey(group: string, resource: string, namespace: string | undefined, name: string): string {
  return `${resourcePrefix(group, resource)}${namespace ?? ''}/${name}`
}
