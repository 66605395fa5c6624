// `cluster list`: the clusters on the engine summarised (node counts, state, API address) and as a table.
import {Chalk} from 'chalk'
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
  /** The Ingress controller on the host, e.g. http://127.0.0.1:80 and https://127.0.0.1:443. */
  ingress?: {http: string; https: string}
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
    ingress: c.ingressPorts ? {http: `http://127.0.0.1:${c.ingressPorts.http}`, https: `https://127.0.0.1:${c.ingressPorts.https}`} : undefined,
    context: contextName(c.name),
  }
}

/** Every skiff cluster on the engine, summarised. */
export async function listClusters(provider: Provider): Promise<ClusterSummary[]> {
  await provider.ping()
  return (await provider.listClusters()).map(summarizeCluster)
}

const STATE_COLUMN = 4

/**
 * The list as aligned table lines (a hint to create one when there are none). With `colour` (a terminal that shows
 * it) the state reads green, yellow or red; cells are padded before colouring so escape codes never skew widths.
 */
export function clusterTable(clusters: ClusterSummary[], opts: {colour?: boolean} = {}): string[] {
  if (clusters.length === 0) return ['No clusters. Create one with `skiff cluster create`.']
  const paint = new Chalk({level: opts.colour ? 1 : 0})
  const stateColour = {Running: paint.green, Degraded: paint.yellow, Stopped: paint.red}
  const ingress = (c: ClusterSummary) => (c.ingress ? `${c.ingress.http.replace('http://', '')},${c.ingress.https.replace(/^https:\/\/[^:]+:/, '')}` : '-')
  const rows = [['NAME', 'NODES', 'CONTROL-PLANES', 'WORKERS', 'STATE', 'API SERVER', 'INGRESS'], ...clusters.map((c) => [c.name, `${c.running}/${c.nodes}`, String(c.controlPlanes), String(c.workers), c.state, c.apiServer ?? '-', ingress(c)])]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r, row) =>
    r
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i])
        return row > 0 && i === STATE_COLUMN ? padded.replace(cell, stateColour[cell as ClusterSummary['state']](cell)) : padded
      })
      .join('   ')
      .trimEnd(),
  )
}
