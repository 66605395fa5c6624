// Serves CustomResourceDefinitions: watches them in the store, registers their resources, writes their status, cleans up on delete.
import {apiVersionOf, type ResourceDef} from '../../api/registry.js'
import {CRD_CLEANUP_FINALIZER, customResourceDefinition} from '../../api/resources/apiextensions/customresourcedefinition.js'
import type {KubeObject} from '../../api/types.js'
import type {Condition} from '../../api/types/workloads.js'
import {resourcePrefix, StoreError, type StoreEvent} from '../../store/index.js'
import {keyOf, type ServerContext} from '../context.js'
import {namesOf, resourcesOf} from './resources.js'

/** A running CRD controller. */
export interface CrdController {
  stop(): void
}

const crdDef: ResourceDef = customResourceDefinition

/**
 * Lists the stored CRDs (their resources are served when this resolves), then follows changes. Events are handled
 * one at a time, in order, so registration and status writes never race each other.
 */
export async function startCrdController(ctx: ServerContext): Promise<CrdController> {
  const prefix = resourcePrefix(crdDef.group, crdDef.resource)
  /** The resources each CRD (by name) currently has registered. */
  const served = new Map<string, ResourceDef[]>()
  let stopped = false
  let cancel: (() => void) | undefined
  let chain: Promise<void> = Promise.resolve()

  const enqueue = (fn: () => Promise<void>): void => {
    chain = chain.then(fn).catch(() => {
      // A failed status write (conflict, store hiccup) is retried by the event the next write produces, or the relist.
    })
  }

  function unregister(name: string): void {
    for (const d of served.get(name) ?? []) ctx.registry.remove(d.group, d.version, d.resource)
    served.delete(name)
  }

  /** Whether another CRD already serves this CRD's plural or kind in its group. */
  function conflict(crd: KubeObject): string | undefined {
    const names = namesOf(crd)
    const group = String(crd.spec?.group ?? '')
    for (const [other, defs] of served) {
      if (other === crd.metadata.name) continue
      for (const d of defs) {
        if (d.group !== group) continue
        if (d.kind === names.kind) return `"${names.kind}" is already in use`
      }
    }
    const builtin = ctx.registry.all().find(d => d.group === group && d.resource === names.plural && !served.get(crd.metadata.name!)?.includes(d))
    return builtin ? `"${names.plural}" is already in use` : undefined
  }

  async function reconcile(name: string): Promise<void> {
    const stored = await ctx.store.get(keyOf(crdDef, undefined, name))
    if (!stored) return unregister(name)
    const crd = stored.value
    if (crd.metadata.deletionTimestamp) return finalize(crd, stored.modRevision)
    const clash = conflict(crd)
    if (!clash) {
      const defs = resourcesOf(crd)
      const before = served.get(name) ?? []
      for (const d of before) if (!defs.some(n => n.version === d.version && n.resource === d.resource)) ctx.registry.remove(d.group, d.version, d.resource)
      for (const d of defs) ctx.registry.add(d)
      served.set(name, defs)
    }
    await writeStatus(crd, stored.modRevision, clash)
  }

  async function writeStatus(crd: KubeObject, revision: number, clash: string | undefined): Promise<void> {
    const status = (crd.status ?? {}) as Record<string, unknown>
    const now = ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z')
    const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : []
    const set = (c: Condition): void => {
      const i = conditions.findIndex(x => x.type === c.type)
      const old = conditions[i]
      if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return
      const next = {...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now}
      if (i >= 0) conditions[i] = next
      else conditions.push(next)
    }
    const names = namesOf(crd)
    if (clash) {
      set({type: 'NamesAccepted', status: 'False', reason: 'NameConflict', message: clash})
      if (!conditions.some(c => c.type === 'Established')) set({type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted'})
    } else {
      set({type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found'})
      set({type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted'})
    }
    const storage = (Array.isArray(crd.spec?.versions) ? crd.spec.versions : []).find((v: {storage?: boolean}) => v.storage === true)?.name as string | undefined
    const storedVersions = Array.isArray(status.storedVersions) ? [...(status.storedVersions as string[])] : []
    if (storage && !storedVersions.includes(storage)) storedVersions.push(storage)
    const next = {...status, conditions, acceptedNames: clash ? status.acceptedNames ?? {plural: '', kind: ''} : names, storedVersions}
    if (JSON.stringify(next) === JSON.stringify(crd.status)) return
    await ctx.store.update(keyOf(crdDef, undefined, crd.metadata.name!), {...crd, status: next}, revision)
  }

  /** Deletes every object of a deleting CRD, then lets the CRD go (Kubernetes' customresourcecleanup finalizer). */
  async function finalize(crd: KubeObject, revision: number): Promise<void> {
    const name = crd.metadata.name!
    const finalizers = crd.metadata.finalizers ?? []
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) return
    // New objects may not be created while the old ones go: stop serving first, then delete what is stored.
    unregister(name)
    const objects = resourcePrefix(String(crd.spec?.group ?? ''), namesOf(crd).plural)
    for (;;) {
      const page = await ctx.store.list(objects, {limit: 500})
      for (const item of page.items) {
        try {
          await ctx.store.delete(item.key)
        } catch (err) {
          if (!(err instanceof StoreError && err.code === 'NotFound')) throw err
        }
      }
      if (!page.continue) break
    }
    const rest = finalizers.filter(f => f !== CRD_CLEANUP_FINALIZER)
    const key = keyOf(crdDef, undefined, name)
    if (rest.length === 0) await ctx.store.delete(key, revision)
    else await ctx.store.update(key, {...crd, metadata: {...crd.metadata, finalizers: rest}}, revision)
  }

  function onEvent(ev: StoreEvent): void {
    const name = ev.value.metadata?.name
    if (!name) return
    if (ev.type === 'delete') enqueue(async () => unregister(name))
    else enqueue(() => reconcile(name))
  }

  async function listAndWatch(): Promise<void> {
    const page = await ctx.store.list(prefix)
    const names = new Set(page.items.map(i => i.value.metadata.name!))
    for (const gone of [...served.keys()].filter(n => !names.has(n))) unregister(gone)
    for (const n of names) enqueue(() => reconcile(n))
    await chain
    if (stopped) return
    cancel = ctx.store.watch(prefix, page.revision, {
      onEvent,
      onError() {
        // Compaction or a lost connection: start over from a fresh list.
        cancel?.()
        if (!stopped) setTimeout(() => { listAndWatch().catch(() => {}) }, 1000)
      },
    })
  }

  await listAndWatch()
  return {
    stop() {
      stopped = true
      cancel?.()
    },
  }
}

/** The apiVersion strings a CRD serves (for messages and tests). */
export function servedVersions(crd: KubeObject): string[] {
  return resourcesOf(crd).map(d => apiVersionOf(d))
}
