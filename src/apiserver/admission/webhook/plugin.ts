// MutatingAdmissionWebhook and ValidatingAdmissionWebhook: the configured webhooks that match a write are called and obeyed.
import {ADMISSION_GROUP, type Webhook, type WebhookConfiguration} from '../../../api/resources/admissionregistration/types.js'
import {apiVersionOf} from '../../../api/registry.js'
import type {KubeObject} from '../../../api/types.js'
import {objectKey, type Store} from '../../../store/index.js'
import type {ServerContext} from '../../context.js'
import {ApiError, errors} from '../../errors.js'
import {KindCache} from '../cache.js'
import {anyRuleMatches, factsOf, namespaceSelectorMatches, needsNamespaceLabels, objectSelectorMatches, type RequestFacts} from '../match.js'
import type {AdmissionAttributes, AdmissionPlugin} from '../types.js'
import {type AdmissionResponse, CallError, callWebhook} from './call.js'
import {buildReview, deniedError, withTypeMeta} from './review.js'
import {celValue, conditionsHold} from '../policy/evaluate.js'

/** Webhooks are never called for writes of webhook configurations, so a broken webhook cannot lock itself in. */
const EXEMPT = new Set(['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'])

interface Caches {
  mutating: KindCache
  validating: KindCache
}

/** Reads namespace labels at most once per request, only when some selector needs them. */
function namespaceLabels(store: Store, ns: string): () => Promise<Record<string, string> | undefined> {
  let got: Promise<Record<string, string> | undefined> | undefined
  return () => (got ??= store.get(objectKey('', 'namespaces', undefined, ns)).then((s) => s?.value.metadata.labels ?? {}))
}

async function matches(w: Webhook, a: AdmissionAttributes, f: RequestFacts, nsLabels: () => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (!anyRuleMatches(w.rules, f)) return false
  if (!objectSelectorMatches(w.objectSelector, a.object, a.oldObject)) return false
  const labels = needsNamespaceLabels(w.namespaceSelector, f) ? await nsLabels() : undefined
  if (!namespaceSelectorMatches(w.namespaceSelector, f, a, labels)) return false
  return matchConditions(w, a)
}

/** matchConditions (CEL over object, oldObject, request): any false skips the webhook; an error obeys failurePolicy. */
function matchConditions(w: Webhook, a: AdmissionAttributes): boolean {
  if ((w.matchConditions ?? []).length === 0) return true
  const {object: _o, oldObject: _old, ...request} = buildReview(a).request
  const held = conditionsHold({matchConditions: w.matchConditions}, {
    object: celValue(a.operation === 'DELETE' ? null : withTypeMeta(a, a.object)),
    oldObject: celValue(a.operation === 'CREATE' ? null : withTypeMeta(a, a.oldObject)),
    request: celValue(request),
  })
  if (!(held instanceof Error)) return held
  if (w.failurePolicy === 'Ignore') return false
  throw errors.internal(`failed calling webhook "${w.name}": failed to evaluate match conditions: ${held.message.split('\n')[0]}`)
}

function hooksOf(cache: KindCache): Webhook[] {
  return cache.items().flatMap((c) => (c as WebhookConfiguration).webhooks ?? [])
}

async function matching(cache: KindCache, a: AdmissionAttributes, ctx: ServerContext): Promise<Webhook[]> {
  const f = factsOf(a)
  const ns = namespaceLabels(ctx.store, f.namespace)
  const out: Webhook[] = []
  for (const w of hooksOf(cache)) if (await matches(w, a, f, ns)) out.push(w)
  return out
}

/**
 * One call with its failure policy applied: undefined when a failure is ignored. Webhooks with side effects are not
 * called on a dry run (the request is refused, as Kubernetes does).
 */
async function call(w: Webhook, a: AdmissionAttributes, ctx: ServerContext): Promise<AdmissionResponse | undefined> {
  if (a.dryRun && w.sideEffects !== 'None' && w.sideEffects !== 'NoneOnDryRun') throw errors.badRequest(`admission webhook "${w.name}" does not support dry run`)
  try {
    return await callWebhook(ctx.store, w, buildReview(a))
  } catch (err) {
    if (!(err instanceof CallError)) throw err
    if (w.failurePolicy === 'Ignore') return undefined
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${w.name}": ${err.message}`, {causes: [{reason: '', message: `failed calling webhook "${w.name}": ${err.message}`}]})
  }
}

