// delete and deletecollection: finalizers, graceful pod deletion, namespace termination.
import {apiVersionOf, type ResourceDef} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {StoreError} from '../../store/index.js'
import {decodeBody, mediaType} from '../body.js'
import {getOrNotFound, type ServerContext, storeFailure, toApiObject} from '../context.js'
import {errors} from '../errors.js'
import {timestamp} from '../objects.js'
import {listObjects} from './read.js'
import {finalized} from './write.js'
import type {HandlerInput, HandlerResult} from './types.js'
import {admitValidating} from '../admission/index.js'
import {queryFlag} from '../../api/query.js'
import type {UserInfo} from '../authn.js'

/** The DeleteOptions a delete (or an eviction) honours. */
export interface DeleteOptions {
  gracePeriodSeconds?: number
  preconditions?: {uid?: string; resourceVersion?: string}
  propagationPolicy?: string
  /** The older form of propagationPolicy: true orphans the dependents, false deletes them in the background. */
  orphanDependents?: boolean
  dryRun?: string[]
}


function options(input: HandlerInput): DeleteOptions {
  const body = (decodeBody(input.raw, mediaType(input.req), input.ctx.deps) ?? {}) as DeleteOptions
  const q = input.r.query
  if (q.has('gracePeriodSeconds')) body.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'))
  if (q.has('propagationPolicy')) body.propagationPolicy = q.get('propagationPolicy')!
  if (q.getAll('dryRun').length) body.dryRun = q.getAll('dryRun')
  if (q.has('orphanDependents')) body.orphanDependents = queryFlag(q, 'orphanDependents')
  return body
}

/** The propagation policy `opts` ask for, orphanDependents read as Kubernetes reads it (both set is invalid). */
function propagationOf(opts: DeleteOptions): string | undefined {
  if (opts.orphanDependents === undefined || opts.orphanDependents === null) return opts.propagationPolicy
  if (opts.propagationPolicy) {
    throw errors.invalid('DeleteOptions', '', '', [{reason: 'FieldValueInvalid', field: 'propagationPolicy',
      message: `Invalid value: ${JSON.stringify(opts.propagationPolicy)}: orphanDependents and deletionPropagation cannot be both set`}])
  }
  return opts.orphanDependents ? 'Orphan' : 'Background'
}

