// One sync of one Deployment: the working copy and the steps the rollout strategies share (new ReplicaSet, scaling, cleanup, status).
import {isDeepStrictEqual} from 'node:util'
import type {Deployment, DeploymentStatus, ReplicaSet} from '../../api/types/workloads.js'
import type {Clock} from '../../api/clock.js'
import {isAlreadyExists, isNotFound} from '../../client/errors.js'
import {objectKey} from '../../client/paths.js'
import type {ControllerClient} from '../types.js'
import {type Recorder, typed} from '../util/events.js'
import {newControllerRef} from '../util/owners.js'
import {controllerRef} from '../util/pods.js'
import {
  POD_TEMPLATE_HASH, REVISION, Reasons, activeReplicaSets, byCreation, byRevision, computeHash, deploymentComplete, deploymentProgressing,
  deploymentTimedOut, desiredReplicas, equalIgnoreHash, getCondition, hasProgressDeadline, maxRevision, maxSurge, maxUnavailable, newCondition,
  newRSNewReplicas, removeCondition, replicasAnnotationsNeedUpdate, setCondition, setNewReplicaSetAnnotations, setReplicasAnnotations, specReplicas,
  statusCount,
} from './util.js'

export const D_API = 'apps/v1'
export const D_KIND = 'Deployment'
export const RS_KIND = 'ReplicaSet'

/** The API target of a namespace's ReplicaSets, or of one. */
export const rsTarget = (namespace: string | undefined, name?: string) => ({group: 'apps', version: 'v1', resource: 'replicasets', namespace, name})
const dTarget = (namespace: string | undefined, name: string, subresource?: string) => ({group: 'apps', version: 'v1', resource: 'deployments', namespace, name, subresource})

/** What one sync needs from its controller. */
export interface DeploymentSyncDeps {
  client: ControllerClient
  clock: Clock
  recorder: Recorder
  /** Looks at the deployment with this key again after ms. */
  requeueAfter(key: string, ms: number): void
}

/** One sync of one Deployment: the working copy `d` and the steps shared by the rollout strategies. */
export class DeploymentSync {
  constructor(
    private readonly deps: DeploymentSyncDeps,
    public d: Deployment,
  ) {}

  get client(): ControllerClient {
    return this.deps.client
  }

  get now(): number {
    return this.deps.clock.now()
  }

  private get ns(): string {
    return this.d.metadata.namespace!
  }

