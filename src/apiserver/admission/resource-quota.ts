// ResourceQuota admission: charges each create (and growing update) to the namespace's quotas with a compare-and-swap on status.used, refusing what would go over.
import {type Amounts, add, exceeded, fromAmounts, isZero, mask, prettyPrint, subtractNonNegative, toAmounts} from '../../api/quota/amounts.js'
import {evaluatorFor, type QuotaEvaluator, type ResourceQuota, trackedNames} from '../../api/quota/evaluators.js'
import {missingCompute} from '../../api/quota/pods.js'
import type {Pod} from '../../api/types/workloads.js'
import {StoreError, type StoredObject} from '../../store/index.js'
import {prefixOf, type ServerContext} from '../context.js'
import {ApiError, errors, qualified} from '../errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

/** How often a charge is retried when another write moved the quota meanwhile. */
const MAX_ATTEMPTS = 10

/** `pods "x" is forbidden: <why>` (admission.NewForbidden). */
function forbidden(a: AdmissionAttributes, why: string): ApiError {
  const name = a.name || a.object?.metadata.name || a.object?.metadata.generateName || ''
  return new ApiError(403, 'Forbidden', `${qualified(a.def.resource, a.def.group)} "${name}" is forbidden: ${why}`, {name, group: a.def.group, kind: a.def.resource})
}

/** What one write would add to usage: all of a new object's, or an update's growth only. */
function deltaOf(a: AdmissionAttributes, ev: QuotaEvaluator, now: Date): Amounts {
  const usage = ev.usage(a.object!, now)
  return a.operation === 'UPDATE' && a.oldObject ? subtractNonNegative(usage, ev.usage(a.oldObject, now)) : usage
}

/**
 * Checks one quota against the write (CheckRequest): the pod states what the quota tracks, the quota has usage for
 * it, and used + requested stays within hard. Returns the names to raise and their new used amounts, or undefined
 * when the quota does not apply.
 */
export function checkQuota(a: AdmissionAttributes, ev: QuotaEvaluator, q: ResourceQuota, delta: Amounts): Amounts | undefined {
  // Only the hard limits the controller has copied into status count: a quota it has not seen yet restricts nothing.
  const hardList = q.status?.hard
  const tracked = trackedNames(hardList, q, ev, a.object!)
  if (tracked.length === 0) return undefined
  const name = q.metadata.name ?? ''
  if (ev.resource === 'pods' && ev.group === '') {
    const missing = missingCompute(a.object as Pod, tracked)
    if (missing) throw forbidden(a, `failed quota: ${name}: ${missing}`)
  }
  const used = toAmounts(q.status?.used)
  if (tracked.some((n) => !used.has(n))) throw forbidden(a, `status unknown for quota: ${name}, resources: ${[...tracked].sort().join(',')}`)
  const hard = toAmounts(hardList)
  const requested = mask(delta, Object.keys(hardList ?? {}))
  const next = add(used, requested)
  const over = exceeded(mask(next, requested.keys()), hard)
  if (over.length > 0) {
    throw forbidden(a, `exceeded quota: ${name}, requested: ${prettyPrint(mask(requested, over))}, used: ${prettyPrint(mask(used, over))}, limited: ${prettyPrint(mask(hard, over))}`)
  }
  return mask(next, requested.keys())
}

/** The quota with `raised` written into status.used. */
function charged(q: ResourceQuota, raised: Amounts): ResourceQuota {
  return {...q, status: {...q.status, used: {...q.status?.used, ...fromAmounts(raised)}}}
}

const isConflict = (err: unknown) => err instanceof StoreError && err.code === 'Conflict'

async function validate(a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
  if (a.subresource || !a.namespace || !a.object || (a.operation !== 'CREATE' && a.operation !== 'UPDATE')) return
  const ev = evaluatorFor(a.def.group, a.def.resource)
  if (a.operation === 'UPDATE' && !ev.chargesUpdates) return
  const quotaDef = ctx.registry.lookup('', 'v1', 'resourcequotas')
  if (!quotaDef) return
  const {items} = await ctx.store.list(prefixOf(quotaDef, a.namespace))
  if (items.length === 0) return
  const delta = deltaOf(a, ev, ctx.now())
  if (isZero(delta)) return
  // Every quota is checked before any is charged, so a refusal leaves all of them untouched.
  const charges: {stored: StoredObject; raised: Amounts}[] = []
  for (const stored of items.sort((x, y) => x.key.localeCompare(y.key))) {
    const raised = checkQuota(a, ev, stored.value as ResourceQuota, delta)
    if (raised && raised.size > 0) charges.push({stored, raised})
  }
  // A dry run is checked like a real write but charges nothing.
  if (a.dryRun) return
  for (const c of charges) await charge(a, ctx, ev, c.stored, c.raised, delta)
}

/** Writes one quota's new usage at the revision it was checked at; on a concurrent change, re-reads and re-checks it. */
async function charge(a: AdmissionAttributes, ctx: ServerContext, ev: QuotaEvaluator, stored: StoredObject, raised: Amounts, delta: Amounts): Promise<void> {
  let current: StoredObject | undefined = stored
  let next: Amounts | undefined = raised
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (!current || !next || next.size === 0) return
    try {
      await ctx.store.update(current.key, charged(current.value as ResourceQuota, next), current.modRevision)
      return
    } catch (err) {
      if (!isConflict(err)) throw err
    }
    current = await ctx.store.get(stored.key)
    next = current ? checkQuota(a, ev, current.value as ResourceQuota, delta) : undefined
  }
  throw errors.conflict('resourcequotas', '', stored.value.metadata.name ?? '')
}

/** The ResourceQuota plugin; it belongs last in the validating chain, after everything that could still refuse the write. */
export const resourceQuotaAdmission: AdmissionPlugin<ServerContext> = {name: 'ResourceQuota', operations: ['CREATE', 'UPDATE'], validate}
