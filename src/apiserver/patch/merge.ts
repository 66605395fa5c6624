// JSON merge patch (RFC 7386): objects merge recursively, null deletes, everything else replaces.
import {clone, isObject, type Json} from './util.js'

export function jsonMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return clone(patch as Json)
  const out: Record<string, Json> = isObject(target) ? {...target} : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = jsonMergePatch(out[k], v)
  }
  return out
}
