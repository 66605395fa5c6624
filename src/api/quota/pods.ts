// What a pod is charged for quota: its object count and, while not terminal, its requests and limits (pkg/quota/v1/evaluator/core/pods.go).
import type {Container, Pod} from '../types/workloads.js'
import {type Amounts, add, toAmounts} from './amounts.js'

/** The compute names a pod counts for; a quota tracking one of them also makes every container state it. */
export const POD_COMPUTE = ['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']
/** Quota names a pod is charged for. */
export const POD_RESOURCES = new Set(['pods', 'count/pods', ...POD_COMPUTE])
/** The cpu and memory names Kubernetes still requires each container to set explicitly when a quota tracks them. */
export const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']

const ONE = 1000n

/** requests/limits of one container (or a pod total) under their quota names (podComputeUsageHelper). */
export function computeUsage(requests: Amounts, limits: Amounts): Amounts {
  const out: Amounts = new Map([['pods', ONE]])
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r)
    if (req !== undefined) {
      out.set(r, req)
      out.set(`requests.${r}`, req)
    }
    const lim = limits.get(r)
    if (lim !== undefined) out.set(`limits.${r}`, lim)
  }
  for (const [r, req] of requests) {
    // Huge pages count under both names; extended resources (example.com/gpu) only as requests.<name>.
    if (r.startsWith('hugepages-')) {
      out.set(r, req)
      out.set(`requests.${r}`, req)
    } else if (isExtendedResource(r)) out.set(`requests.${r}`, req)
  }
  return out
}

/** A resource with a domain outside kubernetes.io (IsExtendedResourceName), e.g. nvidia.com/gpu. */
function isExtendedResource(name: string): boolean {
  const slash = name.indexOf('/')
  if (slash < 0 || name.startsWith('requests.')) return false
  const domain = name.slice(0, slash)
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io')
}

/** Whether a quota name is one a pod is charged for: the fixed names, huge pages, and requests of extended resources. */
export function podMatches(name: string): boolean {
  if (POD_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-')) return true
  return name.startsWith('requests.') && isExtendedResource(name.slice('requests.'.length))
}

/** A pod's effective requests or limits: the sum over its containers, or its largest init container when larger, plus overhead. */
function podTotal(pod: Pod, which: 'requests' | 'limits'): Amounts {
  const of = (c: Container) => toAmounts(c.resources?.[which] as Record<string, unknown> | undefined)
  const inits = pod.spec?.initContainers ?? []
  const sidecars = inits.filter((c) => (c as {restartPolicy?: string}).restartPolicy === 'Always')
  let total: Amounts = new Map()
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) total = add(total, of(c))
  for (const c of inits) {
    if (sidecars.includes(c)) continue
    for (const [k, v] of of(c)) if (v > (total.get(k) ?? 0n)) total.set(k, v)
  }
  const overhead = (pod.spec as {overhead?: Record<string, unknown>} | undefined)?.overhead
  return overhead ? add(total, toAmounts(overhead)) : total
}

/** Whether a pod still counts for compute quota: not Succeeded or Failed, and not stuck deleting past its grace period. */
export function countsForCompute(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') return false
  const md = pod.metadata
  if (md.deletionTimestamp && md.deletionGracePeriodSeconds != null) {
    if (now.getTime() > Date.parse(md.deletionTimestamp) + md.deletionGracePeriodSeconds * 1000) return false
  }
  return true
}

/** A pod's quota usage (PodUsageFunc): count/pods always, the rest only while the pod is alive. */
export function podUsage(pod: Pod, now: Date): Amounts {
  const out: Amounts = new Map([['count/pods', ONE]])
  if (!countsForCompute(pod, now)) return out
  return add(out, computeUsage(podTotal(pod, 'requests'), podTotal(pod, 'limits')))
}

/** Best effort: no container asks for or limits cpu or memory. */
export function isBestEffort(pod: Pod): boolean {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const list of [c.resources?.requests, c.resources?.limits]) {
      for (const [k, v] of toAmounts(list as Record<string, unknown> | undefined)) if ((k === 'cpu' || k === 'memory') && v > 0n) return false
    }
  }
  return true
}

/** Whether the pod has a deadline (the Terminating scope). */
export function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds
  return typeof d === 'number' && d >= 0
}

/**
 * The names in `required` (cpu and memory ones only) that some container leaves unset, as Kubernetes words it:
 * `must specify limits.cpu for: a,b; requests.memory for: a`. Undefined when every container states them.
 */
export function missingCompute(pod: Pod, required: Iterable<string>): string | undefined {
  const want = [...required].filter((r) => VALIDATION_SET.includes(r))
  if (want.length === 0) return undefined
  const missing = new Map<string, Set<string>>()
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = computeUsage(toAmounts(c.resources?.requests as Record<string, unknown>), toAmounts(c.resources?.limits as Record<string, unknown>))
    for (const r of want) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(c.name))
  }
  if (missing.size === 0) return undefined
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`)
  return `must specify ${parts.join('; ')}`
}
