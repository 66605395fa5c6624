// The node's side of the local-path provisioner: removes the directory of a provisioned volume of this node once the PV is being deleted and no claim holds it, then lets the PV go by dropping its cleanup finalizer.
import * as fs from 'node:fs/promises'
import * as path from 'node:path'
import {LOCAL_PATH_DIR, LOCAL_PATH_PROVISIONER, StorageAnnotations, StorageFinalizers, type PersistentVolume} from '../api/storage.js'
import type {KubeObject} from '../api/types.js'
import type {ApiClient} from '../client/api-client.js'
import {isConflict, isNotFound} from '../client/errors.js'
import {Informer} from '../client/informer.js'
import {errorText} from './errors.js'

/** What the cleaner needs: list/watch PVs and patch their finalizers. */
export type VolumeCleanerClient = Pick<ApiClient, 'list' | 'watch' | 'patch'>

/** The node a local-path volume lives on: the kubernetes.io/hostname value its provisioner pinned it to. */
export function volumeNode(pv: PersistentVolume): string | undefined {
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) if (e.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.length === 1) return e.values[0]
  }
  return undefined
}

/**
 * The directory to remove for pv on node, or undefined when there is nothing to do yet: only this provisioner's
 * volumes of this node, being deleted, no longer protected (bound), and only paths under the storage root.
 */
export function cleanupPath(pv: PersistentVolume, node: string, root = LOCAL_PATH_DIR): string | undefined {
  const fin = pv.metadata.finalizers ?? []
  if (!pv.metadata.deletionTimestamp || !fin.includes(StorageFinalizers.localPathCleanup)) return undefined
  if (fin.includes(StorageFinalizers.pvProtection)) return undefined
  if (pv.metadata.annotations?.[StorageAnnotations.provisionedBy] !== LOCAL_PATH_PROVISIONER || volumeNode(pv) !== node) return undefined
  const dir = path.resolve(pv.spec?.hostPath?.path ?? pv.spec?.local?.path ?? '')
  // Never remove anything outside the storage root, whatever the PV says.
  return path.dirname(dir) === path.resolve(root) ? dir : ''
}

/** Watches PVs and cleans up this node's released local-path volumes until signal aborts. */
export async function runVolumeCleaner(client: VolumeCleanerClient, node: string, signal: AbortSignal, log: (msg: string) => void, root = LOCAL_PATH_DIR): Promise<void> {
  const informer = new Informer<KubeObject>(client, {version: 'v1', resource: 'persistentvolumes'}, {log})
  const busy = new Set<string>()
  const clean = async (pv: PersistentVolume) => {
    const name = String(pv.metadata.name)
    const dir = cleanupPath(pv, node, root)
    if (dir === undefined || busy.has(name)) return
    busy.add(name)
    try {
      if (dir) await fs.rm(dir, {recursive: true, force: true})
      else log(`volume ${name}: path outside ${root}, not removing it`)
      const finalizers = (pv.metadata.finalizers ?? []).filter((f) => f !== StorageFinalizers.localPathCleanup)
      await client.patch({version: 'v1', resource: 'persistentvolumes', name}, {metadata: {finalizers, resourceVersion: pv.metadata.resourceVersion}}, 'merge')
      log(`volume ${name}: removed ${dir}`)
    } catch (err) {
      // A newer version of the PV arrives through the watch and brings us back; anything else is retried shortly.
      if (!isConflict(err) && !isNotFound(err)) {
        log(`volume ${name}: cleanup failed (will retry): ${errorText(err)}`)
        setTimeout(() => void clean(informer.get(name) as PersistentVolume), 5000).unref()
      }
    } finally {
      busy.delete(name)
    }
  }
  informer.addHandlers({onAdd: (pv) => void clean(pv as PersistentVolume), onUpdate: (_o, pv) => void clean(pv as PersistentVolume)})
  await informer.run(signal)
}
