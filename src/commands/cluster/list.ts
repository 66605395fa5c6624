// `skiff cluster list`: the clusters on this Docker engine with node counts and state.
import {Flags} from '@oclif/core'
import Dockerode from 'dockerode'
import yaml from 'js-yaml'
import {SkiffCommand} from '../../cli/base.js'
import {DockerProvider} from '../../cluster/docker/provider.js'
import {contextName} from '../../cluster/kubeconfig.js'

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

export default class ClusterList extends SkiffCommand {
  static override summary = 'List clusters.'
  static override examples = ['<%= config.bin %> cluster list', '<%= config.bin %> cluster list -o json']
  static override flags = {
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json', 'yaml'], default: 'table'}),
  }

  async run(): Promise<ClusterSummary[]> {
    const {flags} = await this.parse(ClusterList)
    const provider = new DockerProvider(new Dockerode())
    await provider.ping()
    const clusters = (await provider.listClusters()).map((c): ClusterSummary => {
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
    })
    if (flags.output === 'json') this.log(JSON.stringify(clusters, null, 2))
    else if (flags.output === 'yaml') this.log(yaml.dump(clusters))
    else if (clusters.length === 0) this.log('No clusters. Create one with `skiff cluster create`.')
    else {
      const rows = [['NAME', 'NODES', 'CONTROL-PLANES', 'WORKERS', 'STATE', 'API SERVER'], ...clusters.map((c) => [c.name, `${c.running}/${c.nodes}`, String(c.controlPlanes), String(c.workers), c.state, c.apiServer ?? '-'])]
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
      for (const r of rows) this.log(r.map((cell, i) => cell.padEnd(widths[i])).join('   ').trimEnd())
    }
    return clusters
  }
}
