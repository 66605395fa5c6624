// Deployment helpers with Kubernetes' semantics: template hashing and comparison, revision annotations, surge/unavailable math, conditions.
import {isDeepStrictEqual} from 'node:util'
import type {KubeObject} from '../../api/types.js'
import type {Condition, Deployment, DeploymentStatus, ReplicaSet} from '../../api/types/workloads.js'
import {canonical, hashWithCollisions} from '../util/hash.js'
import {scaledValue} from '../util/intstr.js'
import {kubeTime} from '../util/pods.js'

export {fnv32a, safeEncodeString} from '../util/hash.js'

export const REVISION = 'deployment.kubernetes.io/revision'
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history'
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas'
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas'
export const POD_TEMPLATE_HASH = 'pod-template-hash'
/** The revision-history annotation is cut to this many characters (as Kubernetes). */
const MAX_REV_HISTORY_CHARS = 2000

/** Deployment annotations that describe the Deployment itself and are never copied to its ReplicaSets. */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, 'deprecated.deployment.rollback.to'])

// Condition reasons, as kubectl and client tooling expect them.
export const Reasons = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const

/**
 * The template as a value: nulls, empty maps and empty lists dropped and the pod-template-hash label removed. Go's
 * semantic equality treats those alike, and `kubectl rollout undo` sends `creationTimestamp: null` and `resources: {}`,
 * so a byte comparison would create a new ReplicaSet instead of reviving the old one.
 */
export function normalizeTemplate(template: unknown): unknown {
  const tpl = canonical(template) as {metadata?: {labels?: Record<string, string>}} | undefined
  if (tpl?.metadata?.labels?.[POD_TEMPLATE_HASH] !== undefined) {
    const {[POD_TEMPLATE_HASH]: _h, ...labels} = tpl.metadata.labels
    tpl.metadata = {...tpl.metadata, labels}
    return canonical(tpl)
  }
  return tpl
}

/** True when two pod templates are the same apart from the pod-template-hash label (deploymentutil.EqualIgnoreHash). */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalizeTemplate(a), normalizeTemplate(b))
}

/**
 * The pod-template-hash of a template: FNV-32a of the normalized template (canonical JSON, since Go's object printer
 * cannot be reproduced) followed by collisionCount as 4 little-endian bytes, rendered in decimal and safe-encoded.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  return hashWithCollisions(Buffer.from(JSON.stringify(normalizeTemplate(template) ?? {})), collisionCount)
}

/** The revision annotation as a number (0 when absent or malformed). */
export function revisionOf(obj: KubeObject | undefined): number {
  const n = Number.parseInt(obj?.metadata.annotations?.[REVISION] ?? '', 10)
  return Number.isFinite(n) ? n : 0
}

/** The highest revision among rss. */
export function maxRevision(rss: KubeObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0)
}

/**
 * Copies the deployment's annotations to rs (a mutable copy) and stamps newRevision when it is higher than rs's, keeping
 * the revision it replaces in revision-history; a ReplicaSet about to be created also gets the replica annotations.
 * Returns whether anything changed (deploymentutil.SetNewReplicaSetAnnotations).
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, maxSurge: number): boolean {
  const ann: Record<string, string> = (rs.metadata.annotations = {...rs.metadata.annotations})
  let changed = false
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || ann[k] === v) continue
    ann[k] = v
    changed = true
  }
  const old = ann[REVISION]
  const oldNum = Number.parseInt(old ?? '', 10) || 0
  if (oldNum < newRevision) {
    ann[REVISION] = String(newRevision)
    changed = true
    // Reviving an older ReplicaSet (rollout undo): keep the numbers it had, for the history.
    if (old !== undefined && old !== '') {
      const history = ann[REVISION_HISTORY] ? ann[REVISION_HISTORY].split(',') : []
      history.push(old)
      while (history.join(',').length > MAX_REV_HISTORY_CHARS && history.length > 1) history.shift()
      ann[REVISION_HISTORY] = history.join(',')
    }
  }
  if (!exists && setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d) + maxSurge)) changed = true
  return changed
}

/** Sets desired-replicas and max-replicas on rs (a mutable copy); returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann: Record<string, string> = (rs.metadata.annotations = {...rs.metadata.annotations})
  if (ann[DESIRED_REPLICAS] === String(desired) && ann[MAX_REPLICAS] === String(max)) return false
  ann[DESIRED_REPLICAS] = String(desired)
  ann[MAX_REPLICAS] = String(max)
  return true
}

/** True when rs's replica annotations differ from the deployment's current numbers. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = rs.metadata.annotations ?? {}
  return ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max)
}

/** spec.replicas of a Deployment or ReplicaSet (1 when unset, as the default). */
export const desiredReplicas = (obj: Deployment | ReplicaSet | undefined): number => (obj ? (obj.spec?.replicas ?? 1) : 0)

