// Carries out a preemption decision through the API: victims marked DisruptionTarget and deleted, Preempted events, lower nominations cleared.
import type {KubeObject} from '../api/types.js'
import type {Target} from '../client/paths.js'
import {isConflict, isNotFound} from '../client/errors.js'
import type {EventRecorder} from '../client/events.js'
import {PREEMPTION_BY_SCHEDULER} from './preemption.js'

/** The writes preemption needs (ApiClient satisfies it). */
export interface PreemptionClient {
  patch<T extends KubeObject>(target: Target, patch: unknown, type?: 'merge'): Promise<T>
  delete<T = unknown>(target: Target, opts?: {preconditions?: unknown}): Promise<T>
}

const podStatus = (p: KubeObject): Target => ({version: 'v1', resource: 'pods', namespace: p.metadata.namespace, name: p.metadata.name, subresource: 'status'})

/**
 * Evicts one victim as kube-scheduler's prepareCandidate does: a DisruptionTarget condition (reason
 * PreemptionByScheduler) first, so the owner can tell why the pod went, then the delete (its own grace period, only
 * this very pod by uid), then a Preempted event naming the preemptor.
 */
export async function evictVictim(client: PreemptionClient, events: EventRecorder, victim: KubeObject, preemptor: KubeObject, node: string, now: number): Promise<void> {
  const schedulerName = preemptor.spec?.schedulerName || 'default-scheduler'
  const condition = {
    type: 'DisruptionTarget',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    reason: PREEMPTION_BY_SCHEDULER,
    message: `${schedulerName}: preempting to accommodate a higher priority pod`,
  }
  const conditions = (victim.status?.conditions ?? []).filter((c: {type?: string}) => c?.type !== 'DisruptionTarget')
  try {
    await client.patch(podStatus(victim), {status: {conditions: [...conditions, condition]}}, 'merge')
    const target: Target = {version: 'v1', resource: 'pods', namespace: victim.metadata.namespace, name: victim.metadata.name}
    await client.delete(target, victim.metadata.uid ? {preconditions: {uid: victim.metadata.uid}} : {})
  } catch (err) {
    // Gone already, or replaced by a namesake (uid precondition): the room is made either way.
    if (isNotFound(err) || isConflict(err)) return
    throw err
  }
  events.record(victim, 'Normal', 'Preempted', 'Preempting', `Preempted by pod ${preemptor.metadata.uid} on node ${node}`)
}

/** Clears status.nominatedNodeName of a pod whose nomination a higher-priority preemptor took over. */
export async function clearNomination(client: PreemptionClient, pod: KubeObject): Promise<void> {
  try {
    await client.patch(podStatus(pod), {status: {nominatedNodeName: null}}, 'merge')
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
}
