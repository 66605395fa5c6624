// Row cells for pods, reproducing the apiserver's printPod: READY count, STATUS reason, RESTARTS with "(x ago)".
import type {KubeObject} from '../../types.js'
import type {Container, ContainerStatus, Pod} from '../../types/workloads.js'
import {since} from '../shared/format.js'

/** Init containers with restartPolicy Always are sidecars: they count as regular containers. */
function isRestartable(c: (Container & {restartPolicy?: string}) | undefined): boolean {
  return c?.restartPolicy === 'Always'
}

function later(a: string | undefined, b: unknown): string | undefined {
  if (typeof b !== 'string' || b === '') return a
  if (a === undefined || Date.parse(a) < Date.parse(b)) return b
  return a
}

function conditionTrue(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')
}

/** The computed STATUS column of a pod, exported for callers that need it alone (describe, events). */
export function podStatusReason(pod: KubeObject): string {
  return podCells(pod, new Date())[2] as string
}

/** All nine cells of a pod row: Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. */
export function podCells(obj: KubeObject, now: Date): unknown[] {
  const pod = obj as Pod
  const spec = pod.spec ?? {containers: []}
  const status = pod.status ?? {}
  const containers = spec.containers ?? []
  const initSpecs = spec.initContainers ?? []
  let restarts = 0
  let restartableInitRestarts = 0
  let totalContainers = containers.length
  let readyContainers = 0
  let lastRestart: string | undefined
  let lastRestartableInitRestart: string | undefined

  const phase: string = status.phase ?? ''
  let reason: string = status.reason ? status.reason : phase
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated'
  }

  const initByName = new Map<string, Container>()
  for (const c of initSpecs) {
    initByName.set(c.name, c)
    if (isRestartable(c)) totalContainers++
  }

  let initializing = false
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? []
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]
    restarts += cs.restartCount ?? 0
    const lastTerminated = cs.lastState?.terminated
    if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt)
    const restartable = isRestartable(initByName.get(cs.name))
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0
      if (lastTerminated) lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated.finishedAt)
    }
    const terminated = cs.state?.terminated
    const waiting = cs.state?.waiting
    if (terminated && (terminated.exitCode ?? 0) === 0) continue
    if (restartable && cs.started === true) {
      if (cs.ready) readyContainers++
      continue
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`
      } else {
        reason = `Init:${terminated.reason}`
      }
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`
    } else {
      reason = `Init:${i}/${initSpecs.length}`
    }
    initializing = true
    break
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = restartableInitRestarts
    lastRestart = lastRestartableInitRestart
    let hasRunning = false
    const statuses: ContainerStatus[] = status.containerStatuses ?? []
    // The server walks containers backwards so the first container's state wins the STATUS column.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]
      restarts += cs.restartCount ?? 0
      const lastTerminated = cs.lastState?.terminated
      if (lastTerminated) lastRestart = later(lastRestart, lastTerminated.finishedAt)
      const waiting = cs.state?.waiting
      const terminated = cs.state?.terminated
      if (waiting && waiting.reason) {
        reason = waiting.reason
      } else if (terminated && terminated.reason) {
        reason = terminated.reason
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true
        readyContainers++
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady'
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') {
    reason = 'Unknown'
  } else if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating'
  }

  let restartsStr = String(restarts)
  if (restarts !== 0 && lastRestart) restartsStr = `${restarts} (${since(lastRestart, now)} ago)`

  let podIP: string = status.podIPs?.[0]?.ip ?? status.podIP ?? ''
  if (!podIP) podIP = '<none>'
  const nodeName: string = spec.nodeName || '<none>'
  const nominated: string = status.nominatedNodeName || '<none>'
  let readinessGates = '<none>'
  const gates = spec.readinessGates ?? []
  if (gates.length > 0) {
    let trueConditions = 0
    for (const g of gates) {
      const c = (status.conditions ?? []).find((x) => x.type === g.conditionType)
      if (c?.status === 'True') trueConditions++
    }
    readinessGates = `${trueConditions}/${gates.length}`
  }

  return [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsStr,
    since(pod.metadata.creationTimestamp, now),
    podIP,
    nodeName,
    nominated,
    readinessGates,
  ]
}
