// Applies one manifest object: client-side (last-applied annotation and a computed patch; create when missing) or server-side apply.
import {SkiffError} from '../../errors.js'
import type {KubeClient} from './client.js'
import {LAST_APPLIED, threeWayPatch, withLastApplied} from './patch.js'
import {resourcePath} from './resolve.js'
import {ApiError, typeName, type KubeObject, type ResourceInfo} from './types.js'

export interface ApplyOptions {
  serverSide: boolean
  dryRun: 'none' | 'client' | 'server'
  fieldManager?: string
  forceConflicts: boolean
}

/** What happened to one object, in kubectl's words. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'serverside-applied'

export interface ApplyResult {
  /** `deployment.apps/web`. */
  ref: string
  outcome: ApplyOutcome
  object?: KubeObject
}

/** The namespace an object goes to: its own, else -n / the context's; cluster-scoped objects have none. */
export function namespaceFor(obj: KubeObject, r: ResourceInfo, client: Pick<KubeClient, 'namespace' | 'explicitNamespace'>): string | undefined {
  if (!r.namespaced) return undefined
  const own = obj.metadata?.namespace
  if (own && client.explicitNamespace && own !== client.namespace) {
    throw new SkiffError(`the namespace from the provided object "${own}" does not match the namespace "${client.namespace}"; pass --namespace=${own} or remove it from the object`, {exitCode: 1})
  }
  return own || client.namespace
}

/** Applies `obj` (of type `r`) and says whether it was created, configured or unchanged. */
export async function applyObject(client: KubeClient, r: ResourceInfo, obj: KubeObject, opts: ApplyOptions): Promise<ApplyResult> {
  const name = obj.metadata?.name
  if (!name) throw new SkiffError('metadata.name is required', {exitCode: 1})
  const ns = namespaceFor(obj, r, client)
  const body: KubeObject = r.namespaced ? {...obj, metadata: {...obj.metadata, namespace: ns}} : obj
  const ref = `${typeName(r)}/${name}`
  const dryRun = opts.dryRun === 'server' ? 'All' : undefined
  if (opts.serverSide) {
    if (opts.dryRun === 'client') return {ref, outcome: 'serverside-applied', object: body}
    const object = await client.request('PATCH', resourcePath(r, ns, name), {
      body,
      contentType: 'application/apply-patch+yaml',
      query: {fieldManager: opts.fieldManager ?? 'skiff', fieldValidation: 'Strict', force: opts.forceConflicts, dryRun},
    })
    return {ref, outcome: 'serverside-applied', object}
  }
  const manager = opts.fieldManager ?? 'skiff-client-side-apply'
  // The annotation records the file's object as written (no namespace filled in), as kubectl's does, so both tools agree on "unchanged".
  const desired = withLastApplied(obj)
  if (r.namespaced) desired.metadata = {...desired.metadata, namespace: ns}
  // A write that races another writer (409) is recomputed against the fresh object, as kubectl retries.
  for (let attempt = 0; ; attempt++) {
    let current: KubeObject | undefined
    try {
      current = await client.get(resourcePath(r, ns, name))
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
    if (!current) {
      if (opts.dryRun === 'client') return {ref, outcome: 'created', object: desired}
      const object = await client.request('POST', resourcePath(r, ns), {body: desired, query: {fieldManager: manager, fieldValidation: 'Strict', dryRun}})
      return {ref, outcome: 'created', object}
    }
    const lastText = current.metadata?.annotations?.[LAST_APPLIED]
    let original: unknown
    try {
      original = lastText ? JSON.parse(lastText) : undefined
    } catch {
      original = undefined
    }
    const patch = threeWayPatch(original, desired, current)
    if (!Object.keys(patch).length) return {ref, outcome: 'unchanged', object: current}
    if (opts.dryRun === 'client') return {ref, outcome: 'configured', object: current}
    // Guard against a concurrent change the patch was not computed from.
    const guarded = {...patch, metadata: {...(patch.metadata as object | undefined), resourceVersion: current.metadata?.resourceVersion}}
    try {
      const object = await client.request('PATCH', resourcePath(r, ns, name), {
        body: guarded,
        contentType: 'application/merge-patch+json',
        query: {fieldManager: manager, fieldValidation: 'Strict', dryRun},
      })
      return {ref, outcome: 'configured', object}
    } catch (err) {
      if (err instanceof ApiError && err.code === 409 && attempt < 4) continue
      throw err
    }
  }
}

/** kubectl's suffix for dry runs. */
export function dryRunSuffix(mode: ApplyOptions['dryRun']): string {
  return mode === 'client' ? ' (dry run)' : mode === 'server' ? ' (server dry run)' : ''
}
