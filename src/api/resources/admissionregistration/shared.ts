// Rule, selector and client-config defaults and validation shared by webhook configurations and admission policies.
import type {StatusCause} from '../../types.js'
import {duplicate, invalid, notSupported, required} from '../../validation/errors.js'
import {validateLabelSelector} from '../shared/checks.js'
import {I32, S, type MessageSchema} from '../shared/protobuf.js'
import type {MatchResources, NamedRuleWithOperations, Rule, RuleWithOperations, WebhookClientConfig} from './types.js'

export const FAILURE_POLICIES = ['Fail', 'Ignore']
export const MATCH_POLICIES = ['Equivalent', 'Exact']
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE']
const SCOPES = ['*', 'Cluster', 'Namespaced']

/** Rule scope defaults to '*'. */
export function defaultRule(r: Rule): void {
  r.scope ??= '*'
}

/** MatchResources defaults: empty selectors, Equivalent matching, rule scopes. */
export function defaultMatchResources(m: MatchResources): void {
  m.namespaceSelector ??= {}
  m.objectSelector ??= {}
  m.matchPolicy ??= 'Equivalent'
  for (const r of m.resourceRules ?? []) defaultRule(r)
  for (const r of m.excludeResourceRules ?? []) defaultRule(r)
}

function noMixedWildcard(values: string[], field: string, what: string): StatusCause[] {
  return values.includes('*') && values.length > 1 ? [invalid(field, values, `if '*' is present, must not specify other ${what}`)] : []
}

/** validateRule: groups, versions and resources are required; '*' stands alone; resources do not overlap. */
export function validateRule(r: Rule, path: string, allowSubresources: boolean): StatusCause[] {
  const causes: StatusCause[] = []
  const groups = r.apiGroups ?? []
  const versions = r.apiVersions ?? []
  const resources = r.resources ?? []
  if (groups.length === 0) causes.push(required(`${path}.apiGroups`))
  causes.push(...noMixedWildcard(groups, `${path}.apiGroups`, 'API groups'))
  if (versions.length === 0) causes.push(required(`${path}.apiVersions`))
  causes.push(...noMixedWildcard(versions, `${path}.apiVersions`, 'API versions'))
  versions.forEach((v, i) => { if (v === '') causes.push(required(`${path}.apiVersions[${i}]`)) })
  if (resources.length === 0) causes.push(required(`${path}.resources`))
  resources.forEach((res, i) => {
    const p = `${path}.resources[${i}]`
    if (res === '') causes.push(required(p))
    else if (!allowSubresources && res.includes('/')) causes.push(invalid(p, res, 'must not specify subresources'))
  })
  if (r.scope !== undefined && !SCOPES.includes(r.scope)) causes.push(notSupported(`${path}.scope`, r.scope, SCOPES))
  return causes
}

export function validateRuleWithOperations(r: RuleWithOperations, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  const ops = r.operations ?? []
  if (ops.length === 0) causes.push(required(`${path}.operations`))
  causes.push(...noMixedWildcard(ops, `${path}.operations`, 'operations'))
  ops.forEach((o, i) => { if (!OPERATIONS.includes(o)) causes.push(notSupported(`${path}.operations[${i}]`, o, OPERATIONS)) })
  return [...causes, ...validateRule(r, path, true)]
}

function validateNamedRules(rules: NamedRuleWithOperations[] | undefined, path: string): StatusCause[] {
  return (rules ?? []).flatMap((r, i) => validateRuleWithOperations(r, `${path}[${i}]`))
}

