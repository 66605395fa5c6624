// ResourceQuota (core/v1): hard limits per namespace, with the used amounts the quota controller and admission keep in status.
import {fromAmounts, milli, toAmounts} from '../../quota/amounts.js'
import type {ResourceQuota} from '../../quota/evaluators.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {GoValue, invalid, notSupported, required} from '../../validation/errors.js'
import {IS_NEGATIVE_MSG, isQualifiedName} from '../../validation/names.js'
import {defineResource, statusSubresource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {S} from '../shared/protobuf.js'
import {AGE, col, name, NAME, age} from '../shared/table.js'

export type {ResourceQuota} from '../../quota/evaluators.js'

/** The scopes a quota may name (ResourceQuotaScope values). */
export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity']
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist']

/** Object counts: their quota values must be whole numbers (IsIntegerResourceName). */
const INTEGER_RESOURCES = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'])
/** The names a quota may use without a domain (IsStandardQuotaResourceName). */
const STANDARD_QUOTA_RESOURCES = new Set([...INTEGER_RESOURCES, 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage'])
const isInteger = (name: string) => INTEGER_RESOURCES.has(name) || name.startsWith('count/')
const isStandardQuotaName = (name: string) => name.includes('/') || STANDARD_QUOTA_RESOURCES.has(name) || /^(requests\.)?hugepages-/.test(name)

/** Every value of a ResourceList is a quantity of at least zero and every name a qualified name; quota lists also check names and integers. */
export function validateResourceList(list: Record<string, unknown> | undefined, path: string, quota = false): StatusCause[] {
  const causes: StatusCause[] = []
  for (const [k, v] of Object.entries(list ?? {})) {
    const at = `${path}[${k}]`
    for (const m of isQualifiedName(k)) causes.push(invalid(at, k, m))
    if (quota && !isStandardQuotaName(k)) causes.push(invalid(at, k, 'must be a standard resource for quota'))
    let amount: bigint | undefined
    try {
      amount = milli(v as string)
    } catch {
      causes.push(invalid(at, v, 'must be a valid quantity'))
      continue
    }
    if (amount < 0n) causes.push(invalid(at, v, IS_NEGATIVE_MSG))
    if (quota && isInteger(k) && amount % 1000n !== 0n) causes.push(invalid(at, v, 'must be an integer'))
  }
  return causes
}

/** The standard names a pod-only scope may limit (IsResourceQuotaScopeValidForResource). */
const POD_SCOPE_RESOURCES = new Set(['pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'])
const scopeFits = (scope: string, name: string) => (scope === 'BestEffort' || scope === 'CrossNamespacePodAffinity' ? name === 'pods' : POD_SCOPE_RESOURCES.has(name))

/** ValidateResourceQuotaScopes: known scopes, fitting the standard names in hard, and no contradicting pairs. */
function validateScopes(scopes: string[], hard: string[]): StatusCause[] {
  if (scopes.length === 0) return []
  // Kubernetes prints the whole Go slice as the value.
  const value = new GoValue(`[]core.ResourceQuotaScope{${scopes.map((x) => JSON.stringify(x)).join(', ')}}`)
  const causes: StatusCause[] = []
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) causes.push(invalid('spec.scopes', value, 'unsupported scope'))
    for (const name of [...hard].sort()) {
      if (STANDARD_QUOTA_RESOURCES.has(name) && !scopeFits(scope, name)) causes.push(invalid('spec.scopes', value, 'unsupported scope applied to resource'))
    }
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']]) {
    if (scopes.includes(a) && scopes.includes(b)) causes.push(invalid('spec.scopes', value, 'conflicting scopes'))
  }
  return causes
}

function validate(obj: KubeObject): StatusCause[] {
  const q = obj as ResourceQuota
  const causes = [...validateResourceList(q.spec?.hard, 'spec.hard', true), ...validateResourceList(q.status?.hard, 'status.hard', true), ...validateResourceList(q.status?.used, 'status.used', true)]
  causes.push(...validateScopes(q.spec?.scopes ?? [], Object.keys(q.spec?.hard ?? {})))
  ;(q.spec?.scopeSelector?.matchExpressions ?? []).forEach((e, i) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`
    if (!QUOTA_SCOPES.includes(e.scopeName)) causes.push(notSupported(`${p}.scopeName`, e.scopeName, QUOTA_SCOPES))
    if (!SELECTOR_OPERATORS.includes(e.operator)) causes.push(notSupported(`${p}.operator`, e.operator, SELECTOR_OPERATORS))
    else if ((e.operator === 'In' || e.operator === 'NotIn') && !(e.values ?? []).length) causes.push(required(`${p}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'))
  })
  return causes
}

/** `name: used/hard, ...` for the request or limit column (printResourceQuota: names sorted, used 0 when unknown). */
function usageCell(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? {}
  const used = toAmounts(q.status?.used)
  const hardAmounts = fromAmounts(toAmounts(hard))
  return Object.keys(hard).sort()
    .filter((r) => (r.split('.').length > 1 && r.split('.')[0] === 'limits') === limits)
    .map((r) => `${r}: ${fromAmounts(new Map([[r, used.get(r) ?? 0n]]))[r]}/${hardAmounts[r] ?? hard[r]}`)
    .join(', ')
}

export const resourceQuota = defineResource('', 'v1', 'ResourceQuota', {
  shortNames: ['quota'],
  subresources: [statusSubresource],
  fields: ['spec', 'status'],
  validate,
  table: {
    columns: [
      NAME, AGE,
      col('Request', 'string', 0, 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'string', 0, 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    row: (o, now) => [name(o), age(o, now), usageCell(o as ResourceQuota, false), usageCell(o as ResourceQuota, true)],
  },
  patch: builtinPatch,
  protobuf: {
    // kubectl create quota sends a typed (protobuf) body; kubectl describe reads one.
    ResourceQuota: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ResourceQuotaSpec'], 3: ['status', 'ResourceQuotaStatus']},
    ResourceQuotaSpec: {1: ['hard', 'map<string,Quantity>'], 2: ['scopes', S, 'r'], 3: ['scopeSelector', 'ScopeSelector']},
    ScopeSelector: {1: ['matchExpressions', 'ScopedResourceSelectorRequirement', 'r']},
    ScopedResourceSelectorRequirement: {1: ['scopeName', S, 'k'], 2: ['operator', S, 'k'], 3: ['values', S, 'r']},
    ResourceQuotaStatus: {1: ['hard', 'map<string,Quantity>'], 2: ['used', 'map<string,Quantity>']},
  },
})
