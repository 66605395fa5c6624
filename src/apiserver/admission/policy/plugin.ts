// ValidatingAdmissionPolicy admission: bound CEL policies that match a write are evaluated; Deny, Warn and Audit act on failures.
import {ADMISSION_GROUP, type MatchResources, type ValidatingAdmissionPolicyBindingSpec, type ValidatingAdmissionPolicySpec} from '../../../api/resources/admissionregistration/types.js'
import {parseApiVersion} from '../../../api/registry.js'
import {selectorMatches} from '../../../api/selectors.js'
import type {KubeObject} from '../../../api/types.js'
import {objectKey, resourcePrefix, type Store} from '../../../store/index.js'
import type {ServerContext} from '../../context.js'
import {ApiError, qualified} from '../../errors.js'
import {KindCache} from '../cache.js'
import {factsOf, namedRuleMatches, namespaceSelectorMatches, needsNamespaceLabels, objectSelectorMatches, type RequestFacts} from '../match.js'
import type {AdmissionAttributes, AdmissionPlugin} from '../types.js'
import {buildReview, withTypeMeta} from '../webhook/review.js'
import {celValue, conditionsHold, evaluatePolicy, type Failure} from './evaluate.js'

/** Policies never apply to policies and bindings, so a bad policy can always be fixed. */
const EXEMPT = new Set(['validatingadmissionpolicies', 'validatingadmissionpolicybindings'])

const REASON_CODES: Record<string, number> = {Unauthorized: 401, Forbidden: 403, RequestEntityTooLarge: 413, Invalid: 422}

/** MatchResources: rules (required for a policy; a binding without them is not limited), exclusions, selectors. */
function matchResources(m: MatchResources | undefined, f: RequestFacts, a: AdmissionAttributes, nsLabels: Record<string, string> | undefined, rulesRequired: boolean): boolean {
  if (!m) return !rulesRequired
  const rules = m.resourceRules ?? []
  if (rules.length > 0 ? !rules.some((r) => namedRuleMatches(r, f)) : rulesRequired) return false
  if ((m.excludeResourceRules ?? []).some((r) => namedRuleMatches(r, f))) return false
  return objectSelectorMatches(m.objectSelector, a.object, a.oldObject) && namespaceSelectorMatches(m.namespaceSelector, f, a, nsLabels)
}

/** The `request` variable: the AdmissionRequest a webhook would get. */
function requestVar(a: AdmissionAttributes): Record<string, unknown> {
  const {object: _o, oldObject: _old, ...request} = buildReview(a).request
  return request
}

/** The param objects a binding selects: by name, or by label selector; undefined when the policy takes none. */
async function paramsOf(ctx: ServerContext, spec: ValidatingAdmissionPolicySpec, b: ValidatingAdmissionPolicyBindingSpec, a: AdmissionAttributes): Promise<KubeObject[] | undefined | Error> {
  const pk = spec.paramKind
  if (!pk || !b.paramRef) return undefined
  const gv = parseApiVersion(pk.apiVersion ?? '')
  const def = ctx.registry.byKind(gv.group, gv.version, pk.kind ?? '')
  if (!def) return new Error(`failed to configure policy: failed to find resource referenced by paramKind: '${pk.apiVersion}, Kind=${pk.kind}'`)
  const ns = def.namespaced ? b.paramRef.namespace || a.namespace : undefined
  if (b.paramRef.name) {
    const got = await ctx.store.get(objectKey(def.group, def.resource, ns, b.paramRef.name))
    return got ? [got.value] : []
  }
  const page = await ctx.store.list(resourcePrefix(def.group, def.resource, ns))
  return page.items.map((i) => i.value).filter((o) => selectorMatches(b.paramRef!.selector ?? {}, o.metadata.labels ?? {}))
}

interface Bound {
  policy: KubeObject
  binding: KubeObject
}

