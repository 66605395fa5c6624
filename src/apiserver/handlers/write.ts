// create, update and patch of main resources and the status subresource.
import type {ResourceDef} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {StoreError} from '../../store/index.js'
import {decodeBody, mediaType} from '../body.js'
import {getOrNotFound, keyOf, type ServerContext, storeFailure, toApiObject} from '../context.js'
import type {PatchContentType} from '../deps.js'
import {ApiError, errors} from '../errors.js'
import {depthMessage, exceedsDepth} from '../depth.js'
import {bodyDuplicates, checkFields} from '../fieldvalidation.js'
import {checkTypeMeta, prepareCreate, prepareUpdate, recordManager, recordUpdate, unchanged} from '../objects.js'
import {addWarning} from '../respond.js'
import {allocateAndWrite} from '../allocate.js'
import type {HandlerInput, HandlerResult} from './types.js'
import {admitMutating, admitValidating, type AdmissionAttributes} from '../admission/index.js'
import type {UserInfo} from '../authn.js'
import {queryFlag} from '../../api/query.js'

const patchTypes = new Set<string>(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'])

function isDryRun(q: URLSearchParams): boolean {
  return q.getAll('dryRun').includes('All')
}

function validate(ctx: ServerContext, def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  const causes = ctx.deps.validateObject(def, obj, old)
  if (causes.length > 0) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? '', causes)
}

/** POST on a collection. */
export async function create(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r, res} = input
  const obj = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject
  if (obj === undefined) throw errors.badRequest('the request body is empty')
  checkTypeMeta(r.def, obj)
  const directive = r.query.get('fieldValidation')
  for (const w of checkFields(r.def, obj, directive, bodyDuplicates(input.raw, mediaType(input.req), directive))) addWarning(res, w)
  const created = await createObject(ctx, r.def, obj, r.namespace, r.query, 'Update', input.user, w => addWarning(res, w))
  return {code: 201, body: created}
}

