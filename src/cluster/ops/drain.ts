// Cordon and drain of a node through the API, as `kubectl drain` does it: evictions (which honour PodDisruptionBudgets), DaemonSet and mirror pods left alone.
import type {ApiClient} from '../../client/api-client.js'
import {ApiError} from '../../client/errors.js'
import type {Pod} from '../../api/types/workloads.js'
import {SkiffError} from '../../errors.js'

/** Marks a node unschedulable. */
export async function cordon(api: ApiClient, node: string): Promise<void> {
  await api.patch({version: 'v1', resource: 'nodes', name: node}, {spec: {unschedulable: true}}, 'merge')
}

/** Whether drain leaves a pod alone: DaemonSet pods come back at once, mirror pods belong to the node, finished pods hold nothing. */
export function skippedByDrain(p: Pod): string | undefined {
  if (p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller)) return 'DaemonSet'
  if (p.metadata.annotations?.['kubernetes.io/config.mirror']) return 'mirror'
  if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return 'finished'
  return undefined
}

/** Whether a pod has no controller that would recreate it elsewhere (kubectl drain refuses those without --force). */
export function unmanaged(p: Pod): boolean {
  return !p.metadata.ownerReferences?.some((o) => o.controller)
}

/** Progress of a drain. */
export type OnDrain = (msg: string) => void

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function podsOn(api: ApiClient, node: string): Promise<Pod[]> {
  return (await api.list<Pod>({version: 'v1', resource: 'pods'}, {fieldSelector: `spec.nodeName=${node}`})).items
}

/** Evicts every pod drain covers and waits until they are gone; blocked evictions (429: a budget) are retried until the deadline. */
export async function drain(api: ApiClient, node: string, opts: {deadline: number; onProgress?: OnDrain; force?: boolean}): Promise<{evicted: string[]}> {
  const evicted = new Set<string>()
  if (!opts.force) {
    const bare = (await podsOn(api, node)).filter((p) => !skippedByDrain(p) && !p.metadata.deletionTimestamp && unmanaged(p))
    if (bare.length > 0) {
      throw new SkiffError(`${node} runs pods no controller manages, which would be lost: ${bare.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}`, {
        exitCode: 2,
        suggestions: ['Delete them first, or pass --force to evict them anyway.'],
      })
    }
  }
  for (;;) {
    const pods = (await podsOn(api, node)).filter((p) => !skippedByDrain(p))
    if (pods.length === 0) return {evicted: [...evicted]}
    if (Date.now() > opts.deadline) {
      throw new SkiffError(`draining ${node} timed out with ${pods.length} pod(s) left: ${pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}`, {
        exitCode: 5,
        suggestions: ['A PodDisruptionBudget may forbid more disruptions: check `kubectl get pdb -A`, or raise --timeout.'],
      })
    }
    let blocked = 0
    for (const p of pods) {
      const key = `${p.metadata.namespace}/${p.metadata.name}`
      if (p.metadata.deletionTimestamp) continue
      try {
        await api.create({version: 'v1', resource: 'pods', namespace: p.metadata.namespace, name: p.metadata.name, subresource: 'eviction'}, {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: {name: p.metadata.name, namespace: p.metadata.namespace},
        })
        if (!evicted.has(key)) opts.onProgress?.(`evicted ${key}`)
        evicted.add(key)
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) continue
        if (err instanceof ApiError && err.code === 429) {
          blocked++
          opts.onProgress?.(`${key}: ${err.message} (retrying)`)
          continue
        }
        throw err
      }
    }
    await sleep(blocked > 0 ? 2000 : 500)
  }
}