/** Deletes (or starts deleting) one object; returns its final or current state. */
export async function deleteObject(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions, user: UserInfo): Promise<{obj: KubeObject; gone: boolean}> {
  for (let attempt = 0; ; attempt++) {
    const stored = await getOrNotFound(ctx, def, namespace, name)
    const obj = toApiObject(def, structuredClone(stored))
    const md = obj.metadata
    if (attempt === 0) {
      await admitValidating(ctx.admission, {operation: 'DELETE', def, namespace, name, oldObject: obj, user, dryRun: !!opts.dryRun?.includes('All'), options: opts}, ctx)
    }
    if (opts.preconditions?.uid && opts.preconditions.uid !== md.uid) {
      throw errors.conflictPrecondition(def, name, `UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${md.uid}`)
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== md.resourceVersion) {
      throw errors.conflictPrecondition(def, name, `ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${md.resourceVersion}`)
    }
    const dry = opts.dryRun?.includes('All')
    const now = ctx.now()
    let next: KubeObject | undefined
    // Foreground and Orphan deletion are carried out by the garbage collector: the object stays, marked, with the
    // finalizer telling the collector what to do first (as the Kubernetes registry does). An object deleted
    // gracefully (a pod on a node) keeps that path instead.
    const policy = propagationOf(opts)
    const gcFinalizer = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined
    const graceful = def.strategy?.gracefulDeletion
    const gracefulNow = !!graceful?.applies(obj)
    if (gcFinalizer && !gracefulNow && !(md.finalizers ?? []).includes(gcFinalizer)) {
      next = structuredClone(stored.value)
      const other = gcFinalizer === 'orphan' ? 'foregroundDeletion' : 'orphan'
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []).filter((f: string) => f !== other), gcFinalizer]
      if (!next.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = timestamp(now)
        next.metadata.deletionGracePeriodSeconds = 0
        def.strategy?.markDeleting?.(next)
      }
    } else if ((md.finalizers ?? []).length > 0 || !finalized(def, obj)) {
      // Finalizers hold the object: mark it and let their owners finish. A pod on a node still gets its grace period
      // (its node needs it to stop the containers), and a later, shorter one replaces it, as in Kubernetes.
      const grace = gracefulNow ? graceful!.period(obj, opts.gracePeriodSeconds) : 0
      if (!md.deletionTimestamp) {
        next = structuredClone(stored.value)
        next.metadata.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000))
        next.metadata.deletionGracePeriodSeconds = grace
        def.strategy?.markDeleting?.(next)
      } else if (gracefulNow && (md.deletionGracePeriodSeconds ?? 0) > grace) {
        next = structuredClone(stored.value)
        next.metadata.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000))
        next.metadata.deletionGracePeriodSeconds = grace
      }
    } else if (graceful && gracefulNow && opts.gracePeriodSeconds !== 0 && !md.deletionTimestamp) {
      const grace = graceful.period(obj, opts.gracePeriodSeconds)
      next = structuredClone(stored.value)
      next.metadata.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000))
      next.metadata.deletionGracePeriodSeconds = grace
    } else if (graceful && md.deletionTimestamp && opts.gracePeriodSeconds !== 0) {
      // Already on its graceful way: only a forced delete (grace 0) removes it now.
      return {obj, gone: false}
    } else {
      if (dry) return {obj, gone: true}
      try {
        const {revision} = await ctx.store.delete(stored.key, stored.modRevision)
        obj.metadata.resourceVersion = String(revision)
        return {obj, gone: true}
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < 5) continue
        throw storeFailure(err, def, name)
      }
    }
    if (!next || dry) return {obj: next ? toApiObject(def, {value: next, modRevision: stored.modRevision}) : obj, gone: false}
    try {
      const rev = await ctx.store.update(stored.key, next, stored.modRevision)
      return {obj: toApiObject(def, {value: next, modRevision: rev}), gone: false}
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Conflict' && attempt < 5) continue
      throw storeFailure(err, def, name)
    }
  }
}

/** DELETE on an item. */
export async function remove(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const opts = options(input)
  const {obj, gone} = await deleteObject(ctx, r.def, r.namespace, r.name!, opts, input.user)
  // Kept (finalizers, a graceful pod deletion): the object as it now stands. Kubernetes answers 202 for that only
  // when the caller asked for cascading deletion with orphanDependents=false, and 200 otherwise, for old clients.
  if (!gone) return {code: opts.orphanDependents === false ? 202 : 200, body: obj}
  // Removed at once: the object for the kinds whose registry returns it (pods, services, ...), else a Status naming it.
  if (r.def.strategy?.deleteReturnsObject) return {code: 200, body: obj}
  return {code: 200, body: {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: {name: r.name, group: r.def.group, kind: r.def.resource, uid: obj.metadata.uid},
  }}
}

/** DELETE on a collection: deletes every match and returns them as a list. */
export async function removeCollection(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const opts = options(input)
  const {items, revision} = await listObjects(ctx, r.def, r.namespace, r.query)
  const out: KubeObject[] = []
  for (const item of items) {
    try {
      out.push((await deleteObject(ctx, r.def, item.metadata.namespace, item.metadata.name!, opts, input.user)).obj)
    } catch (err) {
      if ((err as {code?: number}).code !== 404) throw err
    }
  }
  return {code: 200, body: {apiVersion: apiVersionOf(r.def), kind: r.def.listKind, metadata: {resourceVersion: String(revision)}, items: out}}
}