/** MatchResources of a policy (resourceRules required) or of a binding (optional). */
export function validateMatchResources(m: MatchResources | undefined, path: string, rulesRequired: boolean): StatusCause[] {
  if (!m) return rulesRequired ? [required(path)] : []
  const causes: StatusCause[] = []
  if (m.matchPolicy !== undefined && !MATCH_POLICIES.includes(m.matchPolicy)) causes.push(notSupported(`${path}.matchPolicy`, m.matchPolicy, MATCH_POLICIES))
  causes.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`))
  causes.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`))
  if (rulesRequired && (m.resourceRules ?? []).length === 0) causes.push(required(`${path}.resourceRules`))
  causes.push(...validateNamedRules(m.resourceRules, `${path}.resourceRules`), ...validateNamedRules(m.excludeResourceRules, `${path}.excludeResourceRules`))
  return causes
}

/** ValidateWebhookClientConfig: exactly one of url (https, no query, fragment or user) and service. */
export function validateClientConfig(c: WebhookClientConfig | undefined, path: string): StatusCause[] {
  const url = c?.url
  const svc = c?.service
  if ((url === undefined) === (svc === undefined)) return [required(path, 'exactly one of url or service is required')]
  if (url !== undefined) {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      return [invalid(`${path}.url`, url, 'host must be specified')]
    }
    if (u.protocol !== 'https:') return [invalid(`${path}.url`, url, "'https' is the only allowed URL scheme")]
    if (u.username || u.password) return [invalid(`${path}.url`, url, 'user information is not permitted in the URL')]
    if (u.hash || url.includes('#')) return [invalid(`${path}.url`, url, 'fragments are not permitted in the URL')]
    if (u.search) return [invalid(`${path}.url`, url, 'query parameters are not permitted in the URL')]
    return []
  }
  const causes: StatusCause[] = []
  if (!svc!.name) causes.push(required(`${path}.service.name`, 'service name is required'))
  if (!svc!.namespace) causes.push(required(`${path}.service.namespace`, 'service namespace is required'))
  if (svc!.path !== undefined && svc!.path !== '' && !svc!.path.startsWith('/')) causes.push(invalid(`${path}.service.path`, svc!.path, "must start with a '/'"))
  const port = svc!.port
  if (port !== undefined && (port < 1 || port > 65535)) causes.push(invalid(`${path}.service.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'))
  return causes
}

/** Names in a list must be unique. */
export function uniqueNames(items: Array<{name?: string}>, path: string, field = 'name'): StatusCause[] {
  const seen = new Set<string>()
  const causes: StatusCause[] = []
  items.forEach((it, i) => {
    const n = it.name ?? ''
    if (seen.has(n)) causes.push(duplicate(`${path}[${i}].${field}`, n))
    seen.add(n)
  })
  return causes
}

/** One of the listed values, when set. */
export function oneOf(v: string | undefined, field: string, allowed: string[]): StatusCause[] {
  return v !== undefined && !allowed.includes(v) ? [notSupported(field, v, allowed)] : []
}

/** Protobuf messages both webhook configurations and policies embed (k8s.io/api/admissionregistration/v1 generated.proto). */
export const ruleMessages: Record<string, MessageSchema> = {
  Rule: {1: ['apiGroups', S, 'r'], 2: ['apiVersions', S, 'r'], 3: ['resources', S, 'r'], 4: ['scope', S]},
  RuleWithOperations: {1: ['operations', S, 'r'], 2: ['rule', 'Rule', 'i']},
  NamedRuleWithOperations: {1: ['resourceNames', S, 'r'], 2: ['ruleWithOperations', 'RuleWithOperations', 'i']},
  MatchCondition: {1: ['name', S], 2: ['expression', S]},
  MatchResources: {1: ['namespaceSelector', 'LabelSelector'], 2: ['objectSelector', 'LabelSelector'], 3: ['resourceRules', 'NamedRuleWithOperations', 'r'], 4: ['excludeResourceRules', 'NamedRuleWithOperations', 'r'], 7: ['matchPolicy', S]},
  ServiceReference: {1: ['namespace', S], 2: ['name', S], 3: ['path', S], 4: ['port', I32]},
  WebhookClientConfig: {1: ['service', 'ServiceReference'], 2: ['caBundle', 'bytes'], 3: ['url', S]},
}
