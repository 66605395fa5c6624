// Which quota names an object of a kind is charged for, how much, and whether a quota's scopes take it in (pkg/quota/v1/evaluator/core).
import type {Pod} from '../types/workloads.js'
import type {KubeObject} from '../types.js'
import {type Amounts, toAmounts} from './amounts.js'
import {isBestEffort, isTerminating, podMatches, POD_RESOURCES, podUsage} from './pods.js'

/** The quota side of one resource: the names it can be charged for and an object's usage under them. */
export interface QuotaEvaluator {
  group: string
  resource: string
  /** Whether a quota name (a key of spec.hard) is one this resource's objects are charged for. */
  matches(name: string): boolean
  usage(obj: KubeObject, now: Date): Amounts
  /** Whether updates can change usage (services changing type, claims growing); other kinds are charged on create only. */
  chargesUpdates: boolean
}

/** The old names of object counts of core kinds, still accepted next to count/<resource>. */
const LEGACY_COUNTS: Record<string, string> = {
  configmaps: 'configmaps', secrets: 'secrets', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas',
}

/** `count/<resource>` for core kinds, `count/<resource>.<group>` otherwise. */
export function countName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`
}

const ONE = 1000n

interface ServiceLike extends KubeObject {
  spec?: {type?: string; ports?: unknown[]; allocateLoadBalancerNodePorts?: boolean}
}
interface ClaimLike extends KubeObject {
  spec?: {resources?: {requests?: Record<string, unknown>}; storageClassName?: string}
}

function serviceUsage(svc: ServiceLike): Amounts {
  const type = svc.spec?.type ?? 'ClusterIP'
  const ports = svc.spec?.ports?.length ?? 0
  return new Map([
    ['services', ONE], ['count/services', ONE],
    ['services.loadbalancers', type === 'LoadBalancer' ? ONE : 0n],
    // A load balancer asked not to allocate node ports holds none (allocateLoadBalancerNodePorts: false).
    ['services.nodeports', type === 'NodePort' || (type === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false) ? BigInt(ports) * ONE : 0n],
  ])
}

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/'

function claimUsage(pvc: ClaimLike): Amounts {
  const out: Amounts = new Map([['persistentvolumeclaims', ONE], ['count/persistentvolumeclaims', ONE]])
  const storage = toAmounts(pvc.spec?.resources?.requests).get('storage')
  if (storage !== undefined) out.set('requests.storage', storage)
  const sc = pvc.spec?.storageClassName
  if (sc) {
    out.set(`${sc}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE)
    if (storage !== undefined) out.set(`${sc}${STORAGE_CLASS_SUFFIX}requests.storage`, storage)
  }
  return out
}

/** The evaluator of a resource: pods, services and claims have their own; every other kind is an object count. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  if (group === '' && resource === 'pods') {
    return {group, resource, chargesUpdates: false, matches: podMatches, usage: (o, now) => podUsage(o as Pod, now)}
  }
  if (group === '' && resource === 'services') {
    const names = new Set(['services', 'count/services', 'services.loadbalancers', 'services.nodeports'])
    return {group, resource, chargesUpdates: true, matches: (n) => names.has(n), usage: (o) => serviceUsage(o as ServiceLike)}
  }
  if (group === '' && resource === 'persistentvolumeclaims') {
    const names = new Set(['persistentvolumeclaims', 'count/persistentvolumeclaims', 'requests.storage'])
    const matches = (n: string) => names.has(n) || (n.includes(STORAGE_CLASS_SUFFIX) && /\/(persistentvolumeclaims|requests\.storage)$/.test(n))
    return {group, resource, chargesUpdates: true, matches, usage: (o) => claimUsage(o as ClaimLike)}
  }
  const count = countName(group, resource)
  const legacy = group === '' ? LEGACY_COUNTS[resource] : undefined
  return {
    group, resource, chargesUpdates: false,
    matches: (n) => n === count || n === legacy,
    usage: () => new Map([[count, ONE], ...(legacy ? [[legacy, ONE] as [string, bigint]] : [])]),
  }
}

/** The kind a quota name is charged from, when it names one ('' group for core). */
export function resourceOfName(name: string): {group: string; resource: string} | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length)
    const dot = rest.indexOf('.')
    return dot < 0 ? {group: '', resource: rest} : {group: rest.slice(dot + 1), resource: rest.slice(0, dot)}
  }
  if (podMatches(name) || POD_RESOURCES.has(name)) return {group: '', resource: 'pods'}
  if (name.startsWith('services')) return {group: '', resource: 'services'}
  if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX)) return {group: '', resource: 'persistentvolumeclaims'}
  if (LEGACY_COUNTS[name]) return {group: '', resource: name}
  return undefined
}

