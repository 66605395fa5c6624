// Resource arithmetic of the scheduler: what a pod requests and what a node can hold, in integer units.
import type {KubeObject} from '../api/types.js'
import {quantityMilliValue, quantityValue} from '../api/quantity.js'

/** Amounts by resource name: cpu in millicores, memory and storage in bytes, everything else as a count. */
export type Resources = Record<string, number>

/** Requests the scheduler assumes for scoring when a container sets none (k8s: 100m CPU, 200 MiB). */
export const DEFAULT_MILLI_CPU_REQUEST = 100
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

/** Pod slots a node offers when its allocatable omits `pods` (the kubelet default). */
export const DEFAULT_MAX_PODS = 110

/**
 * Converts a named resource's quantity to the integer unit the scheduler counts in: millicores for cpu, the plain
 * value (bytes, counts) for everything else.
 */
export function resourceAmount(resource: string, q: string | number): number {
  return resource === 'cpu' ? quantityMilliValue(q) : quantityValue(q)
}

/** Adds b into a (in place) and returns a. */
export function addResources(a: Resources, b: Resources): Resources {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v
  return a
}

function maxInto(a: Resources, b: Resources): Resources {
  for (const [k, v] of Object.entries(b)) a[k] = Math.max(a[k] ?? 0, v)
  return a
}

/** Parses a ResourceList (name → quantity); unparsable entries are skipped, since validation is the apiserver's job. */
export function parseResourceList(list: Record<string, unknown> | undefined): Resources {
  const out: Resources = {}
  for (const [name, q] of Object.entries(list ?? {})) {
    if (typeof q !== 'string' && typeof q !== 'number') continue
    try {
      out[name] = resourceAmount(name, q)
    } catch {
      // Ignore: an invalid quantity would have been rejected on create; counting it as 0 is the safe reading.
    }
  }
  return out
}

// Requests default to limits when only limits are set (apiserver defaulting); repeating it here keeps the scheduler
// right even if an object skipped defaulting.
function containerRequests(c: any): Resources {
  return {...parseResourceList(c?.resources?.limits), ...parseResourceList(c?.resources?.requests)}
}

const requestsMemo = new WeakMap<object, Resources>()

/**
 * Returns the effective requests of a pod as Kubernetes computes them: the sum of its containers, or the largest
 * init container if that is bigger (restartable "sidecar" init containers keep running, so they add to both), plus
 * the pod overhead.
 */
export function podRequests(pod: KubeObject): Resources {
  const memo = requestsMemo.get(pod)
  if (memo) return memo
  const spec = pod.spec ?? {}
  const reqs: Resources = {}
  for (const c of spec.containers ?? []) addResources(reqs, containerRequests(c))
  const sidecars: Resources = {}
  const initMax: Resources = {}
  for (const ic of spec.initContainers ?? []) {
    const r = containerRequests(ic)
    if (ic?.restartPolicy === 'Always') {
      addResources(reqs, r)
      addResources(sidecars, r)
      maxInto(initMax, sidecars)
    } else {
      // A regular init container runs while the sidecars started before it are running.
      maxInto(initMax, addResources({...r}, sidecars))
    }
  }
  maxInto(reqs, initMax)
  addResources(reqs, parseResourceList(spec.overhead))
  // Objects from the informer are frozen, so caching by identity is safe.
  requestsMemo.set(pod, reqs)
  return reqs
}

/**
 * Returns cpu and memory requests with the scoring defaults filled in per container, so that pods without requests
 * still make a node look busier (k8s "non-zero" requests).
 */
export function podNonZeroRequests(pod: KubeObject): {cpu: number; memory: number} {
  const spec = pod.spec ?? {}
  const nonZero = (c: any) => {
    const r = containerRequests(c)
    return {cpu: r.cpu || DEFAULT_MILLI_CPU_REQUEST, memory: r.memory || DEFAULT_MEMORY_REQUEST}
  }
  let cpu = 0
  let memory = 0
  for (const c of spec.containers ?? []) {
    const r = nonZero(c)
    cpu += r.cpu
    memory += r.memory
  }
  let sideCpu = 0
  let sideMem = 0
  let initCpu = 0
  let initMem = 0
  for (const ic of spec.initContainers ?? []) {
    const r = nonZero(ic)
    if (ic?.restartPolicy === 'Always') {
      cpu += r.cpu
      memory += r.memory
      sideCpu += r.cpu
      sideMem += r.memory
      initCpu = Math.max(initCpu, sideCpu)
      initMem = Math.max(initMem, sideMem)
    } else {
      initCpu = Math.max(initCpu, r.cpu + sideCpu)
      initMem = Math.max(initMem, r.memory + sideMem)
    }
  }
  const overhead = parseResourceList(spec.overhead)
  return {cpu: Math.max(cpu, initCpu) + (overhead.cpu ?? 0), memory: Math.max(memory, initMem) + (overhead.memory ?? 0)}
}

/** Returns what a node offers to pods (status.allocatable, falling back to capacity when a node reports none). */
export function nodeAllocatable(node: KubeObject): Resources {
  const status = node.status ?? {}
  const alloc = parseResourceList(status.allocatable ?? status.capacity)
  if (alloc.pods === undefined) alloc.pods = DEFAULT_MAX_PODS
  return alloc
}
