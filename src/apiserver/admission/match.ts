// Which admission requests a webhook or policy rule covers: operations, groups, versions, resources/subresources, scope, selectors.
import type {NamedRuleWithOperations, RuleWithOperations} from '../../api/resources/admissionregistration/types.js'
import {selectorMatches, selectorIsEmpty, type LabelSelector} from '../../api/selectors.js'
import type {KubeObject} from '../../api/types.js'
import type {AdmissionAttributes} from './types.js'

/** The facts of a request that rules are matched against. */
export interface RequestFacts {
  operation: string
  group: string
  version: string
  resource: string
  subresource: string
  namespace: string
  name: string
}

export function factsOf(a: AdmissionAttributes): RequestFacts {
  return {operation: a.operation, group: a.def.group, version: a.def.version, resource: a.def.resource, subresource: a.subresource ?? '',
    namespace: a.def.namespaced ? a.namespace ?? '' : '', name: a.name}
}

const has = (list: string[] | undefined, v: string): boolean => (list ?? []).some((x) => x === '*' || x === v)

/** 'pods' → pods without subresource; 'pods/*' → any of its subresources; '*' → every main resource; '*\/scale', '*\/*'. */
function resourceMatches(resources: string[] | undefined, resource: string, subresource: string): boolean {
  return (resources ?? []).some((r) => {
    const slash = r.indexOf('/')
    const res = slash < 0 ? r : r.slice(0, slash)
    const sub = slash < 0 ? '' : r.slice(slash + 1)
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource)
  })
}

/** A rule's scope: Namespace objects count as cluster-scoped. */
function scopeMatches(scope: string | undefined, f: RequestFacts): boolean {
  const isNamespace = f.group === '' && f.resource === 'namespaces'
  switch (scope ?? '*') {
    case 'Namespaced': return !isNamespace && f.namespace !== ''
    case 'Cluster': return isNamespace || f.namespace === ''
    default: return true
  }
}

/** rules.Matcher: every part of the rule must cover the request. */
export function ruleMatches(r: RuleWithOperations, f: RequestFacts): boolean {
  return has(r.operations, f.operation) && has(r.apiGroups, f.group) && has(r.apiVersions, f.version) &&
    resourceMatches(r.resources, f.resource, f.subresource) && scopeMatches(r.scope, f)
}

/** A named rule also limits the object names (empty: all). */
export function namedRuleMatches(r: NamedRuleWithOperations, f: RequestFacts): boolean {
  return ruleMatches(r, f) && ((r.resourceNames ?? []).length === 0 || r.resourceNames!.includes(f.name))
}

/** Any of the rules covers the request. */
export function anyRuleMatches(rules: RuleWithOperations[] | undefined, f: RequestFacts): boolean {
  return (rules ?? []).some((r) => ruleMatches(r, f))
}

/**
 * objectSelector: matches when the new or the old object's labels match; an absent object does not match.
 * An empty (or unset) selector matches everything.
 */
export function objectSelectorMatches(sel: LabelSelector | undefined, object: KubeObject | undefined, oldObject: KubeObject | undefined): boolean {
  if (selectorIsEmpty(sel)) return true
  return [object, oldObject].some((o) => o !== undefined && selectorMatches(sel, o.metadata?.labels ?? {}))
}

/**
 * namespaceSelector: cluster-scoped objects other than namespaces always match; a Namespace is matched on its own
 * labels; namespaced objects on their namespace's labels (`nsLabels`, read by the caller only when needed).
 */
export function namespaceSelectorMatches(sel: LabelSelector | undefined, f: RequestFacts, a: Pick<AdmissionAttributes, 'object' | 'oldObject'>, nsLabels: Record<string, string> | undefined): boolean {
  if (selectorIsEmpty(sel)) return true
  if (f.group === '' && f.resource === 'namespaces' && f.subresource === '') {
    const o = a.object ?? a.oldObject
    return selectorMatches(sel, o?.metadata?.labels ?? {})
  }
  if (f.namespace === '') return true
  return selectorMatches(sel, nsLabels ?? {})
}

/** Whether the selector needs the namespace's labels for this request. */
export function needsNamespaceLabels(sel: LabelSelector | undefined, f: RequestFacts): boolean {
  return !selectorIsEmpty(sel) && f.namespace !== '' && !(f.group === '' && f.resource === 'namespaces')
}
