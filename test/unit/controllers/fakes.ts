// Fakes for controller tests: an informer cache filled by hand and an API client that records every call.
import type {KubeObject} from '../../../src/api/types.js'
import {ApiError, statusFromResponse} from '../../../src/client/errors.js'
import type {InformerHandlers} from '../../../src/client/informer.js'
import {objectKey, toPath} from '../../../src/client/paths.js'
import type {ControllerClient, Lister} from '../../../src/controllers/types.js'
import type {Recorder} from '../../../src/controllers/util/events.js'

/** An informer cache the test fills by hand; set/remove fire the handlers like watch events. */
export class FakeLister implements Lister {
  items = new Map<string, KubeObject>()
  handlers: InformerHandlers<KubeObject>[] = []
  constructor(seed: KubeObject[] = []) {
    for (const o of seed) this.items.set(objectKey(o), o)
  }
  get(key: string) {
    return this.items.get(key)
  }
  list() {
    return [...this.items.values()]
  }
  addHandlers(h: InformerHandlers<KubeObject>) {
    this.handlers.push(h)
  }
  async waitForSync() {
    return true
  }
  set(obj: KubeObject) {
    const old = this.items.get(objectKey(obj))
    // Frozen like a real informer's cache: a controller that mutates a cached object fails its test.
    this.items.set(objectKey(obj), Object.freeze(obj))
    for (const h of this.handlers) {
      if (old) h.onUpdate?.(old, obj)
      else h.onAdd?.(obj)
    }
  }
  remove(obj: KubeObject) {
    this.items.delete(objectKey(obj))
    for (const h of this.handlers) h.onDelete?.(obj)
  }
}

/** One recorded API call. */
export interface Action {
  verb: string
  path: string
  body?: any
}

/** A client that records calls; answers can be scripted per verb and path, otherwise writes echo the body back. */
export function recordingClient(script: {get?: (path: string) => KubeObject | undefined; fail?: (verb: string, path: string, body: any) => ApiError | undefined} = {}) {
  const actions: Action[] = []
  let n = 0
  const answer = (verb: string, target: any, body?: any) => {
    const path = toPath(target)
    actions.push({verb, path, body: body === undefined ? undefined : structuredClone(body)})
    const err = script.fail?.(verb, path, body)
    if (err) throw err
    return path
  }
  const client = {
    async get(target: any) {
      const path = answer('get', target)
      const obj = script.get?.(path)
      if (!obj) throw notFound()
      return obj
    },
    async list(target: any) {
      const path = answer('list', target)
      return (script.get?.(path) as any) ?? {items: []}
    },
    async create(target: any, body: any) {
      answer('create', target, body)
      const name = body.metadata.name ?? `${body.metadata.generateName}${String(++n).padStart(5, 'x')}`
      return {...body, metadata: {...body.metadata, name, uid: `uid-${name}`, resourceVersion: String(++n)}}
    },
    async update(target: any, body: any) {
      answer('update', target, body)
      return {...structuredClone(body), metadata: {...body.metadata, resourceVersion: String(++n)}}
    },
    async patch(target: any, patch: any, type = 'merge') {
      answer(`patch:${type}`, target, patch)
      return {metadata: {...patch.metadata}}
    },
    async delete(target: any, opts: any) {
      answer('delete', target, opts)
      return {kind: 'Status', status: 'Success'}
    },
    async watch() {
      throw new Error('not used')
    },
  } as unknown as ControllerClient
  return {client, actions}
}

/** A 404 as the client throws it. */
export const notFound = () => new ApiError(statusFromResponse(404, ''))
/** A 409 AlreadyExists as the client throws it. */
export const alreadyExists = () => new ApiError({...statusFromResponse(409, ''), reason: 'AlreadyExists'})

/** A recorder keeping `Type Reason Message` lines. */
export function recordingRecorder(): Recorder & {events: string[]} {
  const events: string[] = []
  return {events, record: (_obj, type, reason, _action, message) => void events.push(`${type} ${reason} ${message}`)}
}

export const T0 = Date.parse('2024-01-01T00:00:00Z')
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** A pod with the given owner, phase and readiness. */
export function pod(name: string, opts: {ns?: string; labels?: Record<string, string>; owner?: KubeObject; ownerKind?: string; node?: string; phase?: string; ready?: boolean; created?: number; restarts?: number; readySince?: number} = {}): KubeObject {
  const ns = opts.ns ?? 'default'
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      resourceVersion: '1',
      labels: opts.labels ?? {app: 'web'},
      creationTimestamp: iso(opts.created ?? T0),
      ...(opts.owner ? {ownerReferences: [{apiVersion: 'apps/v1', kind: opts.ownerKind ?? 'ReplicaSet', name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true, blockOwnerDeletion: true}]} : {}),
    },
    spec: {containers: [{name: 'app', image: 'nginx'}], ...(opts.node ? {nodeName: opts.node} : {})},
    status: {
      phase: opts.phase ?? 'Pending',
      conditions: [{type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: iso(opts.readySince ?? T0)}],
      containerStatuses: [{name: 'app', restartCount: opts.restarts ?? 0}],
    },
  }
}
