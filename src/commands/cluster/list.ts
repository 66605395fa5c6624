// `skiff cluster list`: the clusters on this Docker engine with node counts and state.
import {Flags} from '@oclif/core'
import yaml from 'js-yaml'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {clusterTable, listClusters, type ClusterSummary} from '../../cluster/list.js'

export type {ClusterSummary}

export default class ClusterList extends SkiffCommand {
  static override summary = 'List clusters.'
  static override examples = ['<%= config.bin %> cluster list', '<%= config.bin %> cluster list -o json']
  static override flags = {
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json', 'yaml'], default: 'table'}),
  }

  async run(): Promise<ClusterSummary[]> {
    const {flags} = await this.parse(ClusterList)
    const clusters = await listClusters(engineProvider())
    if (flags.output === 'json') this.log(JSON.stringify(clusters, null, 2))
    else if (flags.output === 'yaml') this.log(yaml.dump(clusters))
    else for (const line of clusterTable(clusters, {colour: this.colour()})) this.log(line)
    return clusters
  }
}
