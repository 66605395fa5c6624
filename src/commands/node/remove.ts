// `skiff node remove`: cordon, drain (evictions that honour PodDisruptionBudgets), then delete the Node and its container.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand, parseDuration} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {asEngine, resolveClusterName} from '../../cluster/ops/access.js'
import {removeNode, type RemoveResult} from '../../cluster/ops/tasks.js'

export default class NodeRemove extends SkiffCommand {
  static override summary = 'Remove a worker node from a cluster.'
  static override description =
    'Marks the node unschedulable, evicts its pods through the Eviction API (so PodDisruptionBudgets are honoured; DaemonSet pods stay), deletes the Node object, then the container and its volumes. Pods of controllers are recreated on the other nodes.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> node remove demo-worker2', '<%= config.bin %> node remove skiff-worker --timeout 5m --json', '<%= config.bin %> node remove demo-worker3 --force']
  static override args = {name: Args.string({description: 'node name (as in `skiff node list`)', required: true})}
  static override flags = {
    cluster: Flags.string({char: 'c', description: 'cluster name [default: the cluster that has the node]'}),
    timeout: Flags.string({description: 'give up draining after this long', default: '2m'}),
    force: Flags.boolean({description: 'also evict pods no controller manages (they are lost)'}),
  }

  async run(): Promise<RemoveResult> {
    const {args, flags} = await this.parse(NodeRemove)
    const engine = asEngine(engineProvider())
    const cluster = await resolveClusterName(engine, flags.cluster, args.name)
    const result = await removeNode(engine, cluster, args.name, {timeoutMs: parseDuration(flags.timeout), progress: this.progressMode(), force: flags.force})
    if (!this.jsonEnabled()) this.log(`Node ${result.name} removed from cluster "${cluster}" (${result.evicted.length} pod(s) evicted).`)
    return result
  }
}
