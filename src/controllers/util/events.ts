// How controllers record Events: a narrow interface over EventRecorder, and one recorder per component.
import * as os from 'node:os'
import type {KubeObject} from '../../api/types.js'
import type {Clock} from '../../api/clock.js'
import {EventRecorder} from '../../client/events.js'
import type {ControllerClient} from '../types.js'

/** The part of EventRecorder controllers call (a recording fake in tests). */
export interface Recorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void
}

/** A recorder reporting as component (source.component), e.g. replicaset-controller. */
export function newRecorder(client: ControllerClient, component: string, clock: Clock, log: (msg: string) => void): EventRecorder {
  return new EventRecorder(client, {component, instance: `${component}-${os.hostname()}`}, {clock, log})
}

/** obj with its kind and apiVersion set: objects from lists lack them, and Events and owner references need them. */
export function typed(obj: KubeObject, apiVersion: string, kind: string): KubeObject {
  return obj.kind === kind && obj.apiVersion === apiVersion ? obj : {...obj, apiVersion, kind}
}
