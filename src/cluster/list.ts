// `cluster list`: the clusters on the engine summarised (node counts, state, API address) and as a table.
import {contextName} from './kubeconfig.js'
import type {ClusterInfo, Provider} from './provider.js'

/** One row of the list. */
export interface ClusterSummary {
  name: string
  nodes: number
  controlPlanes: number
  workers: number
  running: number
  state: 'Running' | 'Stopped' | 'Degraded'
  apiServer?: string
  context: string
}

/** Summarises one cluster as found on the engine. */
export function summarizeCluster(c: ClusterInfo): ClusterSummary {
  const running = c.nodes.filter((n) => n.state === 'running').length
  return {
    name: c.name,
    nodes: c.nodes.length,
    controlPlanes: c.nodes.filter((n) => n.role === 'control-plane').length,
    workers: c.nodes.filter((n) => n.role === 'worker').length,
    running,
    state: running === c.nodes.length ? 'Running' : running === 0 ? 'Stopped' : 'Degraded',
    apiServer: c.apiServerPort ? `https://127.0.0.1:${c.apiServerPort}` : undefined,
    context: contextName(c.name),
  }
}

/** Every skiff cluster on the engine, summarised. */
export async function listClusters(provider: Provider): Promise<ClusterSummary[]> {
  await provider.ping()
  return (await provider.listClusters()).map(summarizeCluster)
}

/** The list as aligned table lines (a hint to create one when there are none). */
export function clusterTable(clusters: ClusterSummary[]): string[] {
  if (clusters.length === 0) return ['No clusters. Create one with `skiff cluster create`.']
  const rows = [['NAME', 'NODES', 'CONTROL-PLANES', 'WORKERS', 'STATE', 'API SERVER'], ...clusters.map((c) => [c.name, `${c.running}/${c.nodes}`, String(c.controlPlanes), String(c.workers), c.state, c.apiServer ?? '-'])]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('   ').trimEnd())
}
