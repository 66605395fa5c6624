// Applies PATCH bodies of the four Kubernetes patch types to stored objects (kubectl-compat F1/F2).
import jsonPatch from 'fast-json-patch'

import type {KubeObject} from '../../api/types.js'
import {serverSideApply} from './apply.js'
import {PatchError} from './errors.js'
import {jsonMergePatch} from './merge.js'
import {rootFor} from './schema.js'
import {strategicMergePatch} from './strategic.js'
import {clone, isObject, type JsonObject} from './util.js'

export type PatchContentType =
  | 'application/json-patch+json'
  | 'application/merge-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/apply-patch+yaml'

export const PATCH_CONTENT_TYPES: readonly PatchContentType[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]

/**
 * Maps a Content-Type header to a patch type by exact media type (parameters ignored): strategic-merge-patch+json
 * contains merge-patch+json as a substring, so substring matching mis-routes it (compat G5).
 */
export function patchTypeOf(contentType: string | undefined): PatchContentType | undefined {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase()
  return PATCH_CONTENT_TYPES.find((t) => t === media)
}

/**
 * The object a server-side apply of a missing resource starts from: pass it as `current` to applyPatch, then store
 * the result as a create (201). Kubernetes creates on apply; applyPatch itself only transforms objects.
 */
export function applySkeleton(gvk: {group: string; version: string; kind: string}, name: string, namespace?: string): KubeObject {
  return {
    apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version,
    kind: gvk.kind,
    metadata: namespace ? {name, namespace} : {name},
  }
}

/**
 * Returns `current` with `patch` applied; `current` is never mutated. For apply-patch+yaml the body must already be
 * parsed (YAML/JSON) and the object must exist: creating it is the caller's job (apply onto a skeleton
 * `{apiVersion, kind, metadata: {name, namespace}}` and store the result as a create).
 */
export function applyPatch(
  current: KubeObject,
  patch: unknown,
  contentType: PatchContentType,
  gvk: {group: string; version: string; kind: string},
  opts: {fieldManager?: string; force?: boolean; now?: Date | string} = {},
): KubeObject {
  const base = clone(current) as unknown as JsonObject
  let result: unknown
  switch (contentType) {
    case 'application/json-patch+json':
      result = applyJsonPatch(base, patch)
      break
    case 'application/merge-patch+json':
      if (!isObject(patch)) throw new PatchError(400, 'a merge patch must be a JSON object')
      result = jsonMergePatch(base, patch)
      break
    case 'application/strategic-merge-patch+json': {
      if (!isObject(patch)) throw new PatchError(400, 'a strategic merge patch must be a JSON object')
      const root = rootFor(gvk)
      // Custom resources have no Go struct tags; kubectl sends merge patches for them and plain merging is the safe reading.
      result = root ? strategicMergePatch(base, patch, root) : jsonMergePatch(base, stripDirectives(patch))
      break
    }
    case 'application/apply-patch+yaml':
      return serverSideApply(current, patch, gvk, opts)
    default:
      throw new PatchError(415, `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.join(', ')}`)
  }
  if (!isObject(result)) throw new PatchError(422, 'the patch did not produce an object')
  if (!isObject(result.metadata)) result.metadata = {}
  return result as unknown as KubeObject
}

function applyJsonPatch(doc: JsonObject, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError(400, 'a JSON patch must be a list of operations')
  const err = jsonPatch.validate(patch as jsonPatch.Operation[], doc)
  if (err) {
    // A failed test is the client's precondition not holding: Kubernetes answers 422 Invalid.
    if (err.name === 'TEST_OPERATION_FAILED') throw new PatchError(422, `the server rejected our request due to an error in our request: testing value ${describeOp(err.operation)} failed`)
    throw new PatchError(422, `the server rejected our request due to an error in our request: ${err.message.split('\n')[0]}`)
  }
  try {
    return jsonPatch.applyPatch(doc, patch as jsonPatch.Operation[], false, true).newDocument
  } catch (e) {
    const ex = e as {name?: string; message?: string; operation?: unknown}
    if (ex.name === 'TEST_OPERATION_FAILED') throw new PatchError(422, `the server rejected our request due to an error in our request: testing value ${describeOp(ex.operation)} failed`)
    throw new PatchError(422, `the server rejected our request due to an error in our request: ${String(ex.message ?? e).split('\n')[0]}`)
  }
}

function describeOp(op: unknown): string {
  return isObject(op) && typeof op.path === 'string' ? `at ${op.path}` : ''
}

/** Drops $-directives so a strategic patch applied as a merge patch never persists them. */
function stripDirectives(v: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue
    out[k] = isObject(x) ? stripDirectives(x) : x
  }
  return out
}