/** Creates `obj` (already type-checked) in `namespace`; shared by POST and server-side apply. */
export async function createObject(ctx: ServerContext, def: ResourceDef, obj: KubeObject, namespace: string | undefined, q: URLSearchParams, operation: 'Update' | 'Apply', user: UserInfo, warn?: (text: string) => void): Promise<KubeObject> {
  const md = obj.metadata
  if (def.namespaced) {
    if (md.namespace && namespace && md.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    md.namespace = namespace ?? md.namespace
    if (!md.namespace) throw errors.badRequest('a namespace is required for a namespaced resource')
    const nsDef = ctx.registry.lookup('', 'v1', 'namespaces')!
    const ns = await ctx.store.get(keyOf(nsDef, undefined, md.namespace))
    if (!ns) throw errors.notFound('namespaces', '', md.namespace)
    if (ns.value.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${def.resource} "${md.name ?? md.generateName ?? ''}" is forbidden: unable to create new content in namespace ${md.namespace} because it is being terminated`)
    }
  } else {
    delete md.namespace
  }
  if (!md.name && !md.generateName) {
    throw errors.invalid(def.kind, def.group, '', [{reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required'}])
  }
  const now = ctx.now()
  prepareCreate(def, obj, now)
  ctx.deps.applyDefaults(def, obj)
  const attrs: AdmissionAttributes = {operation: 'CREATE', def, namespace: md.namespace, name: md.name ?? '', object: obj, user, dryRun: isDryRun(q), warn}
  await admitMutating(ctx.admission, attrs, ctx)
  validate(ctx, def, obj)
  await admitValidating(ctx.admission, attrs, ctx)
  if (operation === 'Apply') recordManager(obj, def, q.get('fieldManager') ?? defaultManager(q), operation, now)
  else recordUpdate(obj, undefined, def, q.get('fieldManager'), undefined, now)
  return allocateAndWrite(ctx, def, obj, undefined, async () => {
    if (isDryRun(q)) return obj
    // generateName collisions are retried with a fresh suffix, as Kubernetes clients would have to otherwise.
    for (let attempt = 0; ; attempt++) {
      try {
        const rev = await ctx.store.create(keyOf(def, md.namespace, md.name!), obj)
        return toApiObject(def, {value: obj, modRevision: rev})
      } catch (err) {
        if (err instanceof StoreError && err.code === 'AlreadyExists' && md.generateName && attempt < 3 && md.name!.startsWith(md.generateName)) {
          md.name = undefined
          prepareCreate(def, obj, now)
          continue
        }
        throw storeFailure(err, def, md.name!)
      }
    }
  })
}

function defaultManager(q: URLSearchParams): string | null {
  return q.has('fieldManager') ? q.get('fieldManager') : null
}

/** Writes `next` over the stored object at `expectedRevision`; finalizes a deleting object whose finalizers are gone. */
export async function writeUpdate(ctx: ServerContext, def: ResourceDef, old: KubeObject, oldRevision: number, next: KubeObject, q: URLSearchParams): Promise<KubeObject> {
  const md = next.metadata
  if (unchanged(next, old)) return toApiObject(def, {value: old, modRevision: oldRevision})
  if (isDryRun(q)) return toApiObject(def, {value: next, modRevision: oldRevision})
  const key = keyOf(def, md.namespace, md.name!)
  // A pod still within its grace period stays until its node has stopped it (the node's final delete sets the period to 0).
  if (md.deletionTimestamp && (md.finalizers ?? []).length === 0 && !md.deletionGracePeriodSeconds && finalized(def, next)) {
    const {revision} = await ctx.store.delete(key, oldRevision)
    return toApiObject(def, {value: next, modRevision: revision})
  }
  const rev = await ctx.store.update(key, next, oldRevision)
  return toApiObject(def, {value: next, modRevision: rev})
}

/** Whether the kind lets a deleting object without finalizers go (a namespace waits for its content cleanup). */
export function finalized(def: ResourceDef, obj: KubeObject): boolean {
  return def.strategy?.finalized?.(obj) ?? true
}

/** PUT on an item or its status subresource. */
export async function update(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r, res} = input
  const def = r.def
  const obj = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject
  if (obj === undefined) throw errors.badRequest('the request body is empty')
  checkTypeMeta(def, obj)
  if (obj.metadata.name && obj.metadata.name !== r.name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${r.name})`)
  }
  const directive = r.query.get('fieldValidation')
  for (const w of checkFields(def, obj, directive, bodyDuplicates(input.raw, mediaType(input.req), directive))) addWarning(res, w)
  const wanted = obj.metadata.resourceVersion
  const part = r.subresource === 'status' ? 'status' : 'main'
  for (let attempt = 0; ; attempt++) {
    const stored = await getOrNotFound(ctx, def, r.namespace, r.name!)
    if (wanted && wanted !== String(stored.modRevision)) throw errors.conflict(def.resource, def.group, r.name!)
    const old = stored.value
    const next = prepareUpdate(def, structuredClone(obj), old, part)
    ctx.deps.applyDefaults(def, next)
    await admitUpdate(ctx, input, next, old, () => validate(ctx, def, next, old))
    recordUpdate(next, old, def, r.query.get('fieldManager'), input.req.headers['user-agent'], ctx.now(), r.subresource)
    try {
      const write = () => writeUpdate(ctx, def, old, stored.modRevision, next, r.query)
      // A status write keeps the spec as stored: nothing to allocate.
      return {code: 200, body: await (part === 'status' ? write() : allocateAndWrite(ctx, def, next, old, write))}
    } catch (err) {
      // Without a client precondition the write is unconditional: retry on a concurrent change.
      if (err instanceof StoreError && err.code === 'Conflict' && !wanted && attempt < 5) continue
      throw storeFailure(err, def, r.name!)
    }
  }
}

/** PATCH on an item or its status subresource (server-side apply creates when absent). */
export async function patch(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const def = r.def
  const type = mediaType(input.req)
  if (!patchTypes.has(type)) throw errors.unsupportedMediaType(type)
  const body = decodeBody(input.raw, type, ctx.deps)
  if (body === undefined) throw errors.badRequest('the patch body is empty')
  const apply = type === 'application/apply-patch+yaml'
  const manager = r.query.get('fieldManager')
  if (apply && !manager) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
  const force = queryFlag(r.query, 'force')
  const gvk = {group: def.group, version: def.version, kind: def.kind}
  const part = r.subresource === 'status' ? 'status' : 'main'
  for (let attempt = 0; ; attempt++) {
    const stored = await ctx.store.get(keyOf(def, r.namespace, r.name!))
    if (!stored) {
      if (!apply || r.subresource) throw errors.notFound(def.resource, def.group, r.name!)
      const fresh = runPatch(ctx, {apiVersion: undefined, kind: undefined, metadata: {}} as unknown as KubeObject, body, type as PatchContentType, gvk, manager, force)
      checkTypeMeta(def, fresh)
      fresh.metadata.name ??= r.name
      if (fresh.metadata.name !== r.name) throw errors.badRequest('the name of the object does not match the name on the URL')
      for (const w of checkFields(def, fresh, r.query.get('fieldValidation'))) addWarning(input.res, w)
      const created = await createObject(ctx, def, fresh, r.namespace, r.query, 'Apply', input.user)
      return {code: 201, body: created}
    }
    const current = toApiObject(def, structuredClone(stored))
    const patched = runPatch(ctx, current, body, type as PatchContentType, gvk, manager, force)
    checkTypeMeta(def, patched)
    for (const w of checkFields(def, patched, r.query.get('fieldValidation'))) addWarning(input.res, w)
    const wanted = patched.metadata.resourceVersion
    if (wanted && wanted !== String(stored.modRevision)) throw errors.conflict(def.resource, def.group, r.name!)
    const next = prepareUpdate(def, patched, stored.value, part)
    ctx.deps.applyDefaults(def, next)
    await admitUpdate(ctx, input, next, stored.value, () => validate(ctx, def, next, stored.value))
    if (apply) recordManager(next, def, manager, 'Apply', ctx.now(), r.subresource)
    else recordUpdate(next, stored.value, def, manager, input.req.headers['user-agent'], ctx.now(), r.subresource)
    try {
      const write = () => writeUpdate(ctx, def, stored.value, stored.modRevision, next, r.query)
      return {code: 200, body: await (part === 'status' ? write() : allocateAndWrite(ctx, def, next, stored.value, write))}
    } catch (err) {
      // A patch is computed against what was read: re-read and re-apply when someone else wrote meanwhile.
      if (err instanceof StoreError && err.code === 'Conflict' && attempt < 5) continue
      throw storeFailure(err, def, r.name!)
    }
  }
}

/** An update through admission: mutating plugins, the kind's validation, then validating plugins. */
async function admitUpdate(ctx: ServerContext, input: HandlerInput, next: KubeObject, old: KubeObject, validateKind: () => void): Promise<void> {
  const r = input.r
  const attrs: AdmissionAttributes = {
    operation: 'UPDATE', def: r.def, namespace: r.namespace, name: r.name!, subresource: r.subresource,
    object: next, oldObject: old, user: input.user, dryRun: isDryRun(r.query), warn: w => addWarning(input.res, w),
  }
  await admitMutating(ctx.admission, attrs, ctx)
  validateKind()
  await admitValidating(ctx.admission, attrs, ctx)
}

function runPatch(ctx: ServerContext, current: KubeObject, body: unknown, type: PatchContentType, gvk: {group: string; version: string; kind: string}, manager: string | null, force: boolean): KubeObject {
  try {
    const out = ctx.deps.applyPatch(current, body, type, gvk, {fieldManager: manager ?? undefined, force})
    if (!out || typeof out !== 'object' || Array.isArray(out)) throw errors.badRequest('the patch did not produce an object')
    // Each patch body is within the limit, but patches can add up: check what would be stored.
    if (exceedsDepth(out)) throw errors.badRequest(`the object is nested too deeply: ${depthMessage()}`)
    return out
  } catch (err) {
    if (err instanceof ApiError) throw err
    const e = err as {code?: number; message?: string; causes?: unknown}
    const code = typeof e.code === 'number' ? e.code : 422
    const reason = code === 409 ? 'Conflict' : code === 400 ? 'BadRequest' : code === 415 ? 'UnsupportedMediaType' : 'Invalid'
    throw new ApiError(code, reason, e.message ?? String(err), Array.isArray(e.causes) ? {causes: e.causes as never} : undefined)
  }
}