const isRolling = (d: Deployment) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate'

/** maxSurge rounded up and maxUnavailable rounded down; both zero would deadlock, so maxUnavailable becomes 1. */
export function resolveFenceposts(d: Deployment): {surge: number; unavailable: number} {
  const ru = d.spec?.strategy?.rollingUpdate ?? {}
  const desired = desiredReplicas(d)
  const surge = scaledValue(ru.maxSurge ?? '25%', desired, true)
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', desired, false)
  if (surge === 0 && unavailable === 0) unavailable = 1
  return {surge, unavailable}
}

/** How many pods above spec.replicas a rolling update may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  return isRolling(d) ? resolveFenceposts(d).surge : 0
}

/** How many pods below spec.replicas may be unavailable during a rolling update, at most spec.replicas (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  const desired = desiredReplicas(d)
  if (!isRolling(d) || desired === 0) return 0
  return Math.min(resolveFenceposts(d).unavailable, desired)
}

/** Sum of spec.replicas. */
export const specReplicas = (rss: (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? desiredReplicas(rs) : 0), 0)
/** Sum of a status counter. */
export const statusCount = (rss: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number =>
  rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0)

/** ReplicaSets with pods wanted (FilterActiveReplicaSets). */
export const activeReplicaSets = (rss: (ReplicaSet | undefined)[]): ReplicaSet[] => rss.filter((rs): rs is ReplicaSet => !!rs && desiredReplicas(rs) > 0)

const createdAt = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0
/** Oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export const byCreation = (a: KubeObject, b: KubeObject): number => createdAt(a) - createdAt(b) || String(a.metadata.name).localeCompare(String(b.metadata.name))
/** Lowest revision first (ReplicaSetsByRevision). */
export const byRevision = (a: KubeObject, b: KubeObject): number => revisionOf(a) - revisionOf(b) || byCreation(a, b)

/** A ReplicaSet of the new template for rolling updates: how big it may get now (deploymentutil.NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): number {
  const desired = desiredReplicas(d)
  if (!isRolling(d)) return desired
  const newSize = newRS ? desiredReplicas(newRS) : 0
  const current = specReplicas(allRSs)
  const maxTotal = desired + maxSurge(d)
  if (current >= maxTotal) return newSize
  return newSize + Math.min(maxTotal - current, desired - newSize)
}

export type {Condition} from '../../api/types/workloads.js'

/** A condition stamped now. */
export function newCondition(type: string, status: string, reason: string, message: string, nowMs: number): Condition {
  const t = kubeTime(nowMs)
  return {type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message}
}

/** The condition of that type. */
export function getCondition(status: {conditions?: Condition[]} | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type)
}

/** Sets cond in status (mutable): unchanged when status and reason are the same; keeps lastTransitionTime when only the reason changed. */
export function setCondition(status: {conditions?: Condition[]}, cond: Condition): void {
  const cur = getCondition(status, cond.type)
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return
  const next = cur && cur.status === cond.status ? {...cond, lastTransitionTime: cur.lastTransitionTime} : cond
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next]
}

/** Removes the condition of that type from status (mutable). */
export function removeCondition(status: {conditions?: Condition[]}, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type)
}

/** True when progressDeadlineSeconds applies (set and not MaxInt32). */
export const hasProgressDeadline = (d: Deployment): boolean => typeof d.spec?.progressDeadlineSeconds === 'number' && d.spec.progressDeadlineSeconds !== 2147483647

/** The deployment is complete: every replica updated and available, and the newest spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = desiredReplicas(d)
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
}

/** The rollout moved since the last status: more updated, fewer old, more ready or more available pods. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o: DeploymentStatus = d.status ?? {}
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0)
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0)
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0)
}

/** The Progressing condition has not moved for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false
  const c = getCondition(s, 'Progressing')
  if (!c) return false
  if (c.reason === Reasons.newRSAvailable) return false
  if (c.reason === Reasons.timedOut) return true
  const from = Date.parse(c.lastUpdateTime ?? '')
  return Number.isFinite(from) && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs
}
