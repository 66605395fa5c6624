// A StatefulSet pod's stable identity: ordinal names, identity labels, hostname/subdomain, claim names and the pod built from a revision.
import type {ClaimTemplate, StatefulSet} from '../../api/resources/apps/statefulset.js'
import type {Pod, Volume} from '../../api/types/workloads.js'
import {CONTROLLER_REVISION_HASH} from '../util/history.js'
import {newControllerRef} from '../util/owners.js'
import {isPodAvailable, isPodReady} from '../util/pods.js'

export const STS_API = 'apps/v1'
export const STS_KIND = 'StatefulSet'
/** Label with the pod's own name, so a Service can select one replica. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'
/** Label with the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'

const ORDINAL_NAME = /^(.*)-(\d+)$/

/** The parent name and ordinal encoded in a pod name (`web-2` -> web, 2), or ordinal -1 when the name has none. */
export function parseOrdinal(podName: string | undefined): {parent: string; ordinal: number} {
  const m = ORDINAL_NAME.exec(podName ?? '')
  if (!m) return {parent: '', ordinal: -1}
  const ordinal = Number(m[2])
  return Number.isSafeInteger(ordinal) ? {parent: m[1], ordinal} : {parent: '', ordinal: -1}
}

/** The first ordinal of the set (spec.ordinals.start). */
export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0
/** One past the last ordinal the set wants. */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + (set.spec?.replicas ?? 1)

/** Whether a pod's name makes it one of this set's replicas (isMemberOf). */
export const isMemberOf = (set: StatefulSet, pod: Pod): boolean => parseOrdinal(pod.metadata.name).parent === set.metadata.name

export const podName = (set: StatefulSet, ordinal: number): string => `${set.metadata.name}-${ordinal}`

/** `<template>-<set>-<ordinal>`: the claim a pod of that ordinal mounts. */
export const claimName = (set: StatefulSet, template: ClaimTemplate, ordinal: number): string => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`

/** The revision name a pod was made from. */
export const podRevision = (pod: Pod): string => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? ''

export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed'
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded'
export const isPending = (pod: Pod): boolean => (pod.status?.phase ?? 'Pending') === 'Pending'
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod)
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, nowMs: number): boolean => pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, nowMs)
/** Ready and not going away: what rolling updates wait for. */
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod)

/** Whether a pod carries the name, namespace and identity label of its ordinal (identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const {parent, ordinal} = parseOrdinal(pod.metadata.name)
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
}

/** The volumes the claim templates give a pod of this ordinal. */
export function claimVolumes(set: StatefulSet, ordinal: number): Volume[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({name: t.metadata?.name ?? '', persistentVolumeClaim: {claimName: claimName(set, t, ordinal)}}))
}

/** Whether every claim template's volume of the pod points at its ordinal's claim (storageMatches). */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const {ordinal} = parseOrdinal(pod.metadata.name)
  if (ordinal < 0) return false
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]))
  return claimVolumes(set, ordinal).every((want) => volumes.get(want.name)?.persistentVolumeClaim?.claimName === want.persistentVolumeClaim?.claimName)
}

/** Labels identifying a pod of this ordinal (updateIdentity). */
export function identityLabels(set: StatefulSet, ordinal: number): Record<string, string> {
  return {[POD_NAME_LABEL]: podName(set, ordinal), [POD_INDEX_LABEL]: String(ordinal)}
}

/**
 * The pod of ordinal built from `template` (the set as of one revision) and labelled with that revision's name:
 * fixed name, identity labels, hostname = name and subdomain = serviceName so the headless Service gives it a DNS
 * name, and claim volumes replacing template volumes of the same name.
 */
export function newStatefulSetPod(set: StatefulSet, template: StatefulSet, revisionName: string, ordinal: number): Pod {
  const tpl = template.spec?.template ?? {}
  const md = tpl.metadata ?? {}
  const name = podName(set, ordinal)
  const claims = claimVolumes(set, ordinal)
  const claimNames = new Set(claims.map((v) => v.name))
  const spec = structuredClone(tpl.spec ?? {containers: []})
  const volumes = [...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name)), ...claims]
  if (volumes.length) spec.volumes = volumes
  spec.hostname = name
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {...md.labels, ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH]: revisionName},
      ...(md.annotations ? {annotations: {...md.annotations}} : {}),
      ...(md.finalizers ? {finalizers: [...md.finalizers]} : {}),
      ownerReferences: [newControllerRef(set, STS_API, STS_KIND)],
    },
    spec,
  }
}
