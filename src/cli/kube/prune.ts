// `apply --prune`: which kinds and scopes to look in, which live objects an apply left behind, and deleting them, as kubectl's pruner.
import {SkiffError} from '../../errors.js'
import type {KubeClient} from './client.js'
import {fetchObjects} from './fetch.js'
import {LAST_APPLIED} from './patch.js'
import {resourcePath} from './resolve.js'
import {ApiError, typeName, type KubeObject, type ResourceInfo} from './types.js'

/** One group/version/kind of --prune-allowlist or of the default prune set. */
export interface PruneKind {
  group: string
  version: string
  kind: string
}

/** The kinds kubectl prunes when no --prune-allowlist is given (its defaultNamespacedPruneResources and defaultNonNamespacedPruneResources). */
export const DEFAULT_PRUNE_KINDS: readonly PruneKind[] = [
  ...['ConfigMap', 'Endpoints', 'PersistentVolumeClaim', 'Pod', 'ReplicationController', 'Secret', 'Service'].map((kind) => ({group: '', version: 'v1', kind})),
  {group: 'batch', version: 'v1', kind: 'Job'},
  {group: 'batch', version: 'v1', kind: 'CronJob'},
  {group: 'networking.k8s.io', version: 'v1', kind: 'Ingress'},
  ...['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'].map((kind) => ({group: 'apps', version: 'v1', kind})),
  {group: '', version: 'v1', kind: 'Namespace'},
  {group: '', version: 'v1', kind: 'PersistentVolume'},
]

/** Reads `--prune-allowlist` entries `group/version/kind` (`core/v1/ConfigMap` for the core group, as kubectl). */
export function parseAllowlist(entries: string[]): PruneKind[] {
  return entries.map((e) => {
    const parts = e.split('/')
    if (parts.length !== 3 || parts.some((p, i) => !p && i !== 0)) throw new SkiffError(`invalid GroupVersionKind format: ${e}, please follow <group/version/kind>`, {exitCode: 1})
    return {group: parts[0] === 'core' ? '' : parts[0], version: parts[1], kind: parts[2]}
  })
}

/** The apiVersion of a prune kind, for looking its type up. */
export function apiVersionOf(k: PruneKind): string {
  return k.group ? `${k.group}/${k.version}` : k.version
}

/** Where to look for leftovers: each namespaced type in every namespace the apply touched, then each cluster-scoped type. */
export interface PruneScope {
  r: ResourceInfo
  namespace?: string
}

/**
 * The scopes to list, in kubectl's order. Cluster-scoped types are left out when -n was given, as kubectl leaves them
 * out when a namespace is specified: `-n team-a` should never delete a Namespace or a PersistentVolume.
 */
export function pruneScopes(types: ResourceInfo[], namespaces: Iterable<string>, explicitNamespace: boolean): PruneScope[] {
  const out: PruneScope[] = []
  const visited = [...new Set(namespaces)]
  for (const namespace of visited) for (const r of types.filter((t) => t.namespaced)) out.push({r, namespace})
  if (!explicitNamespace) for (const r of types.filter((t) => !t.namespaced)) out.push({r})
  return out
}

/** The objects an apply wrote: by uid, and by type, namespace and name for those without one yet (client dry run). */
export interface AppliedSet {
  uids: Set<string>
  keys: Set<string>
}

/** The identity of an object that is the same before and after it is created. */
export function objectKey(group: string, kind: string, namespace: string | undefined, name: string | undefined): string {
  return `${group}/${kind}/${namespace ?? ''}/${name ?? ''}`
}

/** One object the apply wrote (or would write, in a dry run), with its type. */
export interface AppliedObject {
  type: ResourceInfo
  object?: KubeObject
}

/** What the apply wrote, to keep, and the namespaces it touched, to look in. */
export function appliedSet(items: AppliedObject[]): {applied: AppliedSet; namespaces: string[]} {
  const applied: AppliedSet = {uids: new Set(), keys: new Set()}
  const namespaces: string[] = []
  for (const {type, object} of items) {
    const m = object?.metadata
    if (m?.uid) applied.uids.add(m.uid)
    applied.keys.add(objectKey(type.group, type.kind, type.namespaced ? m?.namespace : undefined, m?.name))
    if (type.namespaced && m?.namespace && !namespaces.includes(m.namespace)) namespaces.push(m.namespace)
  }
  return {applied, namespaces}
}

/** The listed objects to prune: made by client-side apply (they carry the last-applied annotation) and not in this apply. */
export function pruneCandidates(r: ResourceInfo, listed: KubeObject[], applied: AppliedSet): KubeObject[] {
  return listed.filter((o) => {
    if (!o.metadata?.annotations || !(LAST_APPLIED in o.metadata.annotations)) return false
    if (o.metadata.uid && applied.uids.has(o.metadata.uid)) return false
    return !applied.keys.has(objectKey(r.group, r.kind, r.namespaced ? o.metadata.namespace : undefined, o.metadata.name))
  })
}

export interface PruneOptions {
  labelSelector?: string
  dryRun: 'none' | 'client' | 'server'
}

/** Lists each scope, deletes what this apply no longer names (not with a client dry run), and returns `deployment.apps/old` for each. */
export async function pruneLeftovers(client: KubeClient, scopes: PruneScope[], applied: AppliedSet, opts: PruneOptions): Promise<string[]> {
  const pruned: string[] = []
  for (const {r, namespace} of scopes) {
    const {result} = await fetchObjects(client, r, {namespace, names: [], labelSelector: opts.labelSelector})
    for (const o of pruneCandidates(r, result, applied)) {
      if (opts.dryRun !== 'client') {
        try {
          await client.request('DELETE', resourcePath(r, namespace, o.metadata?.name), {
            body: {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background'},
            query: {dryRun: opts.dryRun === 'server' ? 'All' : undefined},
          })
        } catch (err) {
          // Gone already (its owner was pruned first, say): nothing left to do.
          if (err instanceof ApiError && err.code === 404) continue
          throw err
        }
      }
      pruned.push(`${typeName(r)}/${o.metadata?.name}`)
    }
  }
  return pruned
}
