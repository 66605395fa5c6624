// The per-server context shared by handlers: store, registry, dependency modules, clock.
import type {ResourceDef, ResourceRegistry} from '../api/registry.js'
import {apiVersionOf} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {objectKey, resourcePrefix, type Store, type StoredObject, StoreError} from '../store/index.js'
import type {AdmissionPlugin} from './admission/index.js'
import type {Authorizer} from './authz/index.js'
import type {Deps} from './deps.js'
import {ApiError, errors} from './errors.js'
import type {ServiceAccountTokens} from './serviceaccount/tokens.js'
import type {WatchCache} from './watchcache.js'

export interface ServerContext {
  store: Store
  registry: ResourceRegistry
  deps: Deps
  now: () => Date
  /** The ranges allocating kinds hand values out from (see allocate.ts). */
  allocation: {serviceCIDR: string; nodePortRange: {min: number; max: number}; random: () => number}
  /** Decides every request after authentication (allow-all unless the server is given one). */
  authorizer: Authorizer
  /** The admission plugins every create, update and delete passes through, in order. */
  admission: AdmissionPlugin<ServerContext>[]
  /** Issues TokenRequest tokens and verifies them, when the server has a signing key. */
  serviceAccountTokens?: ServiceAccountTokens
  /** Serves client watches from one store watch per resource (absent: each client watch is a store watch). */
  watchCache?: Pick<WatchCache, 'watch'> & Partial<Pick<WatchCache, 'list'>>
}

/** Storage key of an object of `def`. */
export function keyOf(def: ResourceDef, namespace: string | undefined, name: string): string {
  return objectKey(def.group, def.resource, def.namespaced ? namespace : undefined, name)
}

/** Storage prefix of a collection of `def`, in one namespace or all. */
export function prefixOf(def: ResourceDef, namespace: string | undefined): string {
  return resourcePrefix(def.group, def.resource, def.namespaced ? namespace : undefined)
}

/** The API form of a stored object: resourceVersion from the mod revision, apiVersion and kind set. */
export function toApiObject(def: ResourceDef, stored: {value: KubeObject; modRevision: number}): KubeObject {
  const obj = stored.value
  obj.apiVersion = apiVersionOf(def)
  obj.kind = def.kind
  obj.metadata = {...obj.metadata, resourceVersion: String(stored.modRevision)}
  return obj
}

/** Reads one object or throws 404 NotFound. */
export async function getOrNotFound(ctx: ServerContext, def: ResourceDef, namespace: string | undefined, name: string): Promise<StoredObject> {
  const stored = await ctx.store.get(keyOf(def, namespace, name))
  if (!stored) throw errors.notFound(def.resource, def.group, name)
  return stored
}

/** Maps store failures to API errors for the object `name` of `def`. */
export function storeFailure(err: unknown, def: ResourceDef, name: string): unknown {
  if (!(err instanceof StoreError)) return err
  switch (err.code) {
    case 'AlreadyExists': return errors.alreadyExists(def.resource, def.group, name)
    case 'NotFound': return errors.notFound(def.resource, def.group, name)
    case 'Conflict': return errors.conflict(def.resource, def.group, name)
    case 'Expired': return new ApiError(410, 'Expired', err.message)
    case 'BadContinue': return errors.badRequest(err.message)
    default: return new ApiError(503, 'ServiceUnavailable', err.message)
  }
}
