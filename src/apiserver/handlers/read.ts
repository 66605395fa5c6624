// get and list (with selectors, limit/continue and Table output).
import {apiVersionOf, type ResourceDef} from '../../api/registry.js'
import type {KubeObject} from '../../api/types.js'
import {getOrNotFound, prefixOf, type ServerContext, storeFailure, toApiObject} from '../context.js'
import {combine, fieldSelector, labelSelector, type Selector} from '../selectors.js'
import {toTable, wantsTable} from '../table.js'
import {awaitRevision, listAt} from './resourceversion.js'
import type {HandlerInput, HandlerResult} from './types.js'

/** GET on an item. */
export async function get(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const obj = toApiObject(r.def, await getOrNotFound(ctx, r.def, r.namespace, r.name!))
  if (wantsTable(input.req)) {
    return {code: 200, body: toTable(ctx, r.def, [obj], {resourceVersion: obj.metadata.resourceVersion}, r.query.get('includeObject'))}
  }
  return {code: 200, body: obj}
}

/** The selector of a list or watch request. */
export function requestSelector(q: URLSearchParams): Selector | undefined {
  return combine(labelSelector(q.get('labelSelector')), fieldSelector(q.get('fieldSelector')))
}

/** Lists matching objects, filling pages after filtering so `limit` counts matches. */
export async function listObjects(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, q: URLSearchParams) {
  const selector = requestSelector(q)
  const limit = Number(q.get('limit') ?? 0) || 0
  const prefix = prefixOf(def, namespace)
  const at = listAt(q)
  const rv = q.get('resourceVersion')
  // resourceVersion "0" (any state) or a revision the cache has reached: served from memory, as kube-apiserver's cacher does.
  if (ctx.watchCache?.list && !q.get('continue') && limit === 0 && (rv === '0' || at.match === 'NotOlderThan')) {
    const cached = await ctx.watchCache.list(prefix, at.match === 'NotOlderThan' ? at.revision : 0).catch(() => undefined)
    if (cached) {
      const objs = cached.items.map((s) => toApiObject(def, s)).filter((o) => !selector || selector(o))
      return {items: objs, revision: cached.revision, continue: undefined, remainingItemCount: undefined}
    }
  }
  // etcd refuses an exact read of a revision it has not reached; NotOlderThan checks the list's own revision below.
  if (at.match === 'Exact') await awaitRevision(ctx, at.revision)
  const items: KubeObject[] = []
  let token = q.get('continue') ?? undefined
  let revision = 0
  let remaining: number | undefined
  try {
    for (;;) {
      const exact = at.match === 'Exact' && !token ? at.revision : undefined
      const page = await ctx.store.list(prefix, {limit: limit > 0 ? limit - items.length : undefined, continue: token, revision: exact})
      revision = page.revision
      for (const s of page.items) {
        const obj = toApiObject(def, s)
        if (!selector || selector(obj)) items.push(obj)
      }
      token = page.continue
      remaining = selector ? undefined : page.remainingItemCount
      if (!token || limit === 0 || items.length >= limit) break
    }
  } catch (err) {
    throw storeFailure(err, def, '')
  }
  if (at.match === 'NotOlderThan' && revision < at.revision && !q.get('continue')) {
    // A client that saw a newer revision elsewhere: wait for the store to reach it (or 504), then list again.
    await awaitRevision(ctx, at.revision)
    return listObjects(ctx, def, namespace, q)
  }
  return {items, revision, continue: token, remainingItemCount: remaining}
}

/** GET on a collection. */
export async function list(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  const result = await listObjects(ctx, r.def, r.namespace, r.query)
  const meta = {
    resourceVersion: String(result.revision),
    ...(result.continue ? {continue: result.continue} : {}),
    ...(result.remainingItemCount ? {remainingItemCount: result.remainingItemCount} : {}),
  }
  if (wantsTable(input.req)) return {code: 200, body: toTable(ctx, r.def, result.items, meta, r.query.get('includeObject'))}
  return {code: 200, body: {apiVersion: apiVersionOf(r.def), kind: r.def.listKind, metadata: meta, items: result.items}}
}