/** One scope of a quota: from spec.scopes (operator Exists) or spec.scopeSelector.matchExpressions. */
export interface ScopeRequirement {
  scopeName: string
  operator: string
  values?: string[]
}

/** A ResourceQuota's spec and status as quota code reads them. */
export interface ResourceQuotaSpec {
  hard?: Record<string, string | number>
  scopes?: string[]
  scopeSelector?: {matchExpressions?: ScopeRequirement[]}
}
export interface ResourceQuota extends KubeObject {
  spec?: ResourceQuotaSpec
  status?: {hard?: Record<string, string | number>; used?: Record<string, string | number>}
}

/** Every scope of a quota (getScopeSelectorsFromQuota). */
export function quotaScopes(q: ResourceQuota): ScopeRequirement[] {
  const out: ScopeRequirement[] = (q.spec?.scopes ?? []).map((s) => ({scopeName: s, operator: 'Exists'}))
  return [...out, ...(q.spec?.scopeSelector?.matchExpressions ?? [])]
}

function crossNamespaceAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity as Record<string, {requiredDuringSchedulingIgnoredDuringExecution?: Record<string, unknown>[]; preferredDuringSchedulingIgnoredDuringExecution?: {podAffinityTerm?: Record<string, unknown>}[]}> | undefined
  const cross = (t: Record<string, unknown> | undefined) => !!t && ((Array.isArray(t.namespaces) && t.namespaces.length > 0) || t.namespaceSelector != null)
  for (const k of ['podAffinity', 'podAntiAffinity']) {
    const a = aff?.[k]
    if (a?.requiredDuringSchedulingIgnoredDuringExecution?.some(cross) || a?.preferredDuringSchedulingIgnoredDuringExecution?.some((w) => cross(w.podAffinityTerm))) return true
  }
  return false
}

/** Whether a pod falls in one scope (podMatchesScopeFunc). */
function podInScope(pod: Pod, s: ScopeRequirement): boolean {
  switch (s.scopeName) {
    case 'Terminating': return isTerminating(pod)
    case 'NotTerminating': return !isTerminating(pod)
    case 'BestEffort': return isBestEffort(pod)
    case 'NotBestEffort': return !isBestEffort(pod)
    case 'CrossNamespacePodAffinity': return crossNamespaceAffinity(pod)
    case 'PriorityClass': {
      const pc = (pod.spec as {priorityClassName?: string} | undefined)?.priorityClassName ?? ''
      switch (s.operator) {
        case 'Exists': return pc !== ''
        case 'DoesNotExist': return pc === ''
        case 'In': return pc !== '' && (s.values ?? []).includes(pc)
        case 'NotIn': return pc === '' || !(s.values ?? []).includes(pc)
        default: return false
      }
    }
    default: return false
  }
}

/** Whether a quota's scopes all take the object in; a quota without scopes takes everything, kinds other than pods fit no scope. */
export function inScopes(q: ResourceQuota, ev: QuotaEvaluator, obj: KubeObject): boolean {
  const scopes = quotaScopes(q)
  if (scopes.length === 0) return true
  if (ev.group !== '' || ev.resource !== 'pods') return false
  return scopes.every((s) => podInScope(obj as Pod, s))
}

/** The names of `hard` an object of the evaluator's kind is charged for ([] when the quota does not apply to it). */
export function trackedNames(hard: Record<string, unknown> | undefined, q: ResourceQuota, ev: QuotaEvaluator, obj: KubeObject): string[] {
  const names = Object.keys(hard ?? {}).filter((n) => ev.matches(n))
  return names.length > 0 && inScopes(q, ev, obj) ? names : []
}
