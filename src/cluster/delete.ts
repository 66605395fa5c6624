// `cluster delete`: removes containers, network, volumes and kubeconfig entries; deleting twice is fine.
import {removeFromKubeconfig} from './kubeconfig.js'
import type {Provider} from './provider.js'

/** What was removed for one cluster. */
export interface DeleteResult {
  name: string
  existed: boolean
  containers: number
  networks: number
  volumes: number
  kubeconfigEntries: boolean
}

/** Deletes the named clusters (or all skiff clusters) concurrently. */
export async function deleteClusters(provider: Provider, names: string[] | 'all', kubeconfigPath: string): Promise<DeleteResult[]> {
  await provider.ping()
  const targets = names === 'all' ? (await provider.listClusters()).map((c) => c.name) : names
  const results: DeleteResult[] = []
  // Sequential kubeconfig writes: concurrent read-modify-write of one file would lose entries.
  const removed = await Promise.all(targets.map((n) => provider.deleteCluster(n)))
  for (const [i, name] of targets.entries()) {
    const r = removed[i]
    const kubeconfigEntries = await removeFromKubeconfig(kubeconfigPath, name)
    results.push({name, existed: r.containers + r.networks + r.volumes > 0, ...r, kubeconfigEntries})
  }
  return results
}
