// How controllers record Events: a narrow interface over EventRecorder, and one recorder per component.
import * as os from 'node:os'
import type {KubeObject} from '../../api/types.js'
import type {Clock} from '../../client/clock.js'
import {isAlreadyExists} from '../../client/errors.js'
import {type EventSink, EventRecorder} from '../../client/events.js'
import type {ControllerClient} from '../types.js'

/** The part of EventRecorder controllers call (a recording fake in tests). */
export interface Recorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, action: string, message: string): void
}

/** A recorder reporting as component (source.component), e.g. replicaset-controller. */
export function newRecorder(client: ControllerClient, component: string, clock: Clock, log: (msg: string) => void): EventRecorder {
  return new EventRecorder(uniqueNames(client), {component, instance: `${component}-${os.hostname()}`}, {clock, log})
}

/**
 * A sink that retries a create whose name is taken with a random suffix. The recorder names events after the object
 * and the time in milliseconds, and a controller creating three pods records three events about one ReplicaSet in
 * the same millisecond.
 */
export function uniqueNames(client: ControllerClient): EventSink {
  return {
    patch: (target, patch, type) => client.patch(target, patch, type),
    async create<T extends KubeObject>(target: Parameters<EventSink['create']>[0], body: T): Promise<T> {
      try {
        return await client.create<T>(target, body)
      } catch (err) {
        if (!isAlreadyExists(err)) throw err
        const name = `${body.metadata.name}${Math.floor(Math.random() * 0xfffff).toString(16)}`
        return client.create<T>(target, {...body, metadata: {...body.metadata, name}})
      }
    },
  }
}

/** obj with its kind and apiVersion set: objects from lists lack them, and Events and owner references need them. */
export function typed(obj: KubeObject, apiVersion: string, kind: string): KubeObject {
  return obj.kind === kind && obj.apiVersion === apiVersion ? obj : {...obj, apiVersion, kind}
}
