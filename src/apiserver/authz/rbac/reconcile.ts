// Creates the bootstrap RBAC policy at apiserver start and brings auto-updated objects up to date (missing rules, subjects, labels are added; nothing is removed).
import type {KubeObject} from '../../../api/types.js'
import {StoreError} from '../../../store/index.js'
import {keyOf, type ServerContext} from '../../context.js'
import {prepareCreate} from '../../objects.js'
import {AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles} from './policy.js'

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Adds to `have` the entries of `want` it lacks; returns whether anything was added. */
function addMissing<T>(have: T[], want: T[]): boolean {
  let changed = false
  for (const w of want) {
    if (have.some((h) => same(h, w))) continue
    have.push(w)
    changed = true
  }
  return changed
}

/** Kubernetes' reconciliation, additive only, for objects whose autoupdate annotation is not "false". */
function reconciled(stored: KubeObject, want: KubeObject): KubeObject | undefined {
  if (stored.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined
  const next = structuredClone(stored)
  let changed = false
  for (const field of ['labels', 'annotations'] as const) {
    const w = want.metadata[field] ?? {}
    const h = {...next.metadata[field]}
    for (const [k, v] of Object.entries(w)) {
      if (h[k] !== undefined) continue
      h[k] = v
      changed = true
    }
    if (Object.keys(h).length) next.metadata[field] = h
  }
  if (want.kind === 'ClusterRole') {
    const rules = Array.isArray(next.rules) ? (next.rules as unknown[]) : []
    changed = addMissing(rules, (want.rules as unknown[]) ?? []) || changed
    next.rules = rules
    if (want.aggregationRule && !same(next.aggregationRule, want.aggregationRule)) {
      next.aggregationRule = want.aggregationRule
      changed = true
    }
  } else {
    const subjects = Array.isArray(next.subjects) ? (next.subjects as unknown[]) : []
    changed = addMissing(subjects, (want.subjects as unknown[]) ?? []) || changed
    next.subjects = subjects
  }
  return changed ? next : undefined
}

/** Ensures every bootstrap ClusterRole and ClusterRoleBinding exists (idempotent; races with another apiserver are fine). */
export async function reconcileBootstrapPolicy(ctx: ServerContext): Promise<void> {
  const roles = ctx.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')
  const bindings = ctx.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')
  if (!roles || !bindings) return
  const wanted = [...bootstrapClusterRoles().map((o) => [roles, o] as const), ...bootstrapClusterRoleBindings().map((o) => [bindings, o] as const)]
  // All at once: independent writes, which share etcd's disk syncs (see bootstrap).
  await Promise.all(wanted.map(async ([def, obj]) => {
    const key = keyOf(def, undefined, obj.metadata.name!)
    const stored = await ctx.store.get(key)
    if (stored) {
      const next = reconciled(stored.value, obj)
      // A concurrent writer wins; the next start reconciles again.
      if (next) await ctx.store.update(key, next, stored.modRevision).catch(() => undefined)
      return
    }
    prepareCreate(def, obj, ctx.now())
    ctx.deps.applyDefaults(def, obj)
    await ctx.store.create(key, obj).catch((err) => {
      if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err
    })
  }))
}
