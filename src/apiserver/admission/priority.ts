// Priority admission: a new pod's priorityClassName becomes its spec.priority and preemptionPolicy, and at most one PriorityClass is the global default.
import {DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS, type PriorityClass, SYSTEM_PRIORITY_CLASSES} from '../../api/resources/scheduling/priorityclass.js'
import type {Pod} from '../../api/types/workloads.js'
import type {Store} from '../../store/index.js'
import {keyOf, type ServerContext} from '../context.js'
import {ApiError, qualified} from '../errors.js'
import {KindCache} from './cache.js'
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

const GROUP = 'scheduling.k8s.io'
const RESOURCE = 'priorityclasses'

/** `<resource> "<name>" is forbidden: <why>` (admission.NewForbidden). */
function refuse(a: AdmissionAttributes, why: string): ApiError {
  const name = a.name || a.object?.metadata.name || ''
  return new ApiError(403, 'Forbidden', `${qualified(a.def.resource, a.def.group)} "${name}" is forbidden: ${why}`, {name, group: a.def.group, kind: a.def.resource})
}

/**
 * The global default class: with several marked default (possible through races), the one with the lowest value,
 * as Kubernetes picks it.
 */
export function globalDefault(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let best: PriorityClass | undefined
  for (const pc of classes) if (pc.globalDefault && (!best || (pc.value ?? 0) < (best.value ?? 0))) best = pc
  return best
}

/** What a pod's priority resolves to: the class name it ends up with, its value and preemption policy. */
export interface ResolvedPriority {
  className: string
  value: number
  preemptionPolicy: string
}

/**
 * Resolves a pod spec's priority against the known classes, or returns the reason to refuse it (the class is
 * missing, or the pod sets a priority or policy other than its class's).
 */
export function resolvePodPriority(spec: Pod['spec'], lookup: (name: string) => PriorityClass | undefined, classes: () => readonly PriorityClass[]): ResolvedPriority | string {
  const named = spec?.priorityClassName ?? ''
  let resolved: ResolvedPriority
  if (named) {
    const pc = lookup(named)
    if (!pc) return `no PriorityClass with name ${named} was found`
    resolved = {className: named, value: pc.value ?? 0, preemptionPolicy: pc.preemptionPolicy ?? 'PreemptLowerPriority'}
  } else {
    const def = globalDefault(classes())
    resolved = def
      ? {className: def.metadata.name ?? '', value: def.value ?? 0, preemptionPolicy: def.preemptionPolicy ?? 'PreemptLowerPriority'}
      : {className: '', value: DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS, preemptionPolicy: 'PreemptLowerPriority'}
  }
  if (spec?.priority !== undefined && spec.priority !== null && spec.priority !== resolved.value) {
    return `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`
  }
  if (spec?.preemptionPolicy && spec.preemptionPolicy !== resolved.preemptionPolicy) {
    return `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`
  }
  return resolved
}

/** The Priority plugin; `close` ends its watch of PriorityClasses. */
export function priorityAdmission(): {plugin: AdmissionPlugin<ServerContext>; close(): void} {
  let cache: KindCache | undefined
  const ready = async (store: Store) => {
    cache ??= new KindCache(store, GROUP, RESOURCE)
    await cache.ready
    return cache
  }

  async function admitPod(a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
    const pod = a.object as Pod
    const c = await ready(ctx.store)
    const def = ctx.registry.lookup(GROUP, 'v1', RESOURCE)
    // The watch may lag behind a class created just now: a miss is checked against the store itself.
    const fresh = new Map<string, PriorityClass | undefined>()
    const named = pod.spec?.priorityClassName
    if (named && !c.get(named) && def) {
      const stored = await ctx.store.get(keyOf(def, undefined, named)).catch(() => undefined)
      fresh.set(named, stored?.value as PriorityClass | undefined)
    }
    const lookup = (n: string) => (c.get(n) as PriorityClass | undefined) ?? fresh.get(n)
    const result = resolvePodPriority(pod.spec, lookup, () => c.items() as PriorityClass[])
    if (typeof result === 'string') throw refuse(a, result)
    const spec = pod.spec
    if (!spec) return
    if (result.className) spec.priorityClassName = result.className
    spec.priority = result.value
    spec.preemptionPolicy = result.preemptionPolicy
  }

  async function admitClass(a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
    const pc = a.object as PriorityClass
    if (!pc.globalDefault) return
    const c = await ready(ctx.store)
    const other = c.items().find((o) => (o as PriorityClass).globalDefault && o.metadata.name !== pc.metadata.name)
    if (other) throw refuse(a, `PriorityClass ${other.metadata.name} is already marked as default. Only one default can exist`)
  }

  const plugin: AdmissionPlugin<ServerContext> = {
    name: 'Priority',
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    async mutate(a, ctx) {
      // Only new pods get a priority: it cannot change afterwards (and status writes are not the pod's spec).
      if (a.operation !== 'CREATE' || a.subresource || a.def.group !== '' || a.def.resource !== 'pods' || !a.object) return
      await admitPod(a, ctx)
    },
    async validate(a, ctx) {
      if (a.subresource || a.def.group !== GROUP || a.def.resource !== RESOURCE) return
      // The system classes stay (kube-apiserver's PriorityClass storage refuses deleting them).
      if (a.operation === 'DELETE') {
        if (SYSTEM_PRIORITY_CLASSES.some((s) => s.metadata.name === a.name)) throw refuse(a, 'this is a system priority class and cannot be deleted')
        return
      }
      if (a.object) await admitClass(a, ctx)
    },
  }
  return {plugin, close: () => cache?.close()}
}