/** The ValidatingAdmissionPolicy plugin; `close` ends its watches. */
export function policyAdmission(): {plugin: AdmissionPlugin<ServerContext>; close(): void} {
  let caches: {policies: KindCache; bindings: KindCache} | undefined
  const ready = async (store: Store) => {
    caches ??= {policies: new KindCache(store, ADMISSION_GROUP, 'validatingadmissionpolicies'), bindings: new KindCache(store, ADMISSION_GROUP, 'validatingadmissionpolicybindings')}
    await Promise.all([caches.policies.ready, caches.bindings.ready])
    return caches
  }

  async function validate(a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
    if (a.def.group === ADMISSION_GROUP && EXEMPT.has(a.def.resource)) return
    const c = await ready(ctx.store)
    const bound: Bound[] = []
    for (const binding of c.bindings.items()) {
      const policy = c.policies.get((binding.spec as ValidatingAdmissionPolicyBindingSpec | undefined)?.policyName ?? '')
      if (policy) bound.push({policy, binding})
    }
    if (bound.length === 0) return
    const f = factsOf(a)
    // namespaceObject is a variable of every policy: read the namespace once per request that has bindings.
    const ns = f.namespace !== '' ? (await ctx.store.get(objectKey('', 'namespaces', undefined, f.namespace)))?.value : undefined
    const nsLabels = ns?.metadata.labels ?? {}
    const base = {
      object: celValue(a.operation === 'DELETE' ? null : withTypeMeta(a, a.object)),
      oldObject: celValue(a.operation === 'CREATE' ? null : withTypeMeta(a, a.oldObject)),
      request: celValue(requestVar(a)),
      namespaceObject: celValue(ns ?? null),
    }
    let denied: {policy: string; binding: string; failure: Failure} | undefined
    for (const {policy, binding} of bound) {
      const spec = (policy.spec ?? {}) as ValidatingAdmissionPolicySpec
      const bspec = (binding.spec ?? {}) as ValidatingAdmissionPolicyBindingSpec
      const labels = needsNamespaceLabels(spec.matchConstraints?.namespaceSelector, f) || needsNamespaceLabels(bspec.matchResources?.namespaceSelector, f) ? nsLabels : undefined
      if (!matchResources(spec.matchConstraints, f, a, labels, true) || !matchResources(bspec.matchResources, f, a, labels, false)) continue
      const fail = spec.failurePolicy !== 'Ignore'
      const params = await paramsOf(ctx, spec, bspec, a)
      const failures: Array<Failure & {error?: boolean}> = []
      if (params instanceof Error) {
        if (fail) failures.push({message: params.message, error: true})
      } else {
        const paramSets: unknown[] = params === undefined ? [null] : params.map(celValue)
        if (params !== undefined && params.length === 0 && bspec.paramRef?.parameterNotFoundAction === 'Deny' && fail) {
          failures.push({message: `failed to configure binding: no params found for policy binding with \`Deny\` parameterNotFoundAction`, error: true})
        }
        for (const p of paramSets) {
          const vars = {...base, params: p}
          const held = conditionsHold(spec, vars)
          if (held instanceof Error) {
            if (fail) failures.push({message: held.message, error: true})
            continue
          }
          if (!held) continue
          for (const r of evaluatePolicy(spec, vars)) if (!r.error || fail) failures.push(r)
        }
      }
      const actions = bspec.validationActions ?? []
      for (const failure of failures) {
        if (actions.includes('Warn')) a.warn?.(`Validation failed for ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}': ${failure.message}`)
        if (actions.includes('Deny')) denied ??= {policy: policy.metadata.name ?? '', binding: binding.metadata.name ?? '', failure}
      }
    }
    if (!denied) return
    const message = `ValidatingAdmissionPolicy '${denied.policy}' with binding '${denied.binding}' denied request: ${denied.failure.message}`
    const reason = denied.failure.reason || 'Invalid'
    const name = a.name || 'Unknown'
    throw new ApiError(REASON_CODES[reason] ?? 422, reason, `${qualified(a.def.resource, a.def.group)} "${name}" is forbidden: ${message}`,
      {name, group: a.def.group, kind: a.def.resource, causes: [{reason: '', message}]})
  }

  return {plugin: {name: 'ValidatingAdmissionPolicy', validate}, close: () => { caches?.policies.close(); caches?.bindings.close() }}
}
