// Carrying out a StatefulSet sync's pod actions against the API, with the events Kubernetes records for each.
import type {StatefulSet} from '../../api/resources/apps/statefulset.js'
import type {KubeObject} from '../../api/types.js'
import type {Pod} from '../../api/types/workloads.js'
import {isAlreadyExists, isNotFound} from '../../client/errors.js'
import type {ControllerClient, Lister} from '../types.js'
import {messageOf} from '../util/errors.js'
import type {Recorder} from '../util/events.js'
import {ensureClaims, reconcileClaimOwners} from './claims.js'
import {identityLabels, identityMatches} from './identity.js'
import {type PodAction, needsRetentionCheck} from './plan.js'

const podsOf = (set: StatefulSet) => ({version: 'v1', resource: 'pods', namespace: set.metadata.namespace})

/** Executes PodActions for the controller (StatefulPodControl). */
export class PodActions {
  constructor(
    private readonly client: ControllerClient,
    private readonly recorder: Recorder,
    private readonly claimCache: Lister<KubeObject>,
  ) {}

  /** Runs one action; throws what failed (after recording a Warning event for it). */
  async run(set: StatefulSet, a: PodAction): Promise<void> {
    switch (a.type) {
      case 'create':
        return this.create(set, a.pod, a.ordinal)
      case 'claims':
        return this.claims(set, a.pod, a.ordinal)
      case 'delete':
        if (a.why === 'failed') this.recorder.record(set, 'Warning', 'RecreatingFailedPod', 'Recreate', `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating failed Pod ${a.pod.metadata.name}`)
        if (a.why === 'succeeded') this.recorder.record(set, 'Warning', 'RecreatingTerminatedPod', 'Recreate', `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating terminated Pod ${a.pod.metadata.name}`)
        return this.delete(set, a.pod)
      case 'fix':
        return this.fix(set, a.pod, a.ordinal)
    }
  }

  private event(set: StatefulSet, verb: string, pod: Pod, err?: unknown): void {
    const Verb = verb[0].toUpperCase() + verb.slice(1)
    const what = `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`
    if (err === undefined) this.recorder.record(set, 'Normal', `Successful${Verb}`, Verb, `${what} successful`)
    else this.recorder.record(set, 'Warning', `Failed${Verb}`, Verb, `${what} failed error: ${messageOf(err)}`)
  }

  private async claims(set: StatefulSet, pod: Pod, ordinal: number): Promise<void> {
    await ensureClaims(this.client, set, pod, ordinal, (claim) =>
      this.recorder.record(set, 'Normal', 'SuccessfulCreate', 'Create', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`),
    ).catch((err: unknown) => {
      this.recorder.record(set, 'Warning', 'FailedCreate', 'Create', `create Claim for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${messageOf(err)}`)
      throw err
    })
  }

  /** Claims first, so the pod never starts without its storage; an existing pod of that name is the cache lagging. */
  private async create(set: StatefulSet, pod: Pod, ordinal: number): Promise<void> {
    try {
      await this.claims(set, pod, ordinal)
    } catch (err: unknown) {
      this.event(set, 'create', pod, err)
      throw err
    }
    try {
      await this.client.create(podsOf(set), pod)
    } catch (err: unknown) {
      if (isAlreadyExists(err)) throw err
      // A terminating namespace refuses new pods; that is namespace deletion at work, not a failure worth an event.
      if (!((err as {code?: number})?.code === 403 && /being terminated/.test(messageOf(err)))) this.event(set, 'create', pod, err)
      throw err
    }
    this.event(set, 'create', pod)
  }

  private async delete(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete({...podsOf(set), name: pod.metadata.name}, {preconditions: {uid: pod.metadata.uid}})
    } catch (err: unknown) {
      if (isNotFound(err)) return
      this.event(set, 'delete', pod, err)
      throw err
    }
    this.event(set, 'delete', pod)
  }

  /** Restores identity labels someone removed, and claim owners under the retention policy. */
  private async fix(set: StatefulSet, pod: Pod, ordinal: number): Promise<void> {
    if (!identityMatches(set, pod)) {
      try {
        await this.client.patch({...podsOf(set), name: pod.metadata.name}, {metadata: {resourceVersion: pod.metadata.resourceVersion, labels: identityLabels(set, ordinal)}}, 'merge')
      } catch (err: unknown) {
        this.event(set, 'update', pod, err)
        throw err
      }
      this.event(set, 'update', pod)
    }
    if (needsRetentionCheck(set)) await reconcileClaimOwners(this.client, this.claimCache, set, pod)
  }
}
