// Rules for cluster names: they become Docker container, network and kubeconfig names.

// Long enough for real names, short enough that "NAME-control-plane99" stays a valid 63-char DNS label.
const MAX_NAME = 40

/** Returns an error message when `name` cannot be a cluster name, else undefined. */
export function validateClusterName(name: string): string | undefined {
  if (name.length === 0) return 'cluster name must not be empty'
  if (name.length > MAX_NAME) return `cluster name "${name}" is too long (${name.length} characters, at most ${MAX_NAME})`
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return `invalid cluster name "${name}": use lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. "dev-1")`
  }
  return undefined
}