  /** Writes status (last, as every controller) and keeps the answer as the working copy. */
  async writeStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.client.update<Deployment>(dTarget(this.ns, this.d.metadata.name!, 'status'), {...this.d, status})
  }

  /** Writes the deployment's own metadata (the revision annotation). */
  private async writeMain(): Promise<void> {
    const status = this.d.status
    this.d = await this.client.update<Deployment>(dTarget(this.ns, this.d.metadata.name!), this.d)
    this.d.status ??= status
  }

  private async updateRS(rs: ReplicaSet): Promise<ReplicaSet> {
    return this.client.update<ReplicaSet>(rsTarget(this.ns, rs.metadata.name), typed(rs, 'apps/v1', RS_KIND))
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.record(this.d, type, reason, 'Scale', message)
  }

  /** The ReplicaSet running the current template, oldest first when several do (FindNewReplicaSet). */
  findNewReplicaSet(rsList: ReplicaSet[]): ReplicaSet | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, this.d.spec?.template))
  }

  /**
   * The new ReplicaSet (created when asked and missing) and the old ones, with revision annotations synced: the new
   * one carries max(old)+1 (re-stamped when an undo revives it) and so does the deployment.
   */
  async getAllReplicaSetsAndSyncRevision(rsList: ReplicaSet[], create: boolean): Promise<{newRS?: ReplicaSet; oldRSs: ReplicaSet[]}> {
    const existing = this.findNewReplicaSet(rsList)
    const oldRSs = rsList.filter((rs) => rs.metadata.uid !== existing?.metadata.uid)
    const newRS = await this.getNewReplicaSet(existing, oldRSs, create)
    return {newRS, oldRSs}
  }

  private async getNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d
    const newRevision = maxRevision(oldRSs) + 1
    if (existing) {
      let rs = existing
      const copy = structuredClone(existing) as ReplicaSet
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true, maxSurge(d))
      const minReady = d.spec?.minReadySeconds ?? 0
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== minReady
      if (annotationsChanged || minReadyChanged) {
        copy.spec = {...copy.spec, minReadySeconds: minReady}
        rs = await this.updateRS(copy)
      }
      await this.setDeploymentRevision(rs.metadata.annotations?.[REVISION])
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        const status = structuredClone(this.d.status ?? {})
        setCondition(status, newCondition('Progressing', 'True', Reasons.foundNewRS, `Found new replica set "${rs.metadata.name}"`, this.now))
        await this.writeStatus(status)
      }
      return rs
    }
    if (!create) return undefined

    const collisionCount = d.status?.collisionCount
    const hash = computeHash(d.spec?.template, collisionCount)
    const template = structuredClone(d.spec?.template ?? {})
    const labels = {...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash}
    template.metadata = {...template.metadata, labels}
    // The sync only runs for a deployment with a non-empty selector.
    const selector = structuredClone(d.spec?.selector ?? {})
    selector.matchLabels = {...selector.matchLabels, [POD_TEMPLATE_HASH]: hash}
    const fresh: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: RS_KIND,
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: this.ns,
        ownerReferences: [newControllerRef(d, D_API, D_KIND)],
        labels: {...labels},
      },
      spec: {replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template},
    }
    setNewReplicaSetAnnotations(d, fresh, newRevision, false, maxSurge(d))
    const replicas = newRSNewReplicas(d, oldRSs, undefined)
    fresh.spec = {...fresh.spec, replicas}
    let createdRS: ReplicaSet
    let alreadyExisted = false
    try {
      createdRS = await this.client.create<ReplicaSet>(rsTarget(this.ns), fresh)
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
      const other = await this.client.get<ReplicaSet>(rsTarget(this.ns, fresh.metadata.name))
      if (controllerRef(other)?.uid === d.metadata.uid && equalIgnoreHash(other.spec?.template, d.spec?.template)) {
        // Ours, created by an earlier sync our cache has not seen yet.
        createdRS = other
        alreadyExisted = true
      } else {
        // A different object holds the name: bump collisionCount so the next hash differs.
        const status = {...structuredClone(this.d.status ?? {}), collisionCount: (collisionCount ?? 0) + 1}
        await this.writeStatus(status)
        throw new Error(`hash collision for ${fresh.metadata.name}; collisionCount is now ${status.collisionCount}`)
      }
    }
    if (!alreadyExisted && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata.name} from 0 to ${replicas}`)
    await this.setDeploymentRevision(String(newRevision))
    if (!alreadyExisted && hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {})
      setCondition(status, newCondition('Progressing', 'True', Reasons.newRSCreated, `Created new replica set "${createdRS.metadata.name}"`, this.now))
      await this.writeStatus(status)
    }
    return createdRS
  }

  private async setDeploymentRevision(revision: string | undefined): Promise<void> {
    if (!revision || this.d.metadata.annotations?.[REVISION] === revision) return
    this.d.metadata.annotations = {...this.d.metadata.annotations, [REVISION]: revision}
    await this.writeMain()
  }

  /** Scales rs to size and records ScalingReplicaSet; returns the updated ReplicaSet and whether its size changed. */
  async scaleReplicaSet(rs: ReplicaSet, size: number): Promise<{rs: ReplicaSet; scaled: boolean}> {
    const from = desiredReplicas(rs)
    const sizeChanged = from !== size
    const desired = desiredReplicas(this.d)
    const max = desired + maxSurge(this.d)
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return {rs, scaled: false}
    const copy = structuredClone(rs) as ReplicaSet
    copy.spec = {...copy.spec, replicas: size}
    setReplicasAnnotations(copy, desired, max)
    const updated = await this.updateRS(copy)
    if (sizeChanged) this.event('Normal', 'ScalingReplicaSet', `Scaled ${size > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${size}`)
    return {rs: updated, scaled: sizeChanged}
  }

  /** True when some active ReplicaSet was sized for a different spec.replicas (desired-replicas annotation). */
  async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
    const {newRS, oldRSs} = await this.getAllReplicaSetsAndSyncRevision(rsList, false)
    const want = String(desiredReplicas(this.d))
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const ann = rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']
      return ann !== undefined && ann !== want
    })
  }

  /** Scaling without a rollout (a paused deployment, or replicas changed): resize, clean up, report. */
  async syncScale(rsList: ReplicaSet[]): Promise<void> {
    const {newRS, oldRSs} = await this.getAllReplicaSetsAndSyncRevision(rsList, false)
    await this.scale(newRS, oldRSs)
    if (this.d.spec?.paused) await this.cleanup(oldRSs)
    await this.syncStatus([...oldRSs, newRS], newRS)
  }

  /** A deployment being deleted only reports status. */
  async syncStatusOnly(rsList: ReplicaSet[]): Promise<void> {
    const {newRS, oldRSs} = await this.getAllReplicaSetsAndSyncRevision(rsList, false)
    await this.syncStatus([...oldRSs, newRS], newRS)
  }

  /**
   * Brings the total to spec.replicas (+ maxSurge while rolling), spreading the change over the active ReplicaSets in
   * proportion to their size, so a scale in the middle of a rollout keeps its progress (DeploymentController.scale).
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d
    const desired = desiredReplicas(d)
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs)
    if (activeOrLatest) {
      if (desiredReplicas(activeOrLatest) !== desired) await this.scaleReplicaSet(activeOrLatest, desired)
      return
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSet(old, 0)
      return
    }
    if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return
    let all = activeReplicaSets([...oldRSs, newRS])
    const allowed = desired > 0 ? desired + maxSurge(d) : 0
    const toAdd = allowed - specReplicas(all)
    // Growing favours the biggest and newest, shrinking takes from the biggest and oldest.
    const created = (rs: ReplicaSet) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0
    all = [...all].sort((a, b) => desiredReplicas(b) - desiredReplicas(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)))
    const sizes = new Map<string, number>()
    let added = 0
    for (const rs of all) {
      let size = desiredReplicas(rs)
      if (toAdd !== 0) {
        const p = proportion(rs, d, toAdd, added)
        size += p
        added += p
      }
      sizes.set(rs.metadata.uid!, size)
    }
    for (const [i, rs] of all.entries()) {
      let size = sizes.get(rs.metadata.uid!)!
      // Rounding leftovers go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added)
      await this.scaleReplicaSet(rs, size)
    }
  }

  /** Deletes the oldest ReplicaSets with nothing left in them beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit
    if (typeof limit !== 'number') return
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp)
    const diff = alive.length - limit
    if (diff <= 0) return
    for (const rs of [...alive].sort(byRevision).slice(0, diff)) {
      // Only empty ones whose status is current: a ReplicaSet still draining pods stays.
      if ((rs.status?.replicas ?? 0) !== 0 || desiredReplicas(rs) !== 0 || (rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)) continue
      await this.client.delete(rsTarget(this.ns, rs.metadata.name), {preconditions: {uid: rs.metadata.uid}}).catch((err: unknown) => {
        if (!isNotFound(err)) throw err
      })
    }
  }

  /** The status the ReplicaSets add up to, with the Available condition (calculateStatus). */
  calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d
    const rss = allRSs.filter((rs): rs is ReplicaSet => !!rs)
    const available = statusCount(rss, 'availableReplicas')
    const status: DeploymentStatus = {observedGeneration: d.metadata.generation ?? 1}
    // Zero counts are left out, as Go's omitempty does.
    const put = (k: 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'unavailableReplicas', v: number) => v && (status[k] = v)
    put('replicas', statusCount(rss, 'replicas'))
    put('updatedReplicas', statusCount([newRS], 'replicas'))
    put('readyReplicas', statusCount(rss, 'readyReplicas'))
    put('availableReplicas', available)
    put('unavailableReplicas', Math.max(0, specReplicas(rss) - available))
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount
    status.conditions = structuredClone(d.status?.conditions ?? [])
    if (available >= desiredReplicas(d) - maxUnavailable(d)) {
      setCondition(status, newCondition('Available', 'True', Reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', this.now))
    } else {
      setCondition(status, newCondition('Available', 'False', Reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', this.now))
    }
    return status
  }

  /** Writes the calculated status when it differs. */
  async syncStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS)
    if (!isDeepStrictEqual(status, this.d.status ?? {})) await this.writeStatus(status)
  }

  /** Status plus the Progressing condition: complete, progressing, or past the progress deadline (syncRolloutStatus). */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d
    const status = this.calculateStatus(allRSs, newRS)
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing')
    const current = getCondition(d.status, 'Progressing')
    const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reasons.newRSAvailable
    if (hasProgressDeadline(d) && !complete) {
      const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition('Progressing', 'True', Reasons.newRSAvailable, `${what} has successfully progressed.`, this.now))
      } else if (deploymentProgressing(d, status)) {
        const cond = newCondition('Progressing', 'True', Reasons.rsUpdated, `${what} is progressing.`, this.now)
        // Progress refreshes lastUpdateTime (the deadline counts from it), so replace rather than set.
        if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime
        removeCondition(status, 'Progressing')
        setCondition(status, cond)
      } else if (deploymentTimedOut(d, status, this.now)) {
        setCondition(status, newCondition('Progressing', 'False', Reasons.timedOut, `${what} has timed out progressing.`, this.now))
      }
    }
    if (isDeepStrictEqual(status, d.status ?? {})) {
      this.requeueStuck(status)
      return
    }
    await this.writeStatus(status)
  }

  /** A rollout that stopped moving is looked at again when its deadline passes, so the timeout gets reported. */
  private requeueStuck(status: DeploymentStatus): void {
    const d = this.d
    const cond = getCondition(status, 'Progressing')
    if (!hasProgressDeadline(d) || !cond || cond.reason === Reasons.newRSAvailable || cond.reason === Reasons.timedOut) return
    if (deploymentComplete(d, status)) return
    const after = (Date.parse(cond.lastUpdateTime ?? '') || this.now) + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - this.now
    this.deps.requeueAfter(objectKey(d), Math.max(after, 1000))
  }

  /** Progressing Unknown with DeploymentPaused while paused, DeploymentResumed once resumed. */
  async checkPausedConditions(): Promise<void> {
    const d = this.d
    if (!hasProgressDeadline(d)) return
    const cond = getCondition(d.status, 'Progressing')
    if (cond?.reason === Reasons.timedOut) return
    const pausedShown = cond?.reason === Reasons.paused
    let next
    if (d.spec?.paused && !pausedShown) next = newCondition('Progressing', 'Unknown', Reasons.paused, 'Deployment is paused', this.now)
    else if (!d.spec?.paused && pausedShown) next = newCondition('Progressing', 'Unknown', Reasons.resumed, 'Deployment is resumed', this.now)
    if (!next) return
    const status = structuredClone(d.status ?? {})
    setCondition(status, next)
    await this.writeStatus(status)
  }
}

/** The only active ReplicaSet, or the newest one when none is active; undefined while several are active. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a))
  const active = activeReplicaSets([...newestFirst, newRS])
  if (active.length === 0) return newRS ?? newestFirst[0]
  if (active.length === 1) return active[0]
  return undefined
}

/** The new ReplicaSet alone has every replica, all available. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false
  const desired = desiredReplicas(d)
  return rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === String(desired) && desiredReplicas(rs) === desired && (rs.status?.availableReplicas ?? 0) === desired
}

/** rs's share of toAdd, given what was already handed out (deploymentutil.GetProportion). */
function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (desiredReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0
  const fraction = replicaSetFraction(rs, d)
  const allowed = toAdd - added
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed)
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const desired = desiredReplicas(d)
  if (desired === 0) return -desiredReplicas(rs)
  const total = desired + maxSurge(d)
  const ann = Number.parseInt(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'] ?? '', 10)
  // Without the annotation the last observed size stands in for what the deployment was sized to.
  const annotated = Number.isFinite(ann) ? ann : (d.status?.replicas ?? 0)
  if (!annotated) return 0
  return Math.round((desiredReplicas(rs) * total) / annotated) - desiredReplicas(rs)
}

