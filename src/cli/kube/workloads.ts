// Workload logic shared by logs, rollout and wait: selectors, rollout progress, revisions and conditions, as kubectl judges them.
import {SkiffError} from '../../errors.js'
import {jsonpath} from './jsonpath.js'
import type {KubeObject} from './types.js'

type Obj = Record<string, unknown>
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o)

/** The label selector (`a=b,c=d`) that picks a workload's pods: spec.selector.matchLabels/matchExpressions, or a Service's spec.selector. */
export function podSelector(obj: KubeObject): string {
  const sel = get(obj, 'spec', 'selector') as Obj | undefined
  if (!sel) throw new SkiffError(`${obj.kind} ${obj.metadata?.name} has no selector for pods`, {exitCode: 1})
  const labels = (sel.matchLabels ?? (sel.matchExpressions ? {} : sel)) as Record<string, string>
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`)
  for (const e of (sel.matchExpressions as Array<{key: string; operator: string; values?: string[]}> | undefined) ?? []) {
    const vals = (e.values ?? []).join(',')
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`)
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`)
    else if (e.operator === 'Exists') parts.push(e.key)
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`)
  }
  return parts.join(',')
}

/** Where a rollout stands: done, or a message of what it waits for (kubectl's wording); throws when it can never finish. */
export function rolloutStatus(obj: KubeObject): {done: boolean; message: string} {
  const name = obj.metadata?.name
  const spec = (obj.spec ?? {}) as Obj
  const status = (obj.status ?? {}) as Obj
  const n = (v: unknown) => (typeof v === 'number' ? v : 0)
  const generation = n(obj.metadata?.generation)
  const observed = n(status.observedGeneration)
  if (generation > observed) return {done: false, message: `Waiting for ${obj.kind?.toLowerCase()} spec update to be observed...`}
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1
  if (obj.kind === 'Deployment') {
    const progressing = ((status.conditions as Obj[] | undefined) ?? []).find((c) => c.type === 'Progressing')
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new SkiffError(`deployment "${name}" exceeded its progress deadline`, {exitCode: 1})
    const updated = n(status.updatedReplicas)
    if (updated < desired) return {done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`}
    if (n(status.replicas) > updated) return {done: false, message: `Waiting for deployment "${name}" rollout to finish: ${n(status.replicas) - updated} old replicas are pending termination...`}
    if (n(status.availableReplicas) < updated) return {done: false, message: `Waiting for deployment "${name}" rollout to finish: ${n(status.availableReplicas)} of ${updated} updated replicas are available...`}
    return {done: true, message: `deployment "${name}" successfully rolled out`}
  }
  if (obj.kind === 'DaemonSet') {
    const want = n(status.desiredNumberScheduled)
    const updated = n(status.updatedNumberScheduled)
    if (updated < want) return {done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${want} new pods have been updated...`}
    if (n(status.numberAvailable) < want) return {done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${n(status.numberAvailable)} of ${want} updated pods are available...`}
    return {done: true, message: `daemon set "${name}" successfully rolled out`}
  }
  if (obj.kind === 'StatefulSet') {
    const ready = n(status.readyReplicas)
    if (ready < desired) return {done: false, message: `Waiting for ${desired - ready} pods to be ready...`}
    if (status.updateRevision && status.currentRevision !== status.updateRevision) {
      return {done: false, message: `waiting for statefulset rolling update to complete ${n(status.updatedReplicas)} pods at revision ${String(status.updateRevision)}...`}
    }
    return {done: true, message: `statefulset rolling update complete ${ready} pods at revision ${String(status.currentRevision ?? '')}...`}
  }
  throw new SkiffError(`no status viewer has been implemented for ${obj.kind}`, {exitCode: 1})
}

/** The revision a ReplicaSet (or ControllerRevision) records for its owner. */
export function revisionOf(o: KubeObject): number {
  const r = o.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? (typeof o.revision === 'number' ? String(o.revision) : undefined)
  return r ? Number(r) : 0
}

/** The objects `owner` controls, by owner reference uid, oldest revision first. */
export function ownedRevisions(owner: KubeObject, candidates: KubeObject[]): KubeObject[] {
  const uid = owner.metadata?.uid
  return candidates
    .filter((c) => (c.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid))
    .sort((a, b) => revisionOf(a) - revisionOf(b))
}

/** A `--for` condition of `skiff wait`. */
export type WaitFor = {kind: 'delete'} | {kind: 'condition'; type: string; status: string} | {kind: 'jsonpath'; path: string; value?: string}

/** Reads `--for=delete`, `--for=condition=Ready[=False]` or `--for=jsonpath={.status.phase}=Running`. */
export function parseWaitFor(text: string): WaitFor {
  if (text === 'delete') return {kind: 'delete'}
  if (text.startsWith('condition=')) {
    const [type, status = 'True'] = text.slice('condition='.length).split('=')
    if (!type) throw new SkiffError('--for=condition= needs a condition type, e.g. --for=condition=Available', {exitCode: 2})
    return {kind: 'condition', type, status}
  }
  if (text.startsWith('jsonpath=')) {
    const rest = text.slice('jsonpath='.length)
    const close = rest.lastIndexOf('}')
    const path = close >= 0 ? rest.slice(0, close + 1) : rest.split('=')[0]
    const tail = rest.slice(path.length)
    return {kind: 'jsonpath', path, value: tail.startsWith('=') ? tail.slice(1).replace(/^['"]|['"]$/g, '') : undefined}
  }
  throw new SkiffError(`unrecognized condition: "${text}"; use delete, condition=TYPE[=STATUS] or jsonpath=PATH[=VALUE]`, {exitCode: 2})
}

/** Whether an object meets a condition or JSONPath wait; a condition older than the object's generation does not count. */
export function waitMet(obj: KubeObject, w: Exclude<WaitFor, {kind: 'delete'}>): boolean {
  if (w.kind === 'jsonpath') {
    const got = jsonpath(w.path, obj)
    return w.value === undefined ? got !== '' : got === w.value
  }
  const conditions = (get(obj, 'status', 'conditions') as Obj[] | undefined) ?? []
  const c = conditions.find((x) => String(x.type).toLowerCase() === w.type.toLowerCase())
  if (!c || String(c.status).toLowerCase() !== w.status.toLowerCase()) return false
  const generation = obj.metadata?.generation
  if (typeof generation !== 'number') return true
  const observed = typeof c.observedGeneration === 'number' ? c.observedGeneration : get(obj, 'status', 'observedGeneration')
  return typeof observed !== 'number' || observed >= generation
}

/** The container logs and exec use: -c, else the default-container annotation, else the first. */
export function pickContainer(pod: KubeObject, wanted?: string): string {
  const containers = ((get(pod, 'spec', 'containers') as Array<{name: string}> | undefined) ?? []).map((c) => c.name)
  const all = [...containers, ...((get(pod, 'spec', 'initContainers') as Array<{name: string}> | undefined) ?? []).map((c) => c.name), ...((get(pod, 'spec', 'ephemeralContainers') as Array<{name: string}> | undefined) ?? []).map((c) => c.name)]
  if (wanted) {
    if (!all.includes(wanted)) throw new SkiffError(`container ${wanted} is not valid for pod ${pod.metadata?.name}`, {exitCode: 1})
    return wanted
  }
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container']
  if (annotated && containers.includes(annotated)) return annotated
  if (!containers.length) throw new SkiffError(`pod ${pod.metadata?.name} has no containers`, {exitCode: 1})
  return containers[0]
}
