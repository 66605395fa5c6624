// `skiff cluster stop`: stops every node container; objects and volumes stay for `cluster start`.
import {Args, Flags} from '@oclif/core'
import {SkiffCommand} from '../../cli/base.js'
import {engineProvider} from '../../cli/provider.js'
import {asEngine} from '../../cluster/ops/access.js'
import {stopCluster, type LifecycleResult} from '../../cluster/ops/tasks.js'

export default class ClusterStop extends SkiffCommand {
  static override summary = 'Stop a cluster, keeping every object and volume.'
  static override description = 'Stops the load-balancer container (so nothing of the cluster listens on the host), the workers, then the control plane (docker stop). `skiff cluster start` brings it back on the same addresses and ports; LoadBalancer services are published again once the control plane is up.'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> cluster stop', '<%= config.bin %> cluster stop demo --json']
  static override args = {name: Args.string({description: 'cluster name', default: 'skiff'})}
  static override flags = {
    'grace-period': Flags.integer({description: 'seconds each node gets to stop before it is killed', default: 10, min: 0}),
  }

  async run(): Promise<LifecycleResult> {
    const {args, flags} = await this.parse(ClusterStop)
    const result = await stopCluster(asEngine(engineProvider()), args.name, {timeoutSeconds: flags['grace-period'], progress: this.progressMode()})
    if (!this.jsonEnabled()) this.log(`Cluster "${args.name}" stopped (${result.nodes.length} nodes). Start it again with: ${this.config.bin} cluster start ${args.name}`)
    return result
  }
}
