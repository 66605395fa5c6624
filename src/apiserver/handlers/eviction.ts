// POST pods/<name>/eviction: a pod deletion that first asks the pod's disruption budget (Kubernetes' EvictionREST).
import type {ResourceDef} from '../../api/registry.js'
import {selectorMatches, type LabelSelector} from '../../api/selectors.js'
import type {KubeObject} from '../../api/types.js'
import {StoreError, type StoredObject} from '../../store/index.js'
import {decodeBody, mediaType} from '../body.js'
import {getOrNotFound, prefixOf, type ServerContext, storeFailure} from '../context.js'
import {ApiError, errors} from '../errors.js'
import {timestamp} from '../objects.js'
import {deleteObject, type DeleteOptions} from './delete.js'
import type {HandlerInput, HandlerResult} from './types.js'
import type {UserInfo} from '../authn.js'

/** Status cause type of a budget refusing an eviction. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget'
/** The message of a 429 refusal, as kube-apiserver words it. */
export const VIOLATES_BUDGET_MSG = "Cannot evict pod as it would violate the pod's disruption budget."
/** More than one budget selects the pod: the eviction API cannot decide, as Kubernetes says. */
export const MULTIPLE_BUDGETS_MSG = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'
/** Evictions the controller has not confirmed yet, per budget, before the API refuses more (MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000
const ATTEMPTS = 5

const success = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success'}

function tooManyRequests(cause: string, retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATES_BUDGET_MSG, {
    ...(retryAfterSeconds ? {retryAfterSeconds} : {}),
    causes: [{reason: DISRUPTION_BUDGET_CAUSE, message: cause}],
  })
}

const forbiddenBudget = (name: string, why: string) =>
  new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${name}" is forbidden: ${why}`, {name, group: 'policy', kind: 'poddisruptionbudgets'})

const isConflict = (err: unknown) => (err instanceof StoreError && err.code === 'Conflict') || (err instanceof ApiError && err.code === 409)

/** Pending, finished or already terminating pods have no disruption left to budget: they are deleted outright. */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = pod.status?.phase
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp
}

const isReady = (pod: KubeObject) => (pod.status?.conditions ?? []).some((c: {type?: string; status?: string}) => c.type === 'Ready' && c.status === 'True')

/** The Eviction body's delete options merged with the request's dryRun (either one asking for a dry run counts). */
function evictionOptions(input: HandlerInput, body: KubeObject | undefined): DeleteOptions {
  const opts = {...((body?.deleteOptions ?? {}) as DeleteOptions)}
  const dry = [...(opts.dryRun ?? []), ...input.r.query.getAll('dryRun')]
  if (dry.length) opts.dryRun = [...new Set(dry)]
  return opts
}

/** The budgets of the pod's namespace whose selector matches it; a missing selector matches nothing, an empty one all. */
async function budgetsOf(ctx: ServerContext, pdbDef: ResourceDef, pod: KubeObject): Promise<StoredObject[]> {
  const out: StoredObject[] = []
  let token: string | undefined
  do {
    const page = await ctx.store.list(prefixOf(pdbDef, pod.metadata.namespace), {continue: token})
    for (const s of page.items) {
      const selector = s.value.spec?.selector as LabelSelector | undefined
      if (!selector) continue
      try {
        if (selectorMatches(selector, pod.metadata.labels)) out.push(s)
      } catch {
        // A selector that does not parse selects nothing, as LabelSelectorAsSelector failing is skipped upstream.
      }
    }
    token = page.continue
  } while (token)
  return out
}

/**
 * Spends one disruption of the budget (checkAndDecrement): refuses while the controller has not seen its latest spec
 * or when none is left, else records the pod in disruptedPods so the controller stops counting it as healthy.
 */
