// Subresources with their own shape: scale (autoscaling/v1 Scale), pods/binding, pods/log placeholder.
import type {ResourceDef} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {StoreError} from '../../store/index.js'
import {selectorString} from '../../api/selectors.js'
import {decodeBody, mediaType} from '../body.js'
import {getOrNotFound, type ServerContext, storeFailure, toApiObject} from '../context.js'
import {customScale, writePath} from '../crd/scale.js'
import {ApiError, errors} from '../errors.js'
import {prepareUpdate, recordUpdate} from '../objects.js'
import type {HandlerInput, HandlerResult} from './types.js'


/** The Scale view of a workload. */
export function toScale(obj: KubeObject, def?: ResourceDef): KubeObject {
  const md = obj.metadata
  if (def?.scalePaths) {
    const c = customScale(obj, def.scalePaths)
    return {kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: {name: md.name, namespace: md.namespace, uid: md.uid, resourceVersion: md.resourceVersion, creationTimestamp: md.creationTimestamp},
      spec: {replicas: c.replicas}, status: {replicas: c.statusReplicas, selector: c.selector}}
  }
  // A ReplicationController's selector is a plain label map; the Scale reports it in selector syntax all the same.
  const selector = obj.kind === 'ReplicationController' ? {matchLabels: obj.spec?.selector} : obj.spec?.selector
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: {name: md.name, namespace: md.namespace, uid: md.uid, resourceVersion: md.resourceVersion, creationTimestamp: md.creationTimestamp},
    spec: {replicas: obj.spec?.replicas ?? 1},
    status: {replicas: obj.status?.replicas ?? 0, selector: selectorString(selector)},
  }
}

async function writeReplicas(ctx: ServerContext, def: ResourceDef, r: HandlerInput['r'], replicas: unknown, wantedRv: string | undefined, userAgent: string | undefined): Promise<KubeObject> {
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', r.name!, [{reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`}])
  }
  for (let attempt = 0; ; attempt++) {
    const stored = await getOrNotFound(ctx, def, r.namespace, r.name!)
    if (wantedRv && wantedRv !== String(stored.modRevision)) throw errors.conflict(def.resource, def.group, r.name!)
    const old = stored.value
    const wanted = structuredClone(old)
    if (def.scalePaths) writePath(wanted, def.scalePaths.specReplicasPath, replicas)
    else wanted.spec = {...old.spec, replicas}
    const next = prepareUpdate(def, wanted, old, 'main')
    recordUpdate(next, old, def, r.query.get('fieldManager'), userAgent, ctx.now(), 'scale')
    if (r.query.getAll('dryRun').includes('All')) return toApiObject(def, {value: next, modRevision: stored.modRevision})
    try {
      const rev = await ctx.store.update(stored.key, next, stored.modRevision)
      return toApiObject(def, {value: next, modRevision: rev})
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Conflict' && !wantedRv && attempt < 5) continue
      throw storeFailure(err, def, r.name!)
    }
  }
}

/** GET/PUT/PATCH .../scale */
export async function scale(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const def = r.def
  if (r.verb === 'get') return {code: 200, body: toScale(toApiObject(def, await getOrNotFound(ctx, def, r.namespace, r.name!)), def)}
  if (r.verb === 'update') {
    const body = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject | undefined
    if (!body) throw errors.badRequest('the request body is empty')
    return {code: 200, body: toScale(await writeReplicas(ctx, def, r, body.spec?.replicas, body.metadata?.resourceVersion, input.req.headers['user-agent']), def)}
  }
  if (r.verb === 'patch') {
    // Patch the Scale view, then write its replicas back.
    const current = toScale(toApiObject(def, await getOrNotFound(ctx, def, r.namespace, r.name!)), def)
    const type = mediaType(input.req)
    const scaleDef = {...def, group: 'autoscaling', version: 'v1', kind: 'Scale'}
    const body = decodeBody(input.raw, type, ctx.deps)
    let patched: KubeObject
    try {
      patched = ctx.deps.applyPatch(current, body, type as never, scaleDef)
    } catch (err) {
      const e = err as {code?: number; message?: string}
      throw new ApiError(e.code ?? 422, e.code === 415 ? 'UnsupportedMediaType' : 'Invalid', e.message ?? String(err))
    }
    const rv = patched.metadata?.resourceVersion !== current.metadata.resourceVersion ? patched.metadata?.resourceVersion : undefined
    return {code: 200, body: toScale(await writeReplicas(ctx, def, r, patched.spec?.replicas, rv, input.req.headers['user-agent']), def)}
  }
  throw errors.methodNotAllowed(r.verb)
}

/** POST pods/<name>/binding (or /bindings): sets spec.nodeName once. */
export async function binding(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const body = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject | undefined
  const podName = r.name ?? body?.metadata?.name
  const target = body?.target as {name?: string; kind?: string} | undefined
  if (!podName || !target?.name) {
    throw errors.invalid('Binding', '', podName ?? '', [{reason: 'FieldValueRequired', field: 'target.name', message: 'Required value'}])
  }
  const podDef = ctx.registry.lookup('', 'v1', 'pods')!
  for (let attempt = 0; ; attempt++) {
    const stored = await getOrNotFound(ctx, podDef, r.namespace, podName)
    const pod = stored.value
    if (pod.metadata.deletionTimestamp) throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${podName}": pod ${podName} is being deleted, cannot be assigned to a host`)
    if (pod.spec?.nodeName) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${podName}": pod ${podName} is already assigned to node "${pod.spec.nodeName}"`, {name: podName, kind: 'pods/binding'})
    }
    const next = structuredClone(pod)
    next.spec = {...next.spec, nodeName: target.name}
    const conditions = (next.status?.conditions ?? []).filter((c: {type: string}) => c.type !== 'PodScheduled')
    next.status = {...next.status, conditions: [...conditions, {type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')}]}
    if (r.query.getAll('dryRun').includes('All')) break
    try {
      await ctx.store.update(stored.key, next, stored.modRevision)
      break
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Conflict' && attempt < 5) continue
      throw storeFailure(err, podDef, podName)
    }
  }
  return {code: 201, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201}}
}
