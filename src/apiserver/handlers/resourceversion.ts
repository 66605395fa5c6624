// resourceVersion and resourceVersionMatch on lists and watches: parsing, waiting for a future revision, Kubernetes' errors.
import type {StatusCause} from '../../api/types.js'
import {ApiError, errors} from '../errors.js'
import type {ServerContext} from '../context.js'

/** How long a request for a revision the store has not reached waits before answering 504 (kube-apiserver's cacher: 3 s). */
const futureWaitMs = 3000
const pollMs = 50

/** What a list asks for: the latest state, state no older than a revision, or exactly one revision. */
export type ListAt = {match: 'Latest'} | {match: 'NotOlderThan'; revision: number} | {match: 'Exact'; revision: number}

function invalidListOptions(cause: StatusCause): ApiError {
  return errors.invalid('ListOptions', 'meta.k8s.io', '', [cause])
}

/** Parses a resourceVersion parameter: undefined for unset, a 400 for anything but a non-negative integer. */
export function parseResourceVersion(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${raw}`)
  return n
}

/** Reads `resourceVersion` and `resourceVersionMatch` of a list as ValidateListOptions does. */
export function listAt(q: URLSearchParams): ListAt {
  const rv = parseResourceVersion(q.get('resourceVersion'))
  const match = q.get('resourceVersionMatch')
  if (match) {
    if (rv === undefined) throw invalidListOptions({reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'})
    if (match !== 'NotOlderThan' && match !== 'Exact') {
      throw invalidListOptions({reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`})
    }
    if (match === 'Exact' && rv === 0) throw invalidListOptions({reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'})
    if (q.get('continue')) throw invalidListOptions({reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch is forbidden when continue is provided'})
    return {match, revision: rv!}
  }
  // "0" means any state is fine; a plain number means no older than it (legacy semantics).
  return rv ? {match: 'NotOlderThan', revision: rv} : {match: 'Latest'}
}

/** Kubernetes' answer when a client asks for a revision the server has not seen: 504 with ResourceVersionTooLarge. */
function tooLarge(wanted: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`,
    {causes: [{reason: 'ResourceVersionTooLarge', message: 'Too large resource version'}], retryAfterSeconds: 1})
}

/** Waits until the store has reached `revision` (a client may have seen it from another server), or throws 504 after 3 s. */
export async function awaitRevision(ctx: ServerContext, revision: number): Promise<void> {
  const deadline = Date.now() + futureWaitMs
  for (;;) {
    const current = await ctx.store.currentRevision()
    if (current >= revision) return
    if (Date.now() >= deadline) throw tooLarge(revision, current)
    await new Promise((r) => setTimeout(r, pollMs))
  }
}
