// Runs a kind's allocation hook (Service cluster IPs and node ports) together with the write it belongs to, one write of that kind at a time, so two creates never hand out the same value.
import type {ResourceDef} from '../api/registry.js'
import type {KubeObject} from '../api/types.js'
import {keyOf, prefixOf, type ServerContext} from './context.js'
import {errors} from './errors.js'

const chains = new WeakMap<ServerContext, Map<string, Promise<unknown>>>()

/**
 * Runs `write` after allocating for `obj` (when the kind allocates), holding the kind's lock across both: the values
 * are read from the stored objects, so the next writer must see this one stored.
 */
export async function allocateAndWrite<T>(ctx: ServerContext, def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, write: () => Promise<T>): Promise<T> {
  const allocate = def.strategy?.allocate
  if (!allocate) return write()
  let byKind = chains.get(ctx)
  if (!byKind) chains.set(ctx, (byKind = new Map()))
  const key = `${def.group}/${def.resource}`
  const run = (byKind.get(key) ?? Promise.resolve()).catch(() => undefined).then(async () => {
    const self = keyOf(def, obj.metadata.namespace, obj.metadata.name ?? '')
    const causes = await allocate(obj, old, {
      serviceCIDR: ctx.allocation.serviceCIDR,
      nodePortRange: ctx.allocation.nodePortRange,
      random: ctx.allocation.random,
      others: async () => (await ctx.store.list(prefixOf(def, undefined))).items.filter((it) => it.key !== self).map((it) => it.value),
      list: async (group, version, resource) => {
        const other = ctx.registry.lookup(group, version, resource)
        return other ? (await ctx.store.list(prefixOf(other, undefined))).items.map((it) => it.value) : []
      },
    })
    if (causes.length > 0) throw errors.invalid(def.kind, def.group, obj.metadata.name ?? '', causes)
    return write()
  })
  byKind.set(key, run)
  return run
}
