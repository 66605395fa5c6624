// `skiff cluster start`: starts a stopped cluster's nodes on their fixed addresses and waits until every Node is Ready.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand, parseDuration} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {asEngine} from '../../cluster/ops/access.js'
import {startCluster, type LifecycleResult} from '../../cluster/ops/tasks.js'

export default class ClusterStart extends SkiffCommand {
  static override summary = 'Start a stopped cluster.'
  static override description = 'Starts the control plane, then the workers, each on the address it had, and waits until every Node reports Ready again.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> cluster start', '<%= config.bin %> cluster start demo --timeout 5m']
  static override args = {name: Args.string({description: 'cluster name', default: 'skiff'})}
  static override flags = {
    wait: Flags.boolean({description: 'wait until every node is Ready', default: true, allowNo: true}),
    timeout: Flags.string({description: 'give up after this long', default: '3m'}),
  }

  async run(): Promise<LifecycleResult> {
    const {args, flags} = await this.parse(ClusterStart)
    const result = await startCluster(asEngine(engineProvider()), args.name, {wait: flags.wait, timeoutMs: parseDuration(flags.timeout), progress: this.progressMode()})
    if (!this.jsonEnabled()) this.log(`Cluster "${args.name}" started (${result.nodes.length} nodes${result.ready ? ', all Ready' : ''}).`)
    return result
  }
}
