// LimitRanger admission: a namespace's LimitRanges fill in container requests and limits on new pods and refuse pods and claims outside their bounds.
import {formatAmount, milli} from '../../api/quota/amounts.js'
import type {LimitRange, LimitRangeItem} from '../../api/resources/core/limitrange.js'
import type {KubeObject} from '../../api/types.js'
import type {Container, Pod} from '../../api/types/workloads.js'
import {prefixOf, type ServerContext} from '../context.js'
import {ApiError, qualified} from '../errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

type List = Record<string, string | number>
const ANNOTATION = 'kubernetes.io/limit-ranger'

async function limitRanges(ctx: ServerContext, namespace: string): Promise<LimitRange[]> {
  const def = ctx.registry.lookup('', 'v1', 'limitranges')
  if (!def) return []
  const {items} = await ctx.store.list(prefixOf(def, namespace))
  return items.sort((x, y) => x.key.localeCompare(y.key)).map((i) => i.value as LimitRange)
}

/** The Container items' default limits and requests merged (defaultContainerResourceRequirements; later items win). */
function containerDefaults(lr: LimitRange): {requests: List; limits: List} {
  const out = {requests: {} as List, limits: {} as List}
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue
    Object.assign(out.requests, item.defaultRequest ?? {})
    Object.assign(out.limits, item.default ?? {})
  }
  return out
}

/** Fills in what a container leaves unset; returns the annotation parts (`cpu, memory request for container app`). */
function mergeContainer(c: Container, d: {requests: List; limits: List}, what: string): string[] {
  const res = (c.resources ??= {})
  const set = (into: 'requests' | 'limits', from: List): string[] => {
    const names: string[] = []
    for (const [k, v] of Object.entries(from)) {
      const target = (res[into] ??= {})
      if (target[k] === undefined) {
        target[k] = v
        names.push(k)
      }
    }
    if (res[into] && Object.keys(res[into]!).length === 0) delete res[into]
    return names.sort()
  }
  const limits = set('limits', d.limits)
  const requests = set('requests', d.requests)
  const out: string[] = []
  if (requests.length) out.push(`${requests.join(', ')} request for ${what} ${c.name}`)
  if (limits.length) out.push(`${limits.join(', ')} limit for ${what} ${c.name}`)
  return out
}

