// Query-string booleans read the way Kubernetes reads them, shared by the apiserver and the agent so both agree.

/**
 * Whether the boolean query parameter `name` is set. Kubernetes converts a query value to a boolean by its first
 * value: absent is false, `0` and `false` (any case) are false, anything else — `true`, `True` (the Python client),
 * `1`, even an empty `?watch=` — is true.
 */
export function queryFlag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name)
  if (v === null) return false
  return v !== '0' && v.toLowerCase() !== 'false'
}
