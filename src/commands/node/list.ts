// `skiff node list`: a cluster's nodes with their container state, Ready status, address, pod range and capacity.
import {Flags} from '@oclif/core'
import yaml from 'js-yaml'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {adminApi, findCluster, resolveClusterName} from '../../cluster/ops/access.js'
import {listNodeObjects, nodeRows, nodeTable, type NodeRow} from '../../cluster/ops/nodes.js'

export default class NodeList extends SkiffCommand {
  static override summary = "List a cluster's nodes."
  static override description = 'Shows each node container with its Node object: Ready status (- when the cluster is stopped), address on the cluster network, pod range, CPU and memory capacity, taints.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> node list', '<%= config.bin %> node list --cluster demo -o json', '<%= config.bin %> node list --json']
  static override flags = {
    cluster: Flags.string({char: 'c', description: 'cluster name [default: the only cluster, else skiff]'}),
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json', 'yaml'], default: 'table'}),
  }

  async run(): Promise<NodeRow[]> {
    const {flags} = await this.parse(NodeList)
    const provider = engineProvider()
    const found = await findCluster(provider, await resolveClusterName(provider, flags.cluster))
    const api = found.controlPlane.state === 'running' ? await adminApi(provider, found, 3000) : undefined
    try {
      const rows = nodeRows(found.info.nodes, await listNodeObjects(api))
      if (this.jsonEnabled()) return rows
      if (flags.output === 'json') this.log(JSON.stringify(rows, null, 2))
      else if (flags.output === 'yaml') this.log(yaml.dump(rows))
      else for (const line of nodeTable(rows)) this.log(line)
      return rows
    } finally {
      api?.close()
    }
  }
}