function obey(w: Webhook, a: AdmissionAttributes, resp: AdmissionResponse): void {
  for (const text of resp.warnings ?? []) a.warn?.(text)
  if (!resp.allowed) throw deniedError(a, w.name, resp.status)
}

/** Applies a JSONPatch answer to the object in place, then defaults it again (as kube-apiserver decodes with defaulting). */
function applyPatch(w: Webhook, a: AdmissionAttributes, ctx: ServerContext, resp: AdmissionResponse): void {
  if (!resp.patch || !a.object) return
  if (resp.patchType !== 'JSONPatch') throw errors.internal(`failed calling webhook "${w.name}": unsupported patch type "${resp.patchType ?? ''}"`)
  let ops: unknown
  try {
    ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8'))
  } catch (e) {
    throw errors.internal(`failed calling webhook "${w.name}": received invalid webhook response: ${(e as Error).message}`)
  }
  const obj = a.object
  const current = {...obj, apiVersion: obj.apiVersion ?? apiVersionOf(a.def), kind: obj.kind ?? a.def.kind}
  let next: KubeObject
  try {
    next = ctx.deps.applyPatch(structuredClone(current), ops, 'application/json-patch+json', {group: a.def.group, version: a.def.version, kind: a.def.kind})
  } catch (e) {
    throw errors.internal((e as Error).message)
  }
  for (const k of Object.keys(obj)) delete (obj as Record<string, unknown>)[k]
  Object.assign(obj, next)
  ctx.deps.applyDefaults(a.def, obj)
}

const snapshot = (o: KubeObject | undefined): string => JSON.stringify(o ?? null)

/** The two webhook plugins over one set of caches; `close` ends their watches. */
export function webhookAdmission(): {mutating: AdmissionPlugin<ServerContext>; validating: AdmissionPlugin<ServerContext>; close(): void} {
  let caches: Caches | undefined
  const ready = async (store: Store): Promise<Caches> => {
    caches ??= {mutating: new KindCache(store, ADMISSION_GROUP, 'mutatingwebhookconfigurations'), validating: new KindCache(store, ADMISSION_GROUP, 'validatingwebhookconfigurations')}
    await Promise.all([caches.mutating.ready, caches.validating.ready])
    return caches
  }
  const exempt = (a: AdmissionAttributes): boolean => a.def.group === ADMISSION_GROUP && EXEMPT.has(a.def.resource)

  const mutating: AdmissionPlugin<ServerContext> = {
    name: 'MutatingAdmissionWebhook',
    async mutate(a, ctx) {
      if (exempt(a)) return
      const hooks = await matching((await ready(ctx.store)).mutating, a, ctx)
      // reinvocationPolicy IfNeeded: a webhook whose output a later webhook changed is called once more.
      const again: Array<{w: Webhook; after: string}> = []
      for (const w of hooks) {
        const resp = await call(w, a, ctx)
        if (!resp) continue
        obey(w, a, resp)
        applyPatch(w, a, ctx, resp)
        if (w.reinvocationPolicy === 'IfNeeded') again.push({w, after: snapshot(a.object)})
      }
      for (const {w, after} of again) {
        if (snapshot(a.object) === after) continue
        const resp = await call(w, a, ctx)
        if (!resp) continue
        obey(w, a, resp)
        applyPatch(w, a, ctx, resp)
      }
    },
  }

  const validating: AdmissionPlugin<ServerContext> = {
    name: 'ValidatingAdmissionWebhook',
    async validate(a, ctx) {
      if (exempt(a)) return
      const hooks = await matching((await ready(ctx.store)).validating, a, ctx)
      // Validating webhooks run in parallel; the first refusal in configuration order is the answer.
      const results = await Promise.all(hooks.map((w) => call(w, a, ctx).then((resp) => ({w, resp}), (err: unknown) => ({w, err}))))
      let first: unknown
      for (const r of results) {
        if ('err' in r) {
          first ??= r.err
          continue
        }
        if (!r.resp) continue
        try {
          obey(r.w, a, r.resp)
        } catch (err) {
          first ??= err
        }
      }
      if (first) throw first
    },
  }

  return {mutating, validating, close: () => { caches?.mutating.close(); caches?.validating.close() }}
}
