// Finds a cluster on the engine and opens its API with the admin credentials kept on its control plane.
import {ApiClient} from '../../client/api-client.js'
import {SkiffError} from '../../errors.js'
import {clusterKubeconfig} from '../kubeconfig.js'
import type {ClusterInfo, NodeInfo, NodeProvider, Provider} from '../provider.js'

/** An engine that can also change a running cluster's nodes. */
export type Engine = Provider & NodeProvider

/** The engine as one that changes nodes; a SkiffError for engines without those operations. */
export function asEngine(p: Provider): Engine {
  const n = p as Partial<NodeProvider>
  if (typeof n.nodeSpec !== 'function' || typeof n.stopNode !== 'function') throw new SkiffError('this container engine cannot change running clusters', {exitCode: 3})
  return p as Engine
}

/** A cluster found on the engine, with its control-plane node. */
export interface FoundCluster {
  info: ClusterInfo
  controlPlane: NodeInfo
}

/** Finds a cluster or fails with a SkiffError naming it (exit code 4). */
export async function findCluster(provider: Provider, name: string): Promise<FoundCluster> {
  await provider.ping()
  const info = await provider.getCluster(name)
  const controlPlane = info?.nodes.find((n) => n.role === 'control-plane')
  if (!info || !controlPlane) {
    const names = (await provider.listClusters()).map((c) => c.name)
    throw new SkiffError(`cluster "${name}" does not exist`, {exitCode: 4, suggestions: [names.length ? `Clusters here: ${names.join(', ')} (pass --cluster NAME).` : 'Create one with `skiff cluster create`.']})
  }
  return {info, controlPlane}
}

/** An admin API client for a running cluster, through its published apiserver port. */
export async function adminApi(provider: Provider, found: FoundCluster, timeoutMs = 10_000): Promise<ApiClient> {
  if (found.controlPlane.state !== 'running') {
    throw new SkiffError(`cluster "${found.info.name}" is not running (its control plane is ${found.controlPlane.state})`, {exitCode: 4, suggestions: [`Start it with \`skiff cluster start ${found.info.name}\`.`]})
  }
  const kc = await clusterKubeconfig(provider, found.info.name)
  const user = kc.users[0].user
  const cluster = kc.clusters[0].cluster
  const pem = (v: unknown) => Buffer.from(String(v), 'base64').toString()
  return new ApiClient({
    server: String(cluster.server),
    ca: pem(cluster['certificate-authority-data']),
    cert: pem(user['client-certificate-data']),
    key: pem(user['client-key-data']),
    userAgent: 'skiff-cli',
    timeoutMs,
  })
}

/** The cluster a command means: the flag, else the only cluster on the engine, else "skiff". */
export async function resolveClusterName(provider: Provider, flag: string | undefined, node?: string): Promise<string> {
  if (flag) return flag
  const clusters = await provider.listClusters()
  if (node) {
    const owner = clusters.find((c) => c.nodes.some((n) => n.name === node))
    if (owner) return owner.name
  }
  return clusters.length === 1 ? clusters[0].name : 'skiff'
}