async function checkAndDecrement(ctx: ServerContext, stored: StoredObject, podName: string, dryRun: boolean): Promise<void> {
  const pdb = stored.value
  const name = pdb.metadata.name!
  const status = pdb.status ?? {}
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10)
  }
  const allowed = status.disruptionsAllowed ?? 0
  if (allowed < 0) throw forbiddenBudget(name, 'pdb disruptions allowed is negative')
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    throw forbiddenBudget(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller')
  }
  if (allowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`, 0)
  }
  if (dryRun) return
  const now = timestamp(ctx.now())
  const next = structuredClone(pdb)
  next.status = {...status, disruptionsAllowed: allowed - 1, disruptedPods: {...status.disruptedPods, [podName]: now}}
  if (allowed - 1 === 0) {
    // The budget is spent: say so at once rather than waiting for the controller's next sync.
    const conditions = (status.conditions ?? []) as {type: string; status: string; lastTransitionTime?: string}[]
    const old = conditions.find((c) => c.type === 'DisruptionAllowed')
    const cond = {
      type: 'DisruptionAllowed', status: 'False', observedGeneration: status.observedGeneration ?? 0, reason: 'InsufficientPods', message: '',
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : now,
    }
    next.status.conditions = [...conditions.filter((c) => c.type !== 'DisruptionAllowed'), cond]
  }
  await ctx.store.update(stored.key, next, stored.modRevision)
}

/** Marks the pod DisruptionTarget (reason EvictionByEvictionAPI) and deletes it with the caller's options. */
async function markAndDelete(ctx: ServerContext, podDef: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions, user: UserInfo): Promise<void> {
  const dry = opts.dryRun?.includes('All')
  if (!dry) {
    for (let attempt = 0; ; attempt++) {
      const stored = await getOrNotFound(ctx, podDef, namespace, name)
      const pod = stored.value
      if (opts.preconditions?.uid && opts.preconditions.uid !== pod.metadata.uid) break
      if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== String(stored.modRevision)) break
      const conditions = (pod.status?.conditions ?? []) as {type: string; status: string}[]
      if (conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) break
      const next = structuredClone(pod)
      const cond = {type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(ctx.now()), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting'}
      next.status = {...next.status, conditions: [...conditions.filter((c) => c.type !== 'DisruptionTarget'), cond]}
      try {
        const rev = await ctx.store.update(stored.key, next, stored.modRevision)
        // The condition is our own write: a resourceVersion precondition read before it still means this pod.
        if (opts.preconditions?.resourceVersion) opts = {...opts, preconditions: {...opts.preconditions, resourceVersion: String(rev)}}
        break
      } catch (err) {
        if (isConflict(err) && attempt < ATTEMPTS) continue
        throw storeFailure(err, podDef, name)
      }
    }
  }
  await deleteObject(ctx, podDef, namespace, name, opts, user)
}

/** POST .../pods/<name>/eviction with a policy/v1 (or v1beta1) Eviction body. */
export async function eviction(input: HandlerInput): Promise<HandlerResult> {
  const {ctx, r} = input
  if (r.verb !== 'create') throw errors.methodNotAllowed(r.verb)
  const body = decodeBody(input.raw, mediaType(input.req), ctx.deps) as KubeObject | undefined
  const name = r.name!
  if (body?.metadata?.name && body.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object')
  if (body?.kind && body.kind !== 'Eviction') throw errors.badRequest(`expected Eviction, got ${body.kind}`)
  const podDef = r.def
  const pdbDef = ctx.registry.lookup('policy', 'v1', 'poddisruptionbudgets')
  const original = evictionOptions(input, body)
  const dryRun = !!original.dryRun?.includes('All')

  // A pod past disrupting (pending, finished or terminating) is deleted directly, without asking a budget.
  let pod: KubeObject
  for (let attempt = 0; ; attempt++) {
    const stored = await getOrNotFound(ctx, podDef, r.namespace, name)
    pod = {...stored.value, metadata: {...stored.value.metadata, resourceVersion: String(stored.modRevision)}}
    if (!canIgnoreBudget(pod)) break
    // Only a pending pod could still turn healthy under us; finished or terminating ones are deleted as asked.
    const enforce = pod.status?.phase === 'Pending' && !pod.metadata.deletionTimestamp && !original.preconditions?.resourceVersion
    const opts = enforce ? {...original, preconditions: {...original.preconditions, resourceVersion: String(stored.modRevision)}} : original
    try {
      await markAndDelete(ctx, podDef, r.namespace, name, opts, input.user)
      return {code: 201, body: success}
    } catch (err) {
      if (isConflict(err) && attempt < ATTEMPTS) continue
      throw err
    }
  }

  // Preconditions that already fail would fail the delete: refuse before spending the budget on it.
  const pre = original.preconditions
  if (pre?.uid && pre.uid !== pod.metadata.uid) throw errors.conflictPrecondition(podDef, name, `UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid}`)
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
    throw errors.conflictPrecondition(podDef, name, `ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion}`)
  }
  const budgets = pdbDef ? await budgetsOf(ctx, pdbDef, pod) : []
  if (budgets.length > 1) return {code: 500, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MULTIPLE_BUDGETS_MSG, code: 500}}
  let opts = original
  if (budgets.length === 1) {
    let stored = budgets[0]
    const policy = stored.value.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget'
    const ready = isReady(pod)
    // An unready pod under AlwaysAllow costs the budget nothing: it is not counted as healthy.
    if (ready || policy !== 'AlwaysAllow') {
      for (let attempt = 0; ; attempt++) {
        const status = stored.value.status ?? {}
        if (!ready && (status.desiredHealthy ?? 0) > 0 && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0)) {
          // An unready pod while the budget is healthy goes without spending, if it is still the pod we judged.
          if (!opts.preconditions?.resourceVersion) opts = {...opts, preconditions: {...opts.preconditions, resourceVersion: pod.metadata.resourceVersion}}
          break
        }
        try {
          await checkAndDecrement(ctx, stored, name, dryRun)
          break
        } catch (err) {
          if (!(isConflict(err) && attempt < ATTEMPTS)) throw storeFailure(err, pdbDef!, stored.value.metadata.name!)
          stored = await getOrNotFound(ctx, pdbDef!, pod.metadata.namespace, stored.value.metadata.name!)
        }
      }
    }
  }
  await markAndDelete(ctx, podDef, r.namespace, name, opts, input.user)
  return {code: 201, body: success}
}