/** mergePodResourceRequirements: defaults on every container and init container, recorded in the limit-ranger annotation. */
export function applyLimitRangeDefaults(pod: Pod, lr: LimitRange): void {
  const d = containerDefaults(lr)
  if (!Object.keys(d.requests).length && !Object.keys(d.limits).length) return
  const notes = [
    ...(pod.spec?.containers ?? []).flatMap((c) => mergeContainer(c, d, 'container')),
    ...(pod.spec?.initContainers ?? []).flatMap((c) => mergeContainer(c, d, 'init container')),
  ]
  if (notes.length) pod.metadata.annotations = {...pod.metadata.annotations, [ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}`}
}

const text = (v: string | number, k: string) => formatAmount(milli(v), k)
const amountOf = (l: List, k: string): bigint | undefined => (l[k] === undefined ? undefined : milli(l[k]))

/** minConstraint, maxConstraint and limitRequestRatioConstraint, with Kubernetes' wording. */
function checkBounds(item: LimitRangeItem, type: string, req: List, lim: List, claim = false): string[] {
  const errs: string[] = []
  for (const k of Object.keys(item.min ?? {}).sort()) {
    const e = milli(item.min![k]), r = amountOf(req, k), l = amountOf(lim, k), et = text(item.min![k], k)
    if (r === undefined) errs.push(`minimum ${k} usage per ${type} is ${et}.  No request is specified.`)
    else if (r < e) errs.push(`minimum ${k} usage per ${type} is ${et}, but request is ${text(req[k], k)}.`)
    else if (l !== undefined && l < e) errs.push(`minimum ${k} usage per ${type} is ${et}, but limit is ${text(lim[k], k)}.`)
  }
  for (const k of Object.keys(item.max ?? {}).sort()) {
    const e = milli(item.max![k]), r = amountOf(req, k), l = amountOf(lim, k), et = text(item.max![k], k)
    if (claim) {
      // A claim's max is checked against what it requests (maxRequestConstraint).
      if (r === undefined) errs.push(`maximum ${k} usage per ${type} is ${et}.  No request is specified.`)
      else if (r > e) errs.push(`maximum ${k} usage per ${type} is ${et}, but request is ${text(req[k], k)}.`)
    } else if (l === undefined) errs.push(`maximum ${k} usage per ${type} is ${et}.  No limit is specified.`)
    else if (l > e) errs.push(`maximum ${k} usage per ${type} is ${et}, but limit is ${text(lim[k], k)}.`)
    else if (r !== undefined && r > e) errs.push(`maximum ${k} usage per ${type} is ${et}, but request is ${text(req[k], k)}.`)
  }
  for (const k of Object.keys(item.maxLimitRequestRatio ?? {}).sort()) {
    const e = milli(item.maxLimitRequestRatio![k]), r = amountOf(req, k), l = amountOf(lim, k), et = text(item.maxLimitRequestRatio![k], k)
    if (r === undefined || r === 0n) errs.push(`${k} max limit to request ratio per ${type} is ${et}, but no request is specified or request is 0.`)
    else if (l === undefined || l === 0n) errs.push(`${k} max limit to request ratio per ${type} is ${et}, but no limit is specified or limit is 0.`)
    else if (l * 1000n > e * r) errs.push(`${k} max limit to request ratio per ${type} is ${et}, but provided ratio is ${(Number(l) / Number(r)).toFixed(6)}.`)
  }
  return errs
}

/** The sum of each resource every container states (sum(); a resource some container lacks is left out). */
function sumLists(lists: List[]): List {
  const out: List = {}
  const keys = new Set(lists.flatMap((l) => Object.keys(l)))
  for (const k of keys) {
    if (!lists.every((l) => l[k] !== undefined)) continue
    out[k] = formatAmount(lists.reduce((s, l) => s + milli(l[k]), 0n), k)
  }
  return out
}

/** Pod-level totals: the containers' sum, or a larger init container (max(sum_containers, any_init_container)). */
function podTotals(pod: Pod, which: 'requests' | 'limits'): List {
  const total = sumLists((pod.spec?.containers ?? []).map((c) => (c.resources?.[which] ?? {}) as List))
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries((c.resources?.[which] ?? {}) as List)) {
      if (total[k] === undefined || milli(v) > milli(total[k])) total[k] = v
    }
  }
  return total
}

/** Every bound a pod breaks under one LimitRange (PodLimitFunc's checks). */
export function podViolations(pod: Pod, lr: LimitRange): string[] {
  const errs: string[] = []
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        errs.push(...checkBounds(item, 'Container', (c.resources?.requests ?? {}) as List, (c.resources?.limits ?? {}) as List))
      }
    } else if (item.type === 'Pod') {
      errs.push(...checkBounds(item, 'Pod', podTotals(pod, 'requests'), podTotals(pod, 'limits')))
    }
  }
  return errs
}

/** Every bound a claim breaks (PersistentVolumeClaimLimitFunc: its requests against min and max). */
export function claimViolations(pvc: KubeObject, lr: LimitRange): string[] {
  const requests = ((pvc.spec as {resources?: {requests?: List}} | undefined)?.resources?.requests ?? {}) as List
  return (lr.spec?.limits ?? []).filter((i) => i.type === 'PersistentVolumeClaim').flatMap((i) => checkBounds(i, 'PersistentVolumeClaim', requests, {}, true))
}

/** `pods "x" is forbidden: <err>` or `[<err>, <err>]` for several (an aggregate error, duplicates once). */
function refuse(a: AdmissionAttributes, errs: string[]): ApiError {
  const unique = [...new Set(errs)]
  const why = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`
  const name = a.name || a.object?.metadata.name || ''
  return new ApiError(403, 'Forbidden', `${qualified(a.def.resource, a.def.group)} "${name}" is forbidden: ${why}`, {name, group: a.def.group, kind: a.def.resource})
}

/** Pod creates and claim creates only: containers cannot change later, and subresources are left alone. */
function kindOf(a: AdmissionAttributes): 'pod' | 'claim' | undefined {
  if (a.subresource || !a.namespace || !a.object || a.operation !== 'CREATE' || a.def.group !== '') return undefined
  return a.def.resource === 'pods' ? 'pod' : a.def.resource === 'persistentvolumeclaims' ? 'claim' : undefined
}

export const limitRanger: AdmissionPlugin<ServerContext> = {
  name: 'LimitRanger',
  operations: ['CREATE'],
  async mutate(a, ctx) {
    if (kindOf(a) !== 'pod') return
    for (const lr of await limitRanges(ctx, a.namespace!)) applyLimitRangeDefaults(a.object as Pod, lr)
  },
  async validate(a, ctx) {
    const kind = kindOf(a)
    if (!kind) return
    const errs = (await limitRanges(ctx, a.namespace!)).flatMap((lr) => (kind === 'pod' ? podViolations(a.object as Pod, lr) : claimViolations(a.object!, lr)))
    if (errs.length) throw refuse(a, errs)
  },
}
